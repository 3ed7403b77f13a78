"""Which mistake a wrong answer shows: the learner's answer set against torch's and against the catalogued mistakes.

The order: the form first (not an array, wrong shape: transposed?, wrong dtype), then inf/NaN where torch is finite
(an unstable formula), then the case's own catalogue (the answer each known mistake gives on these inputs), then
the mistakes every term can make (a constant factor: N, 2, −1, ...), and when nothing fits, which entries differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array
from common.parity import TOLERANCE
from exercises._case import Case, describe


class Vague(str):
    """A diagnosis that names no mistake (an exception, which entries differ): a later case may name one."""


MATCH = 1e-7  # a wrong answer "is" a catalogued mistake when it agrees with it this closely (relative, floor 1)


def error(got: Array, want: Array) -> float:
    """The project's metric: the worst |got − want| / max(1, |want|) over the entries torch gives finite."""
    finite = np.isfinite(want)
    if not finite.any():
        return 0.0
    a, b = got[finite].astype(np.float64), want[finite].astype(np.float64)
    with np.errstate(all="ignore"):
        err = np.abs(a - b) / np.maximum(1.0, np.abs(b))
    return float(np.where(np.isnan(err), np.inf, err).max())


def agrees(got: Array, want: Array, tol: float) -> bool:
    """Same shape, inf and NaN at the same places, the finite entries within ``tol``."""
    if got.shape != want.shape:
        return False
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        return False
    infinite = np.isinf(want)
    if not np.array_equal(got[infinite], want[infinite]) or np.isinf(got[~infinite]).any():
        return False
    return error(got, want) <= tol


def judge(case: Case, term: str, got: Any) -> tuple[bool, float | None, str | None]:
    """(passed, max error, diagnosis) of one term of one case."""
    want = case.expected[term]
    if want is None:
        if got is None:
            return True, None, None
        return False, None, f"should be None here (torch keeps no buffer when momentum is 0), got {describe(got)}"
    if got is None:
        return False, None, "returned None: the function computes the value but does not return it?"
    try:
        got = np.asarray(got)
    except Exception:
        return False, None, f"returned {describe(got)}, not an array"
    if got.dtype.kind not in "fiub":
        return False, None, f"returned an array of dtype {got.dtype}, not numbers"
    if got.shape != want.shape:
        return False, None, shape_mistake(got, want)
    if got.dtype != want.dtype:
        return False, error(got, want), dtype_mistake(got, want)
    err = error(got, want)
    if agrees(got, want, TOLERANCE.get(want.dtype, 1e-10)):
        return True, err, None
    return False, err, value_mistake(case, term, got, want)


def shape_mistake(got: Array, want: Array) -> str:
    where = f"shape {got.shape} where torch's is {want.shape}"
    if got.ndim == 2 and got.shape == want.shape[::-1]:
        if agrees(got.T, want, MATCH):
            return f"transposed: {where}, and its transpose is right (e.g. xᵀg where gᵀx is asked)"
        return f"{where}: transposed, and its transpose is wrong as well"
    if got.size == want.size:
        return Vague(f"{where}: the right number of entries in the wrong layout (a reshape or a missing keepdims?)")
    if got.ndim == want.ndim + 1 or (got.ndim == want.ndim and got.size > want.size):
        return Vague(f"{where}: a sum or mean over an axis is missing, or runs over the wrong axis")
    return Vague(f"{where}: summed or averaged over the wrong axis?")


def dtype_mistake(got: Array, want: Array) -> str:
    return (
        f"dtype {got.dtype} where torch's is {want.dtype} (for {want.dtype} inputs): keep the input's dtype; "
        "a NumPy array made without a dtype, or an integer or boolean mask used as a factor, changes it"
    )


def value_mistake(case: Case, term: str, got: Array, want: Array) -> str:
    if (~np.isfinite(got) & np.isfinite(want)).any():
        bad = int((~np.isfinite(got) & np.isfinite(want)).sum())
        note = f"{bad} inf/NaN entries where torch's answer is finite"
        return f"{note}: {case.hint}" if case.hint else f"{note}: an overflow, a log of 0 or a 0/0 on the way"
    for description, wrong in case.mistakes.get(term, {}).items():
        if wrong is not None and np.shape(wrong) == got.shape and agrees(got, np.asarray(wrong), MATCH):
            return description
    named = factor_mistake(case, got, want)
    if named:
        return named
    text = difference(got, want)
    return Vague(f"{text}; {case.note}") if case.note else text


def factor_mistake(case: Case, got: Array, want: Array) -> str | None:
    """'off by a factor of ...' when got = r·want for one constant r that names a size, 2 or −1."""
    nonzero = np.abs(want) > 1e-12 * max(1.0, float(np.abs(want).max(initial=0.0)))
    if not nonzero.any() or not np.isfinite(got).all() or not np.isfinite(want).all():
        return None
    ratio = float(np.median(got[nonzero] / want[nonzero]))
    if not agrees(got, ratio * want, MATCH):
        return None
    for name, size in case.sizes.items():
        if size == 1:
            continue
        if np.isclose(ratio, size, rtol=1e-6):
            return f"{size} times torch's: a factor {size} ({name}) too many (the 1/{size} of the mean missing?)"
        if np.isclose(ratio, 1 / size, rtol=1e-6):
            return (
                f"1/{size} of torch's: divided by {size} ({name}) once too often "
                "(a mean where torch sums, or the 1/N applied twice?)"
            )
        if np.isclose(ratio, -size, rtol=1e-6) or np.isclose(ratio, -1 / size, rtol=1e-6):
            return f"the wrong sign, and off by a factor {size} ({name})"
    known = {
        2.0: "twice torch's: a factor of 2 too many (the 2 of a square's derivative counted twice?)",
        0.5: "half of torch's: a factor of 2 is missing (d/dx (x − t)² = 2(x − t))",
        -1.0: "the right size with the wrong sign: (target − input) for (input − target), or a minus sign missing",
    }
    for value, words in known.items():
        if np.isclose(ratio, value, rtol=1e-6):
            return words
    if nonzero.sum() < 3:  # one or two entries are always "a constant factor" of each other
        return None
    return f"a constant factor {ratio:.6g} times torch's answer everywhere"


def difference(got: Array, want: Array) -> str:
    """Which entries differ and how, when no catalogued mistake fits."""
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, want, rtol=1e-8, atol=1e-10, equal_nan=True)
    count = int(bad.sum())
    if got.ndim == 0:
        return Vague(f"{float(got):.6g} where torch gives {float(want):.6g}")
    where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:3]]
    shown = "; ".join(f"at {idx}: torch {want[idx]:.6g}, yours {got[idx]:.6g}" for idx in where)
    text = f"{count} of {got.size} entries differ ({shown})"
    if count and not (bad & (want != 0)).any():
        text += "; all of them where torch's answer is exactly 0 (a mask, or the convention at a kink?)"
    elif count and not (bad & (got != 0)).any():
        text += "; all of them zeros in yours (a mask applied where it should not be?)"
    elif got.ndim == 2 and count > 1 and bad.any(axis=0).sum() == 1:
        text += f"; all in column {int(np.argmax(bad.any(axis=0)))}"
    elif got.ndim == 2 and count > 1 and bad.any(axis=1).sum() == 1:
        text += f"; all in row {int(np.argmax(bad.any(axis=1)))}"
    return Vague(text)
