"""The tutorial's plumbing, so that its cells show only the ideas: options, comparisons, figures, twin training.

``neural_networks_fundamentals.py`` (and its notebook) imports what it needs from here:

* ``options()``: ``--quick``, ``--out DIR`` and ``--section N`` when the file runs as a script; the defaults in
  Jupyter.  ``--section`` runs the set-up cells and those sections only (see ``run_sections``).
* ``compare(what, ours, theirs)``: prints and records the largest |scratch − torch| for one quantity (relative
  to |torch| where that exceeds 1, the measure of the parity tests); ``summary()`` gives the closing table, one
  line per section.
* ``show(fig, name)``: writes ``<out>/<name>.png`` and, in Jupyter, displays it below the cell as an image.
* ``t(array)``: the same numbers as a torch tensor; ``fit_both``: a full-batch run of both twins, step by step.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from common import Array


@dataclass
class Options:
    quick: bool = False
    out: Path = Path("figures")
    sections: list[int] = field(default_factory=list)


def in_notebook() -> bool:
    return "ipykernel" in sys.modules


_running: Options | None = None  # the options of ``run_sections`` while it runs the cells


def options(argv: Sequence[str] | None = None, script: str | None = None) -> Options:
    """The script's options (none in Jupyter).  With ``--section``, run the set-up and those sections, then exit."""
    if _running is not None:
        return _running
    if in_notebook() and argv is None:
        return Options()
    parser = argparse.ArgumentParser(description="Neural-network fundamentals, in NumPy from scratch and in PyTorch.")
    parser.add_argument("--quick", action="store_true", help="fewer training steps (about a third of the time)")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="where the figures are written")
    parser.add_argument("--section", type=int, action="append", default=[], help="run only this section (repeatable)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    chosen = Options(args.quick, args.out, args.section)
    if chosen.sections and script is not None:
        run_sections(Path(script), chosen)
        raise SystemExit(0)
    return chosen


# ---- running some sections of the script ------------------------------------------------------------
HEADING = re.compile(r"^# ## (?:(\d+)\. )?", re.MULTILINE)
"""A section's heading: ``# ## 6. Loss functions``; a heading without a number (the closing summary) always runs."""


def cells(source: str) -> list[str]:
    """The jupytext percent cells of the script, in order (markdown cells are comments: running them is harmless).

    Each cell is padded with the blank lines before it, so that a traceback names the script's own line numbers.
    """
    parts = re.split(r"^(# %%.*)$", source, flags=re.MULTILINE)
    found, line = [], parts[0].count("\n")
    for marker, body in zip(parts[1::2], parts[2::2], strict=True):
        found.append("\n" * (line + marker.count("\n")) + body)
        line += marker.count("\n") + body.count("\n")
    return found


def run_sections(script: Path, chosen: Options) -> dict[str, Any]:
    """Run the set-up cells (those before section 1) and the chosen sections' cells (all when none is chosen) in
    one namespace, which is returned: what ``--section`` does, and how the tests read the tutorial's results."""
    global _running
    namespace: dict[str, Any] = {"__name__": "__tutorial__", "__file__": str(script)}
    section, _running = 0, chosen
    try:
        for cell in cells(script.read_text()):
            found = HEADING.search(cell)
            if found:
                section = int(found.group(1)) if found.group(1) else 0
            if section == 0 or not chosen.sections or section in chosen.sections:
                exec(compile(cell, str(script), "exec"), namespace)  # the tutorial's own cells
    finally:
        _running = None
    return namespace


# ---- comparisons ----------------------------------------------------------------------------------
@dataclass
class Record:
    worst: dict[str, float] = field(default_factory=dict)  # per dtype ("counts" for integers)
    count: int = 0


class Parity:
    """max |scratch − torch| of everything the tutorial compares, printed where it is computed."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.section = "set-up"
        self.records: dict[str, Record] = {}
        self.details: list[tuple[str, str, float]] = []

    def begin(self, title: str) -> None:
        self.section = title

    def __call__(self, what: str, ours: Any, theirs: Any, dtype: str | None = None) -> None:
        """Print and record the worst difference; ``dtype`` names what a list of Python floats was computed in."""
        a, b = _numpy(ours), _numpy(theirs)
        if a.shape != b.shape:
            raise AssertionError(f"{what}: shapes differ, scratch {a.shape} vs torch {b.shape}")
        a64, b64 = np.atleast_1d(a.astype(np.float64)), np.atleast_1d(b.astype(np.float64))
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a64 - b64) / np.maximum(1.0, np.abs(b64))  # relative where |torch| > 1
        diff[(np.isnan(a64) & np.isnan(b64)) | (a64 == b64)] = 0.0  # equal infinities, NaN where NaN: agreeing
        worst = float(diff.max()) if diff.size else 0.0
        record = self.records.setdefault(self.section, Record())
        if dtype is None:  # what scratch computed in (a list of Python floats from float32 work: pass dtype)
            dtype = "integers" if a.dtype.kind in "biu" else str(a.dtype)
        record.worst[dtype] = max(record.worst.get(dtype, 0.0), worst)
        record.count += 1
        self.details.append((self.section, what, worst))
        print(f"    {what:<52} max |scratch − torch| = {worst:.1e}")

    def summary(self) -> str:
        """One line per section: how many comparisons, and the worst difference per dtype."""
        rows = [f"  {'section':<46} {'comparisons':>11}   worst |scratch − torch|"]
        for name, record in self.records.items():
            worst = ", ".join(f"{d} {w:.1e}" for d, w in sorted(record.worst.items()))
            rows.append(f"  {name:<46} {record.count:>11}   {worst}")
        return "\n".join(rows)


compare = Parity()


def _numpy(value: Any) -> Array:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def t(array: Any) -> torch.Tensor:
    """The same numbers as a torch tensor (a copy, so neither side can change the other's)."""
    return torch.tensor(np.asarray(array))


# ---- figures ---------------------------------------------------------------------------------------
FIGURES: dict[str, Path] = {}


def show(fig: Figure, name: str, out: Path | None = None) -> None:
    """Write the figure to ``<out>/<name>.png`` (trimmed of blank margins) and, in Jupyter, show it below the cell."""
    folder = out if out is not None else _out
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", pad_inches=0.1)
    path.write_bytes(buffer.getvalue())
    FIGURES[name] = path
    if in_notebook():
        from IPython.display import Image, display

        display(Image(data=buffer.getvalue(), format="png"))  # type: ignore[no-untyped-call]
    else:
        print(f"    figure: {path}")


_out = Path("figures")


def use(chosen: Options) -> Options:
    """Start a run of the tutorial with these options: figures go to ``chosen.out``, the comparisons start afresh."""
    global _out
    _out = chosen.out
    compare.reset()
    FIGURES.clear()
    return chosen


# ---- the same training on both sides -------------------------------------------------------------
def fit_both(
    model: Any,
    torch_model: torch.nn.Module,
    X: Array,
    y: Array,
    steps: int,
    make_optimizers: Callable[[Any, Any], tuple[Any, torch.optim.Optimizer]],
    loss: str = "cross_entropy",
) -> tuple[list[float], list[float]]:
    """Full-batch training of both twins with each side's ``train_step``; the losses of every step, per side."""
    import scratch.nn
    from scratch.train import train_step
    from torch_impl.train import train_step as torch_train_step

    criterion: scratch.nn.Module
    torch_criterion: torch.nn.Module
    if loss == "cross_entropy":
        criterion, torch_criterion = scratch.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    else:
        criterion, torch_criterion = scratch.nn.MSELoss(), torch.nn.MSELoss()
    optimizer, torch_optimizer = make_optimizers(model.parameters(), torch_model.parameters())
    Xt, yt = t(X), t(y)
    ours, theirs = [], []
    for _ in range(steps):
        ours.append(float(train_step(model, criterion, optimizer, X, y)[1]))
        theirs.append(torch_train_step(torch_model, torch_criterion, torch_optimizer, Xt, yt)[1].item())
    return ours, theirs
