"""The grid: every point, every phase, every contender, interleaved; and the machine's peak GEMM."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.contenders import PHASES, Point, Problem, ScratchContender, TorchContender, missing_scratch_parts
from benchmarks.timing import Task, measure, paired_ratio

OPTIMIZER_PHASES = ("adam", "step", "epoch")  # where Adam(fused=True) differs from the default


@dataclass
class Config:
    batches: list[int] = field(default_factory=lambda: [32, 256, 1024, 2048])
    widths: list[int] = field(default_factory=lambda: [64, 512, 1024, 2048])
    depth: int = 2
    dtype: str = "float32"
    threads: int = 1
    rounds: int = 15
    budget_s: float = 12.0  # per phase and point: stop after this many seconds (but >= 5 rounds)
    block_s: float = 2e-3
    warmup: int = 3
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    epoch_points: list[str] = field(default_factory=lambda: ["32x64", "256x512", "1024x1024"])
    peak_n: int = 2048
    clock: str = "wall"  # or "cpu": the process's CPU time, robust to other jobs on a shared machine
    compile: bool = False
    cuda: bool = True

    def points(self) -> Iterator[Point]:
        for batch in self.batches:
            for width in self.widths:
                yield Point(batch, width, self.depth, dtype=self.dtype)


def peak_gemm(n: int, dtype: str, rounds: int, clock: str = "wall") -> dict[str, Any]:
    """GFLOP/s of an n×n by n×n product in NumPy and in torch (same threads, best round), and the faster one."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    c = np.empty_like(a)
    ta, tb, tc = (torch.from_numpy(m) for m in (a, b, c.copy()))
    tasks = [Task("numpy", lambda: np.matmul(a, b, out=c)), Task("torch", lambda: torch.mm(ta, tb, out=tc))]
    stats = measure(tasks, rounds=rounds, block_s=0.05, warmup=2, clock=clock)
    # A peak is a best case: the fastest round (other jobs can only slow a round down), not the median.
    gflops = {name: 2 * n**3 / min(s.samples) / 1e9 for name, s in stats.items()}
    best = max(gflops, key=lambda name: gflops[name])
    return {
        "n": n,
        "dtype": dtype,
        "gflops": gflops,
        "peak_gflops": gflops[best],
        "best": best,
        "timings": {k: s.to_dict() for k, s in stats.items()},
    }


def skipped_contenders(cfg: Config) -> dict[str, str]:
    """Optional contenders that will not run, and why."""
    skipped = {}
    if not cfg.compile:
        skipped["torch-compile"] = "off by default (--compile turns it on)"
    if not torch.cuda.is_available():
        skipped["torch-cuda"] = "no GPU: torch.cuda.is_available() is False"
    elif not cfg.cuda:
        skipped["torch-cuda"] = "turned off (--no-cuda)"
    try:
        import cupy  # type: ignore[import-not-found]  # noqa: F401

        skipped["scratch-cupy"] = "CuPy is installed, but scratch/ accepts NumPy arrays only (Linear checks the type)"
    except ImportError:
        skipped["scratch-cupy"] = "CuPy is not installed"
    return skipped


def _contenders(point: Point, problem: Problem, cfg: Config, skipped: dict[str, str]) -> dict[str, Any]:
    ours = ScratchContender("scratch", point, problem)
    state = ours.state_dict()
    contenders: dict[str, Any] = {
        "scratch": ours,
        "scratch-fused": ScratchContender("scratch-fused", point, problem, fused=True),
        "torch": TorchContender("torch", point, problem, state),
        "torch-fused": TorchContender("torch-fused", point, problem, state, fused=True),
    }
    if "torch-compile" not in skipped:
        contenders["torch-compile"] = TorchContender("torch-compile", point, problem, state, fused=True, compiled=True)
    if "torch-cuda" not in skipped:
        contenders["torch-cuda"] = TorchContender("torch-cuda", point, problem, state, device="cuda")
    return contenders


PAIRS = [
    ("scratch", "torch"),
    ("scratch-fused", "torch-fused"),
    ("scratch", "torch-compile"),
    ("scratch", "torch-cuda"),
]
"""Like with like: each side's default, each side's fused optimizer; then torch.compile and the GPU."""


def _runs_phase(name: str, phase: str) -> bool:
    if name == "torch-compile":
        return phase == "step"
    if name.endswith("-fused"):
        return phase in OPTIMIZER_PHASES
    return True


def _task(contender: Any, phase: str) -> Task:
    if phase in ("sgd", "adam"):
        return contender.optimizer(phase)
    return getattr(contender, phase)()


def run_point(point: Point, cfg: Config, skipped: dict[str, str], peak: float, bar: tqdm) -> dict[str, Any]:
    gc.collect()
    problem = Problem.make(point)
    contenders = _contenders(point, problem, cfg, skipped)
    ref = contenders["torch"].output()
    diff = float(np.max(np.abs(contenders["scratch"].output() - ref)) / max(float(np.max(np.abs(ref))), 1e-30))
    result: dict[str, Any] = {
        **asdict(point),
        "parameters": sum(p.size for p in contenders["scratch"].model.parameters()),
        "forward_max_rel_diff": diff,
        "phases": {},
    }
    missing = missing_scratch_parts()
    for phase in cfg.phases:
        bar.set_postfix_str(f"{point.label()} {phase}")
        if phase == "epoch" and point.label() not in cfg.epoch_points:
            continue
        if phase in missing:
            result["phases"][phase] = {"skipped": missing[phase]}
            bar.update()
            continue
        names = [name for name in contenders if _runs_phase(name, phase)]
        tasks = [_task(contenders[name], phase) for name in names]
        stats = measure(tasks, cfg.rounds, cfg.block_s, cfg.warmup, budget_s=cfg.budget_s, clock=cfg.clock)
        entry: dict[str, Any] = {
            "matmul_flops": point.matmul_flops(phase),
            "timings": {name: s.to_dict() for name, s in stats.items()},
            "ratio": {f"{a}/{b}": paired_ratio(stats[a], stats[b]) for a, b in PAIRS if a in stats and b in stats},
        }
        if entry["matmul_flops"]:
            at_peak = entry["matmul_flops"] / (peak * 1e9)
            entry["matmul_at_peak_s"] = at_peak
            entry["time_over_matmul_at_peak"] = {name: s.median / at_peak for name, s in stats.items()}
        compile_s = {n: c.compile_s for n, c in contenders.items() if getattr(c, "compile_s", None) is not None}
        if compile_s and phase == "step":
            entry["compile_s"] = compile_s
        result["phases"][phase] = entry
        bar.update()
    return result


def count_steps(cfg: Config) -> int:
    return sum(1 for p in cfg.points() for ph in cfg.phases if ph != "epoch" or p.label() in cfg.epoch_points)


def run(cfg: Config, environment: dict[str, Any]) -> dict[str, Any]:
    """Run the whole grid; return every figure with its configuration and environment."""
    start = time.perf_counter()
    skipped = skipped_contenders(cfg)
    gc.collect()
    gc.freeze()  # torch's many long-lived objects: later collections skip them (a full one takes ~0.5 s)
    with tqdm(total=count_steps(cfg) + 1, desc="benchmarks", unit="phase", dynamic_ncols=True) as bar:
        bar.set_postfix_str("peak GEMM")
        peak = peak_gemm(cfg.peak_n, cfg.dtype, max(3, cfg.rounds // 2), cfg.clock)
        bar.update()
        points = [run_point(point, cfg, skipped, peak["peak_gflops"], bar) for point in cfg.points()]
    return {
        "config": asdict(cfg),
        "environment": environment,
        "peak_gemm": peak,
        "skipped_contenders": skipped,
        "points": points,
        "wall_s": time.perf_counter() - start,
    }
