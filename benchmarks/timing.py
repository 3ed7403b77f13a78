"""An interleaved timer: every contender runs once per round, in rotating order, so all see the same noise.

``torch.utils.benchmark.Timer`` times one statement at a time; on a shared machine a burst of load
then lands on one contender only.  Here a round times each task once (``number`` calls, chosen so
that one measurement lasts at least ``block_s``), and the order rotates from round to round.  The
per-round ratio of two tasks is therefore a paired comparison, and its median is the figure reported.
Garbage collection is off while timing, as in ``timeit`` (the caller collects between phases); a
task's ``setup`` (say, the forward pass before a timed backward) runs before every call and is not
timed; ``sync`` (``torch.cuda.synchronize``) is called before a clock is read, so that a GPU's queued
work is counted.

Two clocks are read around every measurement: the wall clock (``perf_counter``, the figure reported by
default) and the process's CPU time (``process_time``: every thread of the process, so it includes
BLAS and OpenMP workers).  On a machine shared with other jobs, a contender that is descheduled loses
wall time but no CPU time; ``--clock cpu`` reports the latter (meaningless on a GPU, where the CPU waits).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Task:
    """One contender in one phase: ``stmt`` is timed, ``setup`` runs untimed before each call."""

    name: str
    stmt: Callable[[], Any]
    setup: Callable[[], Any] | None = None
    sync: Callable[[], Any] | None = None


@dataclass
class Stats:
    """Seconds per call over the rounds (by the chosen clock): median, quartiles and minimum."""

    samples: list[float] = field(default_factory=list)
    number: int = 1
    other_clock: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def q1(self) -> float:
        return float(np.percentile(self.samples, 25))

    @property
    def q3(self) -> float:
        return float(np.percentile(self.samples, 75))

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def to_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "q1_s": self.q1,
            "q3_s": self.q3,
            "iqr_s": self.iqr,
            "min_s": float(min(self.samples)),
            "rounds": len(self.samples),
            "calls_per_round": self.number,
            "other_clock_median_s": float(np.median(self.other_clock)) if self.other_clock else None,
        }


def time_calls(task: Task, number: int) -> tuple[float, float]:
    """Seconds per call of ``task.stmt``, averaged over ``number`` calls: (wall clock, process CPU time)."""
    sync = task.sync or (lambda: None)
    if task.setup is None:
        sync()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            task.stmt()
        sync()
        return (time.perf_counter() - wall) / number, (time.process_time() - cpu) / number
    wall_total = cpu_total = 0.0
    for _ in range(number):
        task.setup()
        sync()
        wall, cpu = time.perf_counter(), time.process_time()
        task.stmt()
        sync()
        wall_total += time.perf_counter() - wall
        cpu_total += time.process_time() - cpu
    return wall_total / number, cpu_total / number


def calls_per_block(task: Task, block_s: float) -> int:
    """The smallest power of two of calls that lasts ``block_s`` (timer overhead then stays below 0.1%)."""
    number = 1
    while number < 1 << 16:
        if time_calls(task, number)[0] * number >= block_s:
            break
        number *= 2
    return number


def measure(
    tasks: Sequence[Task],
    rounds: int,
    block_s: float = 2e-3,
    warmup: int = 3,
    budget_s: float | None = None,
    min_rounds: int = 5,
    clock: str = "wall",
) -> dict[str, Stats]:
    """Time every task for ``rounds`` interleaved rounds (fewer if ``budget_s`` runs out, never below ``min_rounds``).

    ``clock`` ("wall" or "cpu") picks the samples that the statistics use; the other clock's are kept too.
    """
    chosen = {"wall": 0, "cpu": 1}[clock]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for task in tasks:
            warm = time.perf_counter()
            for _ in range(warmup):  # at most ~1 s of warm-up per task: a big step is warm after one call
                time_calls(task, 1)
                if time.perf_counter() - warm > 1.0:
                    break
        numbers = {task.name: calls_per_block(task, block_s) for task in tasks}
        stats = {task.name: Stats(number=numbers[task.name]) for task in tasks}
        start = time.perf_counter()
        for r in range(rounds):
            shift = r % len(tasks)
            for task in [*tasks[shift:], *tasks[:shift]]:
                times = time_calls(task, numbers[task.name])
                stats[task.name].samples.append(times[chosen])
                stats[task.name].other_clock.append(times[1 - chosen])
            if budget_s is not None and r + 1 >= min_rounds and time.perf_counter() - start > budget_s:
                break
        return stats
    finally:
        if gc_was_enabled:
            gc.enable()


def paired_ratio(a: Stats, b: Stats) -> dict[str, float]:
    """Median and quartiles of a/b taken round by round (both measured in the same rounds)."""
    ratios = np.asarray(a.samples) / np.asarray(b.samples)
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    return {"median": float(median), "q1": float(q1), "q3": float(q3)}
