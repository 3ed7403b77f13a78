"""How "scratch equals torch" is measured: one metric, shared by the parity tests and the side-by-side page.

For arrays a (scratch) and b (torch): same shape, same dtype, NaN at the same places, the same infinities, and
the worst |a − b| / max(1, |b|) over the finite elements within the dtype's tolerance (float64 1e-10, float32
1e-5).  ``ParityReport`` keeps the worst error per component and dtype.  torch tensors are read through their
``.numpy()`` (duck-typed: this module imports NumPy only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from common import Array

TOLERANCE = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}


def as_array(value: Any) -> Array:
    """A NumPy view of an array, a number or a (CPU) torch tensor."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def compare(component: str, what: str, actual: Any, expected: Any) -> tuple[float, bool]:
    """(worst relative error, bit-exact) of ``actual`` against ``expected``; AssertionError if they cannot agree."""
    a, b = as_array(actual), as_array(expected)
    assert a.shape == b.shape, f"{component} {what}: shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"{component} {what}: dtype {a.dtype} != torch's {b.dtype}"
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"{component} {what}: NaN at different places"
    finite = ~nan_b & np.isfinite(b)
    assert np.array_equal(a[~finite & ~nan_b], b[~finite & ~nan_b]), f"{component} {what}: infinities differ"
    a64, b64 = a[finite].astype(np.float64), b[finite].astype(np.float64)
    err = np.abs(a64 - b64) / np.maximum(1.0, np.abs(b64))
    return (float(err.max()) if err.size else 0.0), bool(np.array_equal(a64, b64))


@dataclass
class Record:
    cases: int = 0
    worst: float = 0.0
    bit_exact: bool = True


class ParityReport:
    """Worst error per (component, dtype), gathered over many comparisons."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Record] = {}

    def add(self, component: str, dtype: np.dtype[Any], error: float, exact: bool) -> None:
        record = self.records.setdefault((component, str(dtype)), Record())
        record.worst = max(record.worst, error)
        record.bit_exact &= exact

    def count_case(self, component: str, dtype: np.dtype[Any]) -> None:
        self.records.setdefault((component, str(dtype)), Record()).cases += 1

    def check(self, component: str, what: str, actual: Any, expected: Any, tol: float | None = None) -> float:
        """``compare``, record, and assert the tolerance (the dtype's when ``tol`` is None); the worst error."""
        worst, exact = compare(component, what, actual, expected)
        dtype = as_array(actual).dtype
        self.count_case(component, dtype)
        self.add(component, dtype, worst, exact)
        limit = TOLERANCE.get(dtype, 0.0) if tol is None else tol
        assert worst <= limit, f"{component} {what}: worst relative error {worst:.3e} > {limit:.0e}"
        return worst

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
