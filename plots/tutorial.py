"""The tutorial's figures (matplotlib only, no pyplot): each function takes the numbers both implementations
computed and returns a ``Figure``.  The scratch results are drawn as lines, torch's as markers on top, so that
where the two agree the markers sit on the lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from common import Array

SCRATCH: dict[str, Any] = {"lw": 2.2, "alpha": 0.85}
TORCH: dict[str, Any] = {"ls": "none", "marker": "o", "ms": 3.5, "mfc": "none", "color": "black", "alpha": 0.8}


def _grid(ax: Axes) -> None:
    ax.grid(alpha=0.3)


def activations_figure(curves: Mapping[str, tuple[Array, Array, Array, Array]]) -> Figure:
    """One panel per activation: f(x) and f'(x) from scratch's forward and backward, torch's autograd as markers.

    ``curves[name] = (x, f(x), scratch f'(x), torch f'(x))``.  The derivative jumps at the kink of ReLU and
    LeakyReLU: it is drawn in two pieces, not joined by a vertical segment.  One legend for all the panels.
    """
    columns = 3
    rows = -(-len(curves) // columns)
    fig = Figure(figsize=(11, 3.3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (name, (x, y, dy, torch_dy)) in zip(axes, curves.items(), strict=False):
        ax.plot(x, y, color="tab:blue", label="f(x)", **SCRATCH)
        jumps = np.flatnonzero(np.abs(np.diff(dy)) > 0.05) + 1
        for i, piece in enumerate(np.split(np.arange(len(x)), jumps)):
            ax.plot(x[piece], dy[piece], color="tab:orange", lw=2, label="f′(x), scratch backward" if i == 0 else None)
        ax.plot(x[::40], torch_dy[::40], label="f′(x), torch autograd", **{**TORCH, "ms": 5})
        ax.set(title=name, xlabel="x", ylabel="f(x), f′(x)")
        _grid(ax)
    for ax in axes[len(curves) :]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


def gradient_norms_figure(norms: Mapping[str, Mapping[str, tuple[Array, Array]]]) -> Figure:
    """‖dL/dW‖ per layer of deep networks: ``norms[moment][activation] = (scratch, torch)``, one panel per moment."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    colors = {"sigmoid": "tab:red", "tanh": "tab:green", "relu": "tab:blue"}
    for ax, (moment, by_activation) in zip(fig.subplots(1, len(norms), sharey=True), norms.items(), strict=True):
        for activation, (ours, theirs) in by_activation.items():
            layers = np.arange(1, len(ours) + 1)
            ax.plot(layers, ours, color=colors.get(activation), label=activation, **SCRATCH)
            ax.plot(layers, theirs, **TORCH)
        ax.set(yscale="log", xlabel="layer (1 = next to the input)", title=moment)
        ax.set_xticks(np.arange(1, len(ours) + 1))
        _grid(ax)
        ax.legend(title="activation (torch: ○)", fontsize="small")
    fig.axes[0].set_ylabel("‖dL/dW‖ of the layer's weight")
    return fig


def decision_regions(
    ax: Axes, predict: object, X: Array, y: Array, title: str, limits: tuple[float, float] = (-1.2, 1.2)
) -> None:
    """Shade the plane by the predicted class (``predict`` maps (M, 2) points to classes) and draw the points."""
    from plots.perceptron import plot_decision_boundary

    plot_decision_boundary(ax, predict, X, y, title, limits, 12)  # type: ignore[arg-type]


def uat_figure(
    x: Array, target: Array, fits: Mapping[int, tuple[Array, Array]], errors: Mapping[int, tuple[float, float]]
) -> Figure:
    """Left: a few fits of f(x) by one hidden layer of n tanh units; right: the final error against n."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(x, target, color="black", lw=3, alpha=0.3, label="f(x)")
    for n, (ours, theirs) in fits.items():
        line = left.plot(x, ours, label=f"{n} hidden units", **SCRATCH)[0]
        left.plot(x[::12], theirs[::12], **{**TORCH, "color": line.get_color()})
    left.set(xlabel="x", ylabel="y", title="One hidden layer of tanh units fitting f (torch: ○)")
    _grid(left)
    left.legend(fontsize="small")
    widths = sorted(errors)
    right.plot(widths, [errors[n][0] for n in widths], "o-", color="tab:blue", ms=4, label="scratch", **{"lw": 2})
    right.plot(widths, [errors[n][1] for n in widths], **{**TORCH, "ms": 9}, label="torch")  # ○, as on the left
    right.set(xscale="log", yscale="log", xlabel="hidden units n", ylabel="mean squared error after training")
    right.set_xticks(widths, [str(n) for n in widths])
    right.set_title("Universal approximation: more units, smaller error (torch: ○)")
    _grid(right)
    right.legend()
    return fig


def bce_figure(z: Array, losses: Mapping[str, tuple[Array, Array]], grads: Mapping[str, tuple[Array, Array]]) -> Figure:
    """Loss and dL/dz against the logit z (target 0), for BCE after a sigmoid and for BCE-with-logits."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    for ax, (what, values) in zip(fig.subplots(1, 2), (("loss", losses), ("dL/dz", grads)), strict=True):
        for name, (ours, theirs) in values.items():
            line = ax.plot(z, ours, label=name, **SCRATCH)[0]
            ax.plot(z[::4], theirs[::4], **{**TORCH, "color": line.get_color()})
        ax.set(xlabel="logit z (target y = 0)", ylabel=what, title=f"{what} (float32; torch: ○)")
        _grid(ax)
        ax.legend(fontsize="small")
    return fig


def trajectories_figure(
    loss: object, paths: Mapping[str, tuple[Array, Array]], limits: tuple[float, float, float, float]
) -> Figure:
    """Optimizer paths over the contours of a 2-D loss: ``paths[name] = (scratch (T, 2), torch (T, 2))``."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax = fig.add_subplot()
    w1, w2 = np.meshgrid(np.linspace(limits[0], limits[1], 300), np.linspace(limits[2], limits[3], 200))
    ax.contour(w1, w2, loss(w1, w2), levels=np.geomspace(0.05, 60, 14), colors="grey", linewidths=0.7)  # type: ignore[operator]
    for name, (ours, theirs) in paths.items():
        line = ax.plot(ours[:, 0], ours[:, 1], ".-", label=name, **SCRATCH)[0]
        ax.plot(theirs[:, 0], theirs[:, 1], **{**TORCH, "color": line.get_color(), "ms": 6})
    ax.plot([0], [0], "k*", ms=12, label="minimum")
    ax.set(xlabel="$w_1$", ylabel="$w_2$", xlim=limits[:2], ylim=limits[2:], aspect="equal")
    ax.set_title("Gradient descent on an elongated bowl (torch: ○)")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def curves_figure(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str, title: str, log: bool
) -> Figure:
    """One line per run (scratch) with torch's values as markers."""
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.add_subplot()
    for name, (ours, theirs) in curves.items():
        steps = np.arange(len(ours))
        line = ax.plot(steps, ours, label=name, **SCRATCH)[0]
        every = max(1, len(steps) // 25)
        ax.plot(steps[::every], np.asarray(theirs)[::every], **{**TORCH, "color": line.get_color()})
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"{title} (torch: ○)")
    if log:
        ax.set_yscale("log")
    _grid(ax)
    ax.legend(fontsize="small")
    return fig


def epoch_means(losses: Sequence[float], steps_per_epoch: int) -> tuple[Array, Array]:
    """(step at the end of each epoch, mean loss over the epoch's steps)."""
    a = np.asarray(losses, dtype=np.float64)
    epochs = len(a) // steps_per_epoch
    means = a[: epochs * steps_per_epoch].reshape(epochs, steps_per_epoch).mean(axis=1)
    return np.arange(1, epochs + 1) * steps_per_epoch - 1, means


def loss_curves_figure(runs: Mapping[str, tuple[Sequence[float], Sequence[float], int]], title: str) -> Figure:
    """Per-step training loss (faint) and its mean over each epoch (bold), scratch and torch (○), one panel per run.

    ``runs[name] = (scratch losses, torch losses, steps per epoch)``.
    """
    fig = Figure(figsize=(5.5 * len(runs), 4), layout="constrained")
    for ax, (name, (ours, theirs, per_epoch)) in zip(
        fig.subplots(1, len(runs), squeeze=False)[0], runs.items(), strict=True
    ):
        ax.plot(ours, color="tab:blue", lw=0.8, alpha=0.35, label="each step (scratch)")
        x, mean = epoch_means(ours, per_epoch)
        ax.plot(x, mean, color="tab:blue", lw=2.5, label="epoch mean, scratch")
        x_t, mean_t = epoch_means(theirs, per_epoch)
        ax.plot(x_t, mean_t, **{**TORCH, "ms": 5}, label="epoch mean, torch")
        ax.set(xlabel="training step", ylabel="training loss", title=f"{name}: {title}", yscale="log")
        ax.set_ylim(_span(ours, theirs))
        _grid(ax)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)  # below the panels: it hides no trace
    return fig


def _span(*losses: Sequence[float]) -> tuple[float, float]:
    """y limits of a log axis that hold every value drawn, with a margin."""
    values = np.concatenate([np.asarray(a, dtype=np.float64) for a in losses])
    return float(values.min()) / 1.5, float(values.max()) * 1.5


def confusion_figure(matrices: Mapping[str, Array], labels: Sequence[str]) -> Figure:
    """Confusion matrices (rows: true class, columns: predicted), counts written in the cells."""
    fig = Figure(figsize=(5.2 * len(matrices), 4.6), layout="constrained")
    for ax, (name, m) in zip(fig.subplots(1, len(matrices), squeeze=False)[0], matrices.items(), strict=True):
        ax.imshow(m, cmap="Blues")
        for (i, j), count in np.ndenumerate(m):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", color="white" if count > m.max() / 2 else "black")
        ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels)
        ax.set(xlabel="predicted digit", ylabel="true digit", title=f"{name}: test set")
    return fig


def digits_figure(images: Array, titles: Sequence[str], suptitle: str) -> Figure:
    """8×8 digit images in a row, each with its title."""
    n = len(images)
    fig = Figure(figsize=(1.6 * max(n, 1), 2.1), layout="constrained")
    for ax, image, title in zip(fig.subplots(1, max(n, 1), squeeze=False)[0], images, titles, strict=False):
        ax.imshow(image.reshape(8, 8), cmap="gray_r")
        ax.set_title(title, fontsize="small")
        ax.set_axis_off()
    fig.suptitle(suptitle)
    return fig


def batch_sizes_figure(runs: Mapping[str, tuple[Sequence[float], Sequence[float], int]]) -> Figure:
    """Training loss against epochs for several batch sizes: every step (faint) and each epoch's mean (bold),
    scratch and torch (○); ``runs[name] = (scratch losses, torch losses, steps per epoch)``."""
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for name, (ours, theirs, per_epoch) in runs.items():
        epochs = (np.arange(len(ours)) + 1) / per_epoch
        line = ax.plot(epochs, ours, lw=0.8, alpha=0.35)[0]
        x, mean = epoch_means(ours, per_epoch)
        _, mean_t = epoch_means(theirs, per_epoch)
        ax.plot((x + 1) / per_epoch, mean, color=line.get_color(), lw=2.5, label=f"{name}: {per_epoch} steps per epoch")
        ax.plot((x + 1) / per_epoch, mean_t, **{**TORCH, "ms": 6})
    ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
    ax.set_ylim(_span(*(losses for ours, theirs, _ in runs.values() for losses in (ours, theirs))))
    ax.set_title("Each step (faint) and each epoch's mean (bold; torch: ○)")
    _grid(ax)
    fig.legend(loc="outside lower center", ncols=len(runs), fontsize="small")  # below the axes: it hides no trace
    return fig


def regularization_figure(runs: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]]) -> Figure:
    """Train and test accuracy per epoch, one panel per model: scratch as lines, torch (○) on top.

    ``runs[model] = {"train": (scratch, torch), "test": (scratch, torch)}``.
    """
    fig = Figure(figsize=(3.6 * len(runs), 3.6), layout="constrained")
    axes = fig.subplots(1, len(runs), sharey=True, squeeze=False)[0]
    for ax, (name, curves) in zip(axes, runs.items(), strict=True):
        for split, color in (("train", "tab:blue"), ("test", "tab:orange")):
            ours, theirs = (100 * np.asarray(c) for c in curves[split])
            epochs = np.arange(1, len(ours) + 1)
            ax.plot(epochs, ours, color=color, label=f"{split} (scratch)", **SCRATCH)
            every = max(1, len(epochs) // 12)
            ax.plot(epochs[::every], theirs[::every], **{**TORCH, "color": color})
        gap = 100 * (curves["train"][0][-1] - curves["test"][0][-1])
        ax.set(title=f"{name}\ntrain − test: {gap:.1f} points", xlabel="epoch")
        _grid(ax)
    axes[0].set_ylabel("accuracy (%)")
    axes[0].legend(fontsize="small", loc="lower right", title="torch: ○", title_fontsize="small")
    return fig
