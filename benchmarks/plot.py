"""The PNG: time of a training step against its size for each contender, and the ratio scratch/torch per batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from benchmarks.contenders import Point


def _size(point: dict[str, Any]) -> float:
    """The x axis for every phase: GFLOP of the matrix products in one training step at this point."""
    keys = ("batch", "width", "depth", "classes", "dtype")
    return Point(**{k: point[k] for k in keys}).matmul_flops("step") / 1e9


def _series(results: dict[str, Any], phase: str) -> dict[str, list[tuple[float, float]]]:
    """{contender: [(size, median seconds), ...]} sorted by size."""
    series: dict[str, list[tuple[float, float]]] = {}
    for point in results["points"]:
        for name, t in point["phases"].get(phase, {}).get("timings", {}).items():
            series.setdefault(name, []).append((_size(point), t["median_s"]))
    return {k: sorted(v) for k, v in series.items()}


MARKERS = {"scratch": "o", "scratch-fused": "s", "torch": "^", "torch-fused": "v", "torch-compile": "x"}


def plot(results: dict[str, Any], path: Path) -> None:
    figure(results).savefig(path, dpi=100)


def figure(results: dict[str, Any]) -> Figure:
    """Left: time per step against its matrix products' GFLOP; right: scratch/torch per batch against the width."""
    fig = Figure(figsize=(12, 5))
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    phase = "step" if _series(results, "step") else "forward"  # the step needs the optimizers and the loss
    for name, points in _series(results, phase).items():  # markers only: the grid points are not a sequence
        xs, ys = zip(*points, strict=True)
        left.plot(xs, [y * 1e3 for y in ys], MARKERS.get(name, "."), label=name, alpha=0.8)
    peak = results["peak_gemm"]["peak_gflops"]
    sizes = sorted({_size(p) for p in results["points"] if "timings" in p["phases"].get("step", {})})
    if sizes and phase == "step":
        left.plot(sizes, [s / peak * 1e3 for s in sizes], "k:", label=f"matmuls at peak ({peak:.0f} GFLOP/s)")
    left.set(xscale="log", yscale="log", xlabel="GFLOP of matrix products in one step", ylabel=f"ms per {phase}")
    left.set_title("Full training step (forward, cross-entropy, backward, Adam)" if phase == "step" else "Forward")
    left.legend(fontsize="small")
    colors: dict[int, Any] = {}
    styles = {"scratch/torch": "o-", "scratch-fused/torch-fused": "s--"}
    for batch in sorted({p["batch"] for p in results["points"]}):
        for key, style in styles.items():
            points = []
            for point in results["points"]:
                ratio = point["phases"].get(phase, {}).get("ratio", {}).get(key)
                if point["batch"] == batch and ratio is not None:
                    points.append((point["width"], ratio["median"]))
            if points:
                xs, ys = zip(*sorted(points), strict=True)
                colors[batch] = right.plot(xs, ys, style, color=colors.get(batch))[0].get_color()
    right.axhline(1.0, color="k", lw=0.8)
    top = max(float(np.max(line.get_ydata())) for line in right.get_lines())  # the line at 1 included
    right.set_ylim(0, 1.45 * top)  # room above the lines for the legend
    # one legend entry per colour (the batch) and per line style (the comparison), not one per line
    handles = [Line2D([], [], color=c, lw=2.5, label=f"batch {b}") for b, c in colors.items()]
    handles += [Line2D([], [], color="0.3", ls=s[1:], marker=s[0], label=k) for k, s in styles.items()]
    right.legend(handles=handles, loc="upper left", ncol=2, fontsize="small")
    right.set(xlabel="width (units per layer)", ylabel="scratch time / torch time")
    right.set_xscale("log", base=2)
    right.set_title(f"{phase.capitalize()}: scratch / torch, like with like (< 1: scratch faster)")
    cfg = results["config"]
    fig.suptitle(f"{results['environment']['cpu']}, {cfg['dtype']}, {cfg['threads']} thread(s) each")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.86, wspace=0.18)
    return fig
