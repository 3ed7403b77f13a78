"""The tutorial runs end to end, each section's scratch and torch values agree, and its figures show what they say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neural_networks_fundamentals as tutorial

# float32 throughout: one op differs by ~1e-7; whole training runs by ~1e-6 over hundreds of steps.
EXACT = ("init", "parameter count", "mistakes", "Perceptron weights", "predictions", "ReLU", "neuron")
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[int, Any], str, Path]:
    import contextlib
    import io

    out = tmp_path_factory.mktemp("figures")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        results = tutorial.main(["--quick", "--out", str(out)])
    return results, buffer.getvalue(), out


def test_every_section_runs_and_prints(run: tuple[dict[int, Any], str, Path]) -> None:
    results, text, _ = run
    assert sorted(results) == list(range(1, 10))
    for number, title in enumerate(tutorial.TITLES, start=1):
        assert f"\n{number}. {title}\n" in text
    assert "Parity: the worst difference seen in each comparison" in text
    assert text.count("max |scratch − torch|") >= 40


def test_scratch_and_torch_agree_in_every_section(run: tuple[dict[int, Any], str, Path]) -> None:
    results, _, _ = run
    for number, section in results.items():
        assert section.differences, f"section {number} compares nothing"
        for component, diff in section.differences.items():
            limit = 0.0 if any(word in component for word in EXACT) else TOLERANCE
            assert diff <= limit, f"section {number}, {component}: {diff:.2e} > {limit}"


def test_figures_are_written_and_labelled(run: tuple[dict[int, Any], str, Path]) -> None:
    results, _, out = run
    figures = {name: fig for section in results.values() for name, fig in section.figures.items()}
    assert len(figures) >= 6
    for name, fig in figures.items():
        assert (out / f"{name}.png").stat().st_size > 10_000, name
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_title(), f"{name}: an axes without a title"
            assert ax.get_xlabel(), f"{name}: an axes without an x label"


def test_figure_contents(run: tuple[dict[int, Any], str, Path]) -> None:
    results, _, _ = run
    activations = results[3].figures["activations"]
    assert [ax.get_title() for ax in activations.axes] == list(tutorial.ACTIVATIONS)
    for ax in activations.axes:
        _, derivative, torch_points = ax.get_lines()
        assert np.allclose(torch_points.get_ydata(), derivative.get_ydata()[::40], atol=1e-12)

    curves = results[9].figures["loss_curves"]
    for ax in curves.axes:
        ours, theirs = ax.get_lines()
        assert len(ours.get_ydata()) == len(theirs.get_ydata()) > 10
        assert np.allclose(ours.get_ydata(), theirs.get_ydata(), atol=TOLERANCE)
        assert ax.get_yscale() == "log"

    sine = results[4].figures["sine_fit"].axes[0]
    data, ours, theirs = sine.get_lines()
    assert np.allclose(ours.get_ydata(), theirs.get_ydata(), atol=TOLERANCE)
    assert np.mean((ours.get_ydata() - data.get_ydata()) ** 2) < 0.05  # it learned sin(x), even in --quick

    mistakes = results[2].figures["perceptron_mistakes"].axes[0]
    lines = {line.get_label(): line.get_ydata() for line in mistakes.get_lines()}
    assert set(lines) == {"AND", "OR", "NAND", "XOR"}
    assert all(lines[gate][-1] == 0 for gate in ("AND", "OR", "NAND"))
    assert min(lines["XOR"]) > 0
    assert len(results[2].figures["perceptron_boundaries"].axes) == 4
    assert [ax.get_title() for ax in results[9].figures["spirals_boundary"].axes] == ["scratch MLP", "torch MLP"]


def test_one_section_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tutorial.main(["--section", "5", "--out", str(tmp_path)])
    assert list(results) == [5]
    assert "SimpleMLP(\n  (fc1): Linear(in_features=784, out_features=128, bias=True)" in capsys.readouterr().out
