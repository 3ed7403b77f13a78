"""How far apart scratch and torch drift over a training run, step by step, in float32 and float64.

``.venv/bin/python -m plots.drift --out docs/figures`` trains the same MLP (2→64→64→3, ReLU, seed 0) on the
spirals with full-batch Adam (lr = 1e-2) in both implementations, each from its own weights, and records after
every step the largest |scratch − torch| of the weights, of the gradients that step used, and of the loss.
It prints them every few steps and draws ``drift.png``.

What it shows: one step agrees to a few ulps, but Adam divides each gradient by √v, its own running scale, so a
weight whose true gradient is about zero takes steps of about lr in directions set by rounding noise, which each
implementation rounds its own way.  Such weights part while the losses and the other gradients still agree; later
the trajectories themselves part.  In float32 that happens within a few hundred steps; float64 starts from
differences 1e9 times smaller and holds to its last digits for longer, then goes the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import DTypeLike

from common import Array, datasets

SIZES = [2, 64, 64, 3]
LR = 1e-2


@dataclass
class Drift:
    """Per step (after it): the largest |scratch − torch| of the weights, of that step's gradients, of the loss."""

    weights: Array
    gradients: Array
    loss: Array

    def so_far(self) -> Drift:
        """The largest difference up to each step (a running maximum): how far apart the runs have been."""
        return Drift(*(np.maximum.accumulate(a) for a in (self.weights, self.gradients, self.loss)))


def measure(dtype: DTypeLike, steps: int, seed: int = 0) -> Drift:
    """Train both twins ``steps`` full-batch Adam steps from the same seed; the differences after every step."""
    import torch

    import scratch
    import torch_impl.models
    from scratch.models import MLP
    from scratch.train import train_step
    from torch_impl.train import train_step as torch_train_step

    X, y = datasets.spirals(seed=seed, dtype=dtype)
    scratch.manual_seed(seed)
    model: scratch.nn.Module = MLP(SIZES)
    torch.manual_seed(seed)
    torch_model = torch_impl.models.MLP(SIZES)
    if np.dtype(dtype) == np.float64:  # built in float32 and cast, so both start from the same weights
        model, torch_model = model.double(), torch_model.double()
    optimizer = scratch.optim.Adam(model.parameters(), lr=LR)
    torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=LR)
    criterion, torch_criterion = scratch.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    pairs = list(zip(model.parameters(), torch_model.parameters(), strict=True))
    drift = np.zeros((3, steps))
    for step in range(steps):
        _, loss = train_step(model, criterion, optimizer, X, y)
        _, torch_loss = torch_train_step(torch_model, torch_criterion, torch_optimizer, Xt, yt)
        drift[0, step] = max(_largest(p.data, tp.detach().numpy()) for p, tp in pairs)
        grads = [(p.grad, tp.grad.numpy()) for p, tp in pairs if p.grad is not None and tp.grad is not None]
        drift[1, step] = max(_largest(g, tg) for g, tg in grads)
        drift[2, step] = abs(float(loss) - torch_loss.item())
    return Drift(*drift)


def _largest(ours: Array, theirs: Array) -> float:
    return float(np.abs(ours.astype(np.float64) - theirs.astype(np.float64)).max())


def drift_figure(runs: dict[str, Drift]) -> Figure:
    """One panel per dtype: the largest |scratch − torch| of the weights, gradients and loss up to each step."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, len(runs), sharey=True, squeeze=False)[0]
    for ax, (dtype, run) in zip(axes, runs.items(), strict=True):
        drift = run.so_far()
        steps = np.arange(1, len(drift.loss) + 1)
        for values, label, color in (
            (drift.weights, "weights: max |Δ|", "tab:red"),
            (drift.gradients, "gradients: max |Δ|", "tab:green"),
            (drift.loss, "loss: |Δ|", "tab:blue"),
        ):
            ax.plot(steps, np.where(values > 0, values, np.nan), color=color, lw=1.6, label=label)  # no log(0)
        ax.axhline(float(np.finfo(dtype).eps), color="0.4", ls=":", lw=1.2, label="machine epsilon of the dtype")
        ax.set(yscale="log", xlabel="Adam step", title=f"{dtype}: largest |scratch − torch| so far")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("largest |scratch − torch| up to the step")
    axes[-1].legend(loc="upper left", fontsize="small")  # where float64's curves are still low
    fig.suptitle(f"MLP {'→'.join(map(str, SIZES))}, ReLU, full-batch Adam lr={LR:g} on spirals, seed 0")
    return fig


def table(runs: dict[str, Drift], every: int) -> str:
    """The largest differences up to every ``every``-th step, a column per dtype and quantity."""
    runs = {dtype: run.so_far() for dtype, run in runs.items()}
    header = "  step" + "".join(f" | {d} weights  grads    loss   " for d in runs)
    rows = [header]
    n = len(next(iter(runs.values())).loss)
    for step in [*range(every, n + 1, every)] or [n]:
        values = [(r.weights[step - 1], r.gradients[step - 1], r.loss[step - 1]) for r in runs.values()]
        rows.append(f"{step:>6}" + "".join(f" |  {w:.1e}  {g:.1e}  {loss:.1e}" for w, g, loss in values))
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="plots.drift", description="How far apart scratch and torch drift over a run, in float32 and float64."
    )
    parser.add_argument("--out", type=Path, default=Path("figures"), help="where drift.png is written")
    parser.add_argument("--steps", type=int, default=1000, help="Adam steps per dtype (default 1000)")
    parser.add_argument("--every", type=int, default=100, help="print every this many steps")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.every < 1:
        parser.error("--steps and --every must be at least 1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    import torch

    torch.set_num_threads(1)
    runs = {"float32": measure(np.float32, args.steps), "float64": measure(np.float64, args.steps)}
    print(table(runs, args.every))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "drift.png"
    drift_figure(runs).savefig(path, dpi=100)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
