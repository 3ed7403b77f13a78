"""The tutorial runs end to end and its sections one by one; both implementations agree in every experiment; each
experiment shows what its prose claims; and its figures are labelled."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tutorial

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "neural_networks_fundamentals.py"
# Worst |scratch − torch| (relative where |torch| > 1) allowed per dtype: float32 runs over hundreds of steps
# compound one-ulp differences; float64 stays at the last digits; integers (counts, predictions) are exact.
LIMITS = {"float64": 1e-10, "float32": 1e-4, "integers": 0.0}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    out = tmp_path_factory.mktemp("figures")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        namespace = tutorial.run_sections(SCRIPT, tutorial.Options(quick=True, out=out))
    return namespace, buffer.getvalue(), out


def test_every_section_compares_both_implementations(run: tuple[dict[str, Any], str, Path]) -> None:
    _, text, _ = run
    sections = [name for name in tutorial.compare.records if name[0].isdigit()]
    assert [int(name.split(".")[0]) for name in sections] == list(range(1, 11))
    for name, record in tutorial.compare.records.items():
        assert record.count >= 3, f"{name} compares too little"
        for dtype, worst in record.worst.items():
            assert worst <= LIMITS[dtype], f"{name}: {dtype} differs by {worst:.1e}"
    assert "worst |scratch − torch|" in text.splitlines()[-len(sections) - 1]


def test_the_experiments_show_what_the_prose_says(run: tuple[dict[str, Any], str, Path]) -> None:
    ns, _, _ = run
    assert (
        ns["xor_accuracy"]["Linear, Linear (no activation)"] <= 0.75 < ns["xor_accuracy"]["Linear, tanh, Linear"] == 1
    )
    at_init = ns["norms"]["at initialisation"]
    ratio = {act: at_init[act][0][0] / at_init[act][0][-2] for act in at_init}
    assert ratio["sigmoid"] < 1e-3 < ratio["tanh"]  # sigmoid's gradient vanishes towards the input
    assert (
        abs(ns["mean_activation"]["sigmoid"].mean() - 0.5) < 0.05 and abs(ns["mean_activation"]["tanh"].mean()) < 0.05
    )
    assert ns["dead_units"]["relu"] > 0 == ns["dead_units"]["leaky_relu"]
    assert np.isnan(ns["naive"]).any() and np.isfinite(ns["nn"].functional.softmax(ns["logits"], dim=0)).all()
    z, (grad_sigmoid, _), (grad_logits, _) = ns["z_b"], *ns["grads_b"].values()
    assert (grad_sigmoid[z >= 20] == 0).all() and np.allclose(grad_logits[z >= 20], 1)
    final = {name: ns["bowl"](*ours[-1]) for name, (ours, _) in ns["paths"].items()}
    assert final["SGD + momentum 0.6, lr 0.04"] < final["SGD, lr 0.07"] / 10  # momentum damps the zigzag
    assert [name.split(": ")[1] for name in ns["sweep"]] == ["too slow", "converges", "diverges"]
    assert ns["doubling"] == pytest.approx(2.0, rel=1e-6)
    assert [per_epoch for *_, per_epoch in ns["batch_runs"].values()] == [169, 22, 3]
    errors = [ns["errors"][n][0] for n in sorted(ns["errors"])]
    assert errors[-1] < errors[0] / 10 and all(b < a * 1.2 for a, b in itertools.pairwise(errors))
    assert ns["test_accuracy"] > 0.9 and ns["test_accuracy"] == ns["torch_test_accuracy"]


def test_figures_are_written_and_labelled(run: tuple[dict[str, Any], str, Path]) -> None:
    _, _, out = run
    names = {p.stem for p in out.glob("*.png")}
    assert names >= {"activations", "gradient_norms", "universal_approximation", "optimizer_paths", "loss_curves"}
    assert names == set(tutorial.FIGURES)
    for name in names:
        assert (out / f"{name}.png").stat().st_size > 5_000, name


def test_one_section_runs_alone_as_the_script_option_says(tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    command = [sys.executable, "-W", "error", str(SCRIPT), "--quick", "--section", "5", "--out", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SimpleMLP(\n  (fc1): Linear(in_features=784, out_features=128, bias=True)" in done.stdout
    assert "5. Building a network with nn.Module" in done.stdout and "6. Loss functions" not in done.stdout


def test_cells_are_jupytext_percent_cells() -> None:
    source = SCRIPT.read_text()
    cells = tutorial.cells(source)
    assert len(cells) > 60
    code = [c for c in cells if c.strip() and not all(line.startswith("#") for line in c.strip().splitlines())]
    assert all("def section" not in c for c in code), "top-level cells, not functions run at the end"
    assert max(len(c.strip().splitlines()) for c in code) < 60, "each cell is a small step"


def test_the_set_up_runs_numpy_and_torch_on_one_thread_each(tmp_path: Path) -> None:
    """Small matrices: BLAS threads only fight over the cores, so the first cell limits NumPy's and torch's."""
    set_up_only = f"tutorial.Options(out=Path({str(tmp_path)!r}), sections=[-1])"  # no section -1: the set-up
    code = "\n".join(
        [
            "from pathlib import Path",
            "import threadpoolctl, torch, tutorial",
            "threadpoolctl.threadpool_limits(2)",
            "torch.set_num_threads(2)",
            f"tutorial.run_sections(Path({str(SCRIPT)!r}), {set_up_only})",
            "blas = {lib['num_threads'] for lib in threadpoolctl.threadpool_info() if lib['user_api'] == 'blas'}",
            "print(sorted(blas), torch.get_num_threads())",
        ]
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "[1] 1"
