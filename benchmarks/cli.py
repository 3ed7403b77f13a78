"""The command line: choose the grid, pin the threads, run, write JSON, Markdown and PNG, print the table."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import torch
from threadpoolctl import threadpool_limits

from benchmarks import report
from benchmarks.contenders import PHASES
from benchmarks.environment import describe
from benchmarks.plot import plot
from benchmarks.suite import Config, run

QUICK: dict[str, Any] = {
    "batches": [32, 256],
    "widths": [64, 512],
    "rounds": 5,
    "budget_s": 0.3,
    "block_s": 5e-4,
    "warmup": 1,
    "epoch_points": ["32x64"],
    "peak_n": 512,
}


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def parse(argv: list[str]) -> tuple[Config, Path]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 2×2 grid and 5 rounds: under a minute")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="where to write the report")
    parser.add_argument("--batches", type=_ints, help="comma-separated batch sizes")
    parser.add_argument("--widths", type=_ints, help="comma-separated layer widths")
    parser.add_argument("--depth", type=int, help="hidden layers (default 2)")
    parser.add_argument("--dtype", choices=["float32", "float64"], help="default float32")
    parser.add_argument("--threads", type=int, help="threads for NumPy's BLAS and for torch (default 1)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per phase (default 15)")
    parser.add_argument("--budget", type=float, dest="budget_s", help="seconds per phase and point before stopping")
    parser.add_argument("--phases", type=lambda s: s.split(","), help=f"subset of {','.join(PHASES)}")
    parser.add_argument("--epoch-points", type=lambda s: s.split(","), help="points (BxW) that time an epoch")
    parser.add_argument("--clock", choices=["wall", "cpu"], help="wall clock (default) or process CPU time")
    parser.add_argument("--compile", action="store_true", help="add torch.compile (compile time reported apart)")
    parser.add_argument("--no-cuda", dest="cuda", action="store_false", help="skip torch on the GPU")
    parser.add_argument(
        "--keep-openblas-env", action="store_true", help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (unset by default)"
    )
    args = parser.parse_args(argv)
    values: dict[str, Any] = dict(QUICK) if args.quick else {}
    for name in (
        "batches",
        "widths",
        "depth",
        "dtype",
        "threads",
        "rounds",
        "budget_s",
        "phases",
        "epoch_points",
        "clock",
    ):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    unknown = set(values.get("phases", [])) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; choose from {', '.join(PHASES)}")
    return Config(**values, compile=args.compile, cuda=args.cuda), args.out


def main(argv: list[str]) -> int:
    cfg, out = parse(argv)
    command = shlex.join(["python", "-m", "benchmarks", *argv])
    torch.set_num_threads(cfg.threads)
    with threadpool_limits(limits=cfg.threads, user_api="blas"):
        results = run(cfg, describe(cfg.threads))
    results["command"] = command
    out.mkdir(parents=True, exist_ok=True)
    report.write_json(results, out / "results.json")
    (out / "report.md").write_text(report.markdown(results, command))
    plot(results, out / "plot.png")
    print(report.terminal_summary(results))
    print(f"\nwritten to {out}/: results.json, report.md, plot.png")
    return 0
