"""Session set-up: one torch thread, hypothesis profiles, and the parity report at the end."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from hypothesis import HealthCheck, settings

from parity_tests.harness import REPORT

torch.set_num_threads(1)

_common: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=40, **_common)
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=60, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT.records:
        return
    terminalreporter.section("parity report (scratch vs torch)")
    terminalreporter.write_line(REPORT.markdown())
    REPORT.write(ROOT)
    terminalreporter.write_line(f"written to {ROOT / 'parity_report.md'}")
