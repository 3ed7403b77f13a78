"""The perceptron's figures: decision boundaries on logic gates, and mistakes per epoch.

A single perceptron draws one straight line, so it learns AND, OR and NAND but
not XOR; an MLP with one hidden layer bends the boundary and learns XOR too.
``.venv/bin/python -m plots.perceptron --out DIR`` trains the scratch models and writes
``DIR/perceptron_boundaries.png`` and ``DIR/perceptron_mistakes.png``.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import DTypeLike

import scratch
from common import Array
from scratch import nn, optim
from scratch.models import MLP, Perceptron
from scratch.train import train_step

PredictFn = Callable[[Array], Array]
"""Maps points (M, 2) to class labels (M,): 0/1 predictions, or the argmax of an MLP's logits."""

GATES: dict[str, tuple[int, int, int, int]] = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "XOR": (0, 1, 1, 0),
}
"""Each gate's output for the inputs (0, 0), (0, 1), (1, 0), (1, 1)."""

CLASS_STYLE = {0: ("o", "tab:blue"), 1: ("s", "tab:red"), 2: ("^", "tab:green")}
REGION_COLORS = ("#c6dbef", "#fcbba1", "#c7e9c0")  # light blue, red and green for classes 0, 1 and 2
LIMITS = (-0.5, 1.5)


def gate(name: str, dtype: DTypeLike = np.float32) -> tuple[Array, Array]:
    """The truth table of a two-input gate: X (4, 2) in ``dtype`` and y (4,) int64."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return X, np.array(GATES[name], dtype=np.int64)


def fit_gates(
    names: Sequence[str] = ("AND", "OR", "NAND", "XOR"), max_epochs: int = 20
) -> dict[str, tuple[Perceptron, list[int]]]:
    """A fresh scratch perceptron trained on each gate: (model, mistakes per epoch)."""
    runs = {}
    for name in names:
        X, y = gate(name)
        model = Perceptron(2)
        runs[name] = (model, model.fit(X, y, max_epochs=max_epochs))
    return runs


def train_xor_mlp(
    hidden: int = 4, steps: int = 200, lr: float = 0.05, seed: int = 0, dtype: DTypeLike = np.float32
) -> tuple[MLP, list[float]]:
    """A scratch MLP 2-hidden-2 (tanh) trained on XOR: full batch, cross-entropy, Adam; returns (model, losses).

    With the same seed, torch's ``MLP([2, hidden, 2], "tanh")`` starts from the same weights.
    """
    scratch.manual_seed(seed)
    X, y = gate("XOR", dtype)
    model = MLP([2, hidden, 2], activation="tanh")
    model.to(dtype)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = [float(train_step(model, criterion, optimizer, X, y)[1]) for _ in range(steps)]
    return model, losses


def plot_decision_boundary(
    ax: Axes,
    predict_fn: PredictFn,
    X: Array,
    y: Array,
    title: str,
    limits: tuple[float, float] = LIMITS,
    marker_size: float = 80,
) -> None:
    """Shade the plane by ``predict_fn``'s class (up to three), draw the boundaries between classes, and the points."""
    grid = np.linspace(*limits, 201)
    g1, g2 = np.meshgrid(grid, grid)
    points = np.column_stack([g1.ravel(), g2.ravel()]).astype(X.dtype)
    labels = np.asarray(predict_fn(points), dtype=np.float64).reshape(g1.shape)
    n_classes = max(2, int(max(labels.max(), y.max())) + 1)
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(g1, g2, labels, levels=levels, colors=REGION_COLORS[:n_classes])
    if labels.min() != labels.max():  # a constant prediction has no boundary to draw
        ax.contour(g1, g2, labels, levels=levels[1:-1], colors="black", linewidths=1.5)
    for label, (marker, color) in CLASS_STYLE.items():
        mask = y == label
        if mask.any():
            ax.scatter(
                X[mask, 0], X[mask, 1], marker=marker, c=color, s=marker_size, edgecolors="black", label=f"y = {label}"
            )
    ax.set(xlim=limits, ylim=limits, xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)


def decision_boundary_figure(predict_fn: PredictFn, X: Array, y: Array, title: str) -> Figure:
    """One panel: the classes ``predict_fn`` assigns over the plane, with the data points."""
    fig = Figure(figsize=(4.5, 4.5), layout="constrained")
    plot_decision_boundary(fig.add_subplot(), predict_fn, X, y, title)
    return fig


def boundaries_figure(panels: Sequence[tuple[str, PredictFn, Array, Array]]) -> Figure:
    """Decision boundaries side by side, one panel per (title, predict_fn, X, y)."""
    fig = Figure(figsize=(4.2 * len(panels), 4.5), layout="constrained")
    for ax, (title, predict_fn, X, y) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels, strict=True):
        plot_decision_boundary(ax, predict_fn, X, y, title)
    return fig


def mistakes_figure(histories: Mapping[str, Sequence[int]]) -> Figure:
    """Mistakes per epoch of the perceptron rule, one line per data set (label: the data set's name).

    Gates with equal histories (AND and NAND here) would hide each other: each line is drawn thinner, with
    smaller markers, than the one before, so that every line stays visible on top of the earlier ones.
    """
    fig = Figure(figsize=(6.4, 4), layout="constrained")
    ax = fig.add_subplot()
    styles = zip(itertools.cycle("osD^v"), itertools.count(), strict=False)
    for (name, history), (marker, i) in zip(histories.items(), styles, strict=False):
        width, size = max(4.5 - 1.2 * i, 1.0), max(11 - 2.5 * i, 4)
        ax.plot(np.arange(1, len(history) + 1), history, marker=marker, lw=width, ms=size, alpha=0.75, label=name)
    ax.set(xlabel="epoch", ylabel="mistakes in the epoch", title="Perceptron: mistakes per epoch")
    top = max(max(h) for h in histories.values())
    ax.set_ylim(-0.4, top + 0.6)  # room for the markers at 0
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(title="gate", loc="center right")
    return fig


def perceptron_title(name: str, history: Sequence[int]) -> str:
    if history[-1] == 0:
        return f"{name}: perceptron, converged in {len(history)} epochs"
    return f"{name}: perceptron, {history[-1]} mistakes in epoch {len(history)}"


def perceptron_figures() -> dict[str, Figure]:
    """The section's figures, from the scratch models: boundaries on AND, OR, XOR and of the MLP on XOR; mistakes."""
    runs = fit_gates()
    panels: list[tuple[str, PredictFn, Array, Array]] = [
        (perceptron_title(name, runs[name][1]), runs[name][0], *gate(name)) for name in ("AND", "OR", "XOR")
    ]
    mlp, _ = train_xor_mlp()

    def mlp_predict(points: Array) -> Array:
        return mlp(points).argmax(axis=1)

    X, y = gate("XOR")
    panels.append((f"XOR: MLP 2-4-2 (tanh), {np.mean(mlp_predict(X) == y):.0%} correct", mlp_predict, X, y))
    return {
        "perceptron_boundaries": boundaries_figure(panels),
        "perceptron_mistakes": mistakes_figure({name: history for name, (_, history) in runs.items()}),
    }


def make_figures(out: Path) -> list[Path]:
    """Write each of ``perceptron_figures`` to ``out/<name>.png``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in perceptron_figures().items():
        paths.append(out / f"{name}.png")
        save(fig, paths[-1])
    return paths


def save(fig: Figure, path: Path) -> None:
    """The PNG as every figure of the project is written: 100 dpi, blank margins trimmed."""
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder for the PNG files (default: figures)")
    for path in make_figures(parser.parse_args(argv).out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
