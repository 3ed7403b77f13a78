"""The parity harness: one helper compares a scratch component with its torch twin.

``check_module`` runs the same input through both, then the same upstream
gradient back, and compares shape, dtype, forward values, the input gradient and
every parameter gradient.  ``check_rejects`` asserts that both sides refuse the
same bad input.  Every comparison is recorded, and the session ends with the
parity report: the worst error seen per component and dtype.

Tolerance: |scratch − torch| ≤ tol · max(1, |torch|) elementwise, tol = 1e-10 in
float64 and 1e-5 in float32 (NaN must meet NaN, ±inf the same inf).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from scratch.nn import Module

TOLERANCE = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}
BAD_INPUT_ERRORS = (ValueError, TypeError, IndexError, KeyError)


@dataclass
class Record:
    cases: int = 0
    worst: float = 0.0
    bit_exact: bool = True


class ParityReport:
    """Worst error per (component, dtype), gathered over the whole test session."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Record] = {}

    def add(self, component: str, dtype: np.dtype[Any], error: float, exact: bool) -> None:
        record = self.records.setdefault((component, str(dtype)), Record())
        record.worst = max(record.worst, error)
        record.bit_exact &= exact

    def count_case(self, component: str, dtype: np.dtype[Any]) -> None:
        self.records.setdefault((component, str(dtype)), Record()).cases += 1

    def rows(self) -> list[dict[str, Any]]:
        components = sorted({c for c, _ in self.records})
        rows = []
        for component in components:
            row: dict[str, Any] = {"component": component}
            for dtype in ("float64", "float32"):
                record = self.records.get((component, dtype))
                row[dtype] = None if record is None else record.__dict__.copy()
            rows.append(row)
        return rows

    def markdown(self) -> str:
        def cell(record: dict[str, Any] | None) -> str:
            if record is None:
                return "—"
            return "0 (bit-exact)" if record["bit_exact"] else f"{record['worst']:.1e}"

        lines = [
            "| component | comparisons | worst f64 error | worst f32 error |",
            "|---|---:|---:|---:|",
        ]
        for row in self.rows():
            cases = sum(r["cases"] for r in (row["float64"], row["float32"]) if r)  # arrays compared
            lines.append(f"| {row['component']} | {cases} | {cell(row['float64'])} | {cell(row['float32'])} |")
        return "\n".join(lines)

    def write(self, directory: Path) -> None:
        (directory / "parity_report.md").write_text(
            "# Parity report\n\nWorst elementwise error |scratch − torch| / max(1, |torch|) over every case the "
            "test run compared (f64 tolerance 1e-10, f32 1e-5).\n\n" + self.markdown() + "\n"
        )
        (directory / "parity_report.json").write_text(json.dumps(self.rows(), indent=1))


REPORT = ParityReport()

TORCH_DTYPES = {
    torch.float32: np.dtype(np.float32),
    torch.float64: np.dtype(np.float64),
    torch.int64: np.dtype(np.int64),
}


def to_numpy(value: Any) -> np.ndarray[Any, Any]:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(component: str, what: str, actual: Any, expected: Any, tol: float | None = None) -> float:
    """Assert scratch's ``actual`` equals torch's ``expected`` in shape, dtype and value; record the error."""
    a, b = np.asarray(actual), to_numpy(expected)
    assert a.shape == b.shape, f"{component} {what}: shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"{component} {what}: dtype {a.dtype} != torch's {b.dtype}"
    if tol is None:
        tol = TOLERANCE.get(a.dtype, 0.0)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"{component} {what}: NaN at different places"
    finite = ~nan_b & np.isfinite(b)
    assert np.array_equal(a[~finite & ~nan_b], b[~finite & ~nan_b]), f"{component} {what}: infinities differ"
    a64, b64 = a[finite].astype(np.float64), b[finite].astype(np.float64)
    err = np.abs(a64 - b64) / np.maximum(1.0, np.abs(b64))
    worst = float(err.max()) if err.size else 0.0
    REPORT.count_case(component, a.dtype)
    REPORT.add(component, a.dtype, worst, bool(np.array_equal(a64, b64)))
    assert worst <= tol, f"{component} {what}: worst relative error {worst:.3e} > {tol:.0e}"
    return worst


def sync_weights(scratch_module: Module, torch_module: torch.nn.Module) -> None:
    """Give the torch module the scratch module's exact values."""
    state = {k: torch.from_numpy(v) for k, v in scratch_module.state_dict().items()}
    torch_module.load_state_dict(state)


def check_module(
    component: str,
    scratch_module: Module,
    torch_module: torch.nn.Module,
    x: np.ndarray[Any, Any],
    grad_output: np.ndarray[Any, Any] | None = None,
    copy_weights: bool = True,
) -> None:
    """Forward and backward through both twins; compare the output, dL/dx and every dL/dθ."""
    if copy_weights:
        sync_weights(scratch_module, torch_module)
    y = scratch_module(x.copy())
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_module(xt)
    assert_close(component, "forward", y, yt)
    if grad_output is None:
        grad_output = np.random.default_rng(0).standard_normal(y.shape).astype(y.dtype)
    dx = scratch_module.backward(grad_output.copy())
    yt.backward(torch.from_numpy(grad_output.copy()))
    assert_close(component, "input gradient", dx, xt.grad)
    torch_params = dict(torch_module.named_parameters())
    scratch_params = dict(scratch_module.named_parameters())
    assert list(scratch_params) == list(torch_params), "parameter names/order differ"
    for name, p in scratch_params.items():
        assert p.grad is not None, f"{component}: {name}.grad is None after backward"
        assert_close(component, f"{name}.grad", p.grad, torch_params[name].grad)


def check_rejects(
    scratch_call: Callable[[], Any],
    torch_call: Callable[[], Any],
    match: str | None = None,
    scratch_errors: type[BaseException] | tuple[type[BaseException], ...] = BAD_INPUT_ERRORS,
) -> BaseException:
    """Both sides raise on the same bad input; scratch raises a clear Python error (``match`` in its message)."""
    with pytest.raises((RuntimeError, *BAD_INPUT_ERRORS)):
        torch_call()
    with pytest.raises(scratch_errors, match=match) as info:
        scratch_call()
    return info.value


def check_state(component: str, scratch_state: Mapping[str, Any], torch_state: Mapping[str, Any]) -> None:
    """Compare two state dicts key by key (same keys, same order)."""
    assert list(scratch_state) == list(torch_state), f"{component}: keys {list(scratch_state)} != {list(torch_state)}"
    for key in scratch_state:
        assert_close(component, key, scratch_state[key], torch_state[key])
