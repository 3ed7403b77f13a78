"""The figures show what they claim, at any size: numbers on their boxes, every value inside its axes, legends
that hide no trace, one marker for torch throughout."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from benchmarks.plot import figure as benchmark_figure
from plots import graph
from plots import tutorial as figures
from scratch.autograd import Tensor


def rendered(fig: Figure) -> Any:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_backward_order_numbers_sit_on_their_boxes() -> None:
    a, b, c = (Tensor(np.array([1.0, 2.0]), requires_grad=True) for _ in range(3))
    for vertical in (False, True):
        fig = graph.graph_figure((a * b + c).sum(), {"a": a, "b": b, "c": c}, "(a·b + c).sum()", vertical)
        renderer = rendered(fig)
        numbers = [t for t in fig.axes[0].texts if t.get_text().isdigit()]
        boxes = [t for t in fig.axes[0].texts if not t.get_text().isdigit() and t.get_bbox_patch() is not None]
        assert sorted(int(n.get_text()) for n in numbers) == [1, 2, 3]
        for number in numbers:
            x, y = number.get_window_extent(renderer).get_points().mean(axis=0)
            corners = [box.get_bbox_patch().get_window_extent(renderer) for box in boxes]  # type: ignore[union-attr]
            nearest = min(np.hypot(x - corner.x1, y - corner.y1) for corner in corners)
            assert nearest < 5, f"backward's number {number.get_text()} is {nearest:.0f} px from its box's corner"


def runs(rng: np.random.Generator) -> dict[str, tuple[list[float], list[float], int]]:
    """Noisy decreasing losses with a few lucky batches far below the rest."""
    found = {}
    for name, steps, per_epoch in (("batch size 8", 200, 40), ("batch size 64", 50, 10)):
        loss = 2.0 * np.exp(-np.arange(steps) / 50) * rng.lognormal(0, 0.5, steps)
        loss[::37] *= 1e-4
        found[name] = (loss.tolist(), (loss * (1 + 1e-7)).tolist(), per_epoch)
    return found


def assert_inside_and_unhidden(fig: Figure) -> None:
    renderer = rendered(fig)
    for ax in fig.axes:
        low, high = ax.get_ylim()
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            assert (low <= y[np.isfinite(y)]).all() and (y[np.isfinite(y)] <= high).all(), line.get_label()
        assert ax.get_legend() is None, "a legend inside the axes hides part of a trace"
    assert fig.legends, "the figure has a legend"
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)


def test_loss_figures_keep_every_step_inside_and_the_legend_outside() -> None:
    rng = np.random.default_rng(0)
    assert_inside_and_unhidden(figures.batch_sizes_figure(runs(rng)))
    assert_inside_and_unhidden(figures.loss_curves_figure(runs(rng), "training loss"))


def test_torch_is_a_circle_in_every_panel() -> None:
    x = np.linspace(-3, 3, 50)
    fits = {n: (np.sin(x) * 0.9, np.sin(x) * 0.9) for n in (2, 8)}
    fig = figures.uat_figure(x, np.sin(x), fits, {2: (0.1, 0.1), 8: (0.01, 0.01)})
    for ax in fig.axes:
        torch_lines = [line for line in ax.get_lines() if line.get_markerfacecolor() == "none"]
        assert torch_lines, ax.get_title()
        assert {line.get_marker() for line in torch_lines} == {"o"}, ax.get_title()
        assert "torch: ○" in ax.get_title()


def test_benchmark_ratio_legend_is_readable() -> None:
    points = [
        {
            "batch": batch,
            "width": width,
            "depth": 2,
            "classes": 10,
            "dtype": "float32",
            "phases": {
                "step": {
                    "timings": {name: {"median_s": 1e-3} for name in ("scratch", "torch")},
                    "ratio": {"scratch/torch": {"median": 1.2}, "scratch-fused/torch-fused": {"median": 1.9}},
                }
            },
        }
        for batch in (32, 256, 1024, 2048)
        for width in (64, 512, 2048)
    ]
    results = {
        "points": points,
        "peak_gemm": {"peak_gflops": 100.0},
        "config": {"dtype": "float32", "threads": 1},
        "environment": {"cpu": "a CPU"},
    }
    fig = benchmark_figure(results)
    renderer = rendered(fig)
    right = fig.axes[1]
    legend = right.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["batch 32", "batch 256", "batch 1024", "batch 2048", "scratch/torch", "scratch-fused/torch-fused"]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 8  # "small", not "x-small"
    box = legend.get_window_extent(renderer).transformed(right.transData.inverted())
    assert box.y0 > 1.9, "the legend sits above the highest ratio"
