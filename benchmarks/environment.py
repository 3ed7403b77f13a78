"""What a timing depends on: the CPU, the BLAS libraries and their threads, torch's build, the environment.

``scrub_openblas_env`` must run before NumPy is imported (OpenBLAS reads its variables when it loads),
so this module imports NumPy and torch only inside ``describe``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

# OPENBLAS_CORETYPE=Haswell alone makes NumPy's matmul 1.4-1.65x slower on an AVX-512 machine;
# the two are unset together so that OpenBLAS picks its kernel and cache sizes from the CPU itself.
SCRUBBED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_MARK = "NNF_BENCH_UNSET_OPENBLAS"


def scrub_openblas_env(keep: bool = False) -> None:
    """Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this process (re-exec if NumPy is loaded already).

    What was unset is remembered in an environment variable, for the report.
    """
    found = {name: os.environ[name] for name in SCRUBBED if name in os.environ}
    if keep or not found:
        return
    for name in found:
        del os.environ[name]
    os.environ[_MARK] = json.dumps(found)
    if "numpy" in sys.modules:
        os.execv(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return sorted(flags & {"avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"})
    except OSError:
        pass
    return []


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def torch_config_summary(config: str) -> list[str]:
    """The parts of ``torch.__config__.show()`` that decide CPU speed: BLAS, oneDNN, OpenMP, CPU capability."""
    keep = ("Math Kernel Library", "MKL-DNN", "OpenMP", "CPU capability", "OpenBLAS")
    lines = [line.strip(" -") for line in config.splitlines() if any(k in line for k in keep)]
    lines = [line for line in lines if not line.startswith("Build settings")]
    settings = re.findall(r"\b(BLAS_INFO|USE_MKL|USE_MKLDNN|USE_OPENMP|USE_CUDA)=(\w+)", config)
    return lines + [f"{name}={value}" for name, value in settings]


def describe(threads: int) -> dict[str, Any]:
    """Everything about this machine and process that a reader needs to trust (or distrust) a timing."""
    import numpy as np
    import threadpoolctl
    import torch

    config = torch.__config__.show()
    cuda = torch.cuda.is_available()
    try:
        import cupy  # type: ignore[import-not-found]

        cupy_version: str | None = cupy.__version__
    except ImportError:
        cupy_version = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "logical_cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "numpy": np.__version__,
        "torch": torch.__version__,
        "threads": {"requested": threads, "torch": torch.get_num_threads()},
        "threadpool_info": threadpoolctl.threadpool_info(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_config_summary": torch_config_summary(config),
        "torch_config": config,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
        "openblas_env_unset": json.loads(os.environ.get(_MARK, "{}")),
        "thread_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ},
        "cuda": torch.cuda.get_device_name(0) if cuda else None,
        "cupy": cupy_version,
    }


def blas_summary(info: list[dict[str, Any]]) -> list[str]:
    """One line per library threadpoolctl found: ``openblas 0.3.31 (Haswell kernel, 1 thread)``."""
    lines = []
    for lib in info:
        arch = f"{lib['architecture']} kernel, " if lib.get("architecture") else ""
        name = Path(lib.get("filepath", "")).name
        threads = lib.get("num_threads")
        plural = "" if threads == 1 else "s"
        lines.append(f"{lib.get('internal_api')} {lib.get('version') or ''} ({arch}{threads} thread{plural}) {name}")
    return lines
