"""Argument checks shared by every part of scratch: bad input gets a clear error at the call that received it.

Each helper returns the checked value (converted where that is harmless) or raises ``TypeError`` /
``ValueError`` with a message that names the function, the argument and what was given.  They live
here so that the code beside each formula stays the formula.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from common import Array

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def describe(value: Any) -> str:
    """``an array of dtype float32 and shape (2, 3)``, ``list``, ...: what a message says was given."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return type(value).__name__


def array(where: str, what: str, value: Any) -> Array:
    """``value`` as an ndarray: arrays and NumPy scalars pass, anything else (a list, a tensor) is a TypeError."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value)
    raise TypeError(f"{where}: {what} must be a numpy array, got {describe(value)}")


def floating(where: str, what: str, value: Any) -> Array:
    """``value`` as a floating-point ndarray; integers, booleans and non-arrays are a TypeError."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value  # the usual case, checked in one line
    a = array(where, what, value)
    if a.dtype.kind != "f":  # floating point (float16/32/64); the cheap test, called on every layer input
        raise TypeError(f"{where}: {what} must be floating point, got dtype {a.dtype}")
    return a


def float_dtype(where: str, dtype: Any) -> np.dtype[Any]:
    """float32 or float64 (the dtypes torch computes these things in); anything else is a TypeError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{where}: dtype must be float32 or float64, got {dtype!r}") from error
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"{where}: dtype must be float32 or float64, got {resolved}")
    return resolved


def integer(where: str, what: str, value: Any, minimum: int | None = None) -> int:
    """An int (not a bool, not a float such as 1.5), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {what} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value}")
    return int(value)


def real(
    where: str,
    what: str,
    value: Any,
    *,
    minimum: float | None = None,
    positive: bool = False,
    finite: bool = False,
) -> Any:
    """A real number (not a bool, a string or None), returned as given; NaN is refused whenever a bound is asked for.

    ``finite`` refuses ±inf, and an int too large for a float (10**400), which every formula would turn into inf.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a real number, got {value!r}")
    try:
        x = float(value)
    except OverflowError:  # an int beyond the floats: as large as inf for every bound
        huge: Any = value
        x = math.inf if huge > 0 else -math.inf
    bounded = minimum is not None or positive or finite
    if bounded and math.isnan(x):
        raise ValueError(f"{where}: {what} must be a number, got nan")
    if finite and not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be finite, got {x}")
    if positive and not x > 0:
        raise ValueError(f"{where}: {what} must be positive, got {x}")
    if minimum is not None and not x >= minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {x}")
    return value


def dropout_p(where: str, p: Any) -> float:
    """A dropout probability: a real number in [0, 1] (torch's message)."""
    real(where, "p", p)
    if not 0 <= p <= 1:
        raise ValueError(f"{where}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def boolean(where: str, what: str, value: Any) -> bool:
    """True or False (NumPy's too); 1, 0, None or "yes" are a TypeError (torch's flags take bools only)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {what} must be True or False, got {value!r}")
    return bool(value)


def grad_output(where: str, value: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Array:
    """The upstream gradient of a backward: an array of the forward output's shape, cast to its dtype.

    A float gradient of another dtype is cast (as torch casts it); a wrong shape is a ValueError, as torch's
    ``Mismatch in shape: grad_output[0] has a shape of ... and output[0] has a shape of ...``.
    """
    if isinstance(value, np.ndarray) and value.shape == shape and value.dtype == dtype:
        return value  # the usual case, checked in one line
    g = floating(where, "grad_output", value)
    if g.shape != shape:
        raise ValueError(f"{where}: grad_output has shape {g.shape}, but the output of forward has shape {shape}")
    return g.astype(dtype, copy=False)
