"""plots.drift: the measure of how far apart a run of scratch and one of torch drift, and its figure.

Only what holds on every machine is checked: float32 steps agree at the start of a run, float64 stays at its last
digits for a few hundred steps.  When and how far the float32 run parts depends on the machine's rounding.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from plots import drift


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with threadpool_limits(1):
        yield


def test_float64_runs_stay_within_1e_10_for_200_steps() -> None:
    run = drift.measure(np.float64, 200)
    assert run.weights.shape == run.gradients.shape == run.loss.shape == (200,)
    assert max(run.weights.max(), run.gradients.max(), run.loss.max()) < 1e-10


def test_float32_runs_agree_at_the_start() -> None:
    run = drift.measure(np.float32, 10)
    assert max(run.weights.max(), run.gradients.max(), run.loss.max()) < 1e-5


def test_the_measure_sees_runs_that_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = torch.manual_seed
    monkeypatch.setattr(torch, "manual_seed", lambda s: seed(s + 1))  # torch starts from other weights
    run = drift.measure(np.float64, 3)
    assert run.weights.min() > 1e-3
    assert run.gradients.min() > 1e-6
    assert run.loss.min() > 1e-6


def test_so_far_is_the_running_maximum() -> None:
    run = drift.Drift(np.array([1.0, 3.0, 2.0]), np.array([0.0, 0.0, 1.0]), np.array([2.0, 1.0, 0.5]))
    np.testing.assert_array_equal(run.so_far().weights, [1, 3, 3])
    np.testing.assert_array_equal(run.so_far().gradients, [0, 0, 1])
    np.testing.assert_array_equal(run.so_far().loss, [2, 2, 2])


def test_the_script_prints_the_table_and_draws_both_dtypes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drift.main(["--out", str(tmp_path), "--steps", "4", "--every", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert "float32 weights" in lines[0] and "float64 weights" in lines[0]
    assert [line.split()[0] for line in lines[1:3]] == ["2", "4"]
    assert (tmp_path / "drift.png").stat().st_size > 5_000
    runs = {"float32": drift.measure(np.float32, 3), "float64": drift.measure(np.float64, 3)}
    fig = drift.drift_figure(runs)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["float32", "float64"]
    assert all(ax.get_yscale() == "log" and ax.get_xlabel() == "Adam step" for ax in fig.axes)
    labels = fig.axes[-1].get_legend_handles_labels()[1]
    assert labels == ["weights: max |Δ|", "gradients: max |Δ|", "loss: |Δ|", "machine epsilon of the dtype"]
