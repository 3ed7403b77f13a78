"""torch's exact rounding in NumPy: a fused multiply-add, and the C library's functions one value at a time.

torch's CPU kernels compute ``u * (hi - lo) + lo`` and ``z * std + mean`` as one fused multiply-add (rounded
once), and its float64 normal sampler calls the C library's ``log``, ``sin`` and ``cos`` once per value.
NumPy has neither: ``fma``/``fma32`` build the single rounding from error-free transformations, and ``libm``
calls Python's ``math`` (which wraps the same C functions) instead of NumPy's SIMD versions, which can round
differently by one ulp on AVX-512 CPUs.  The random stream (random.py) uses these so that its draws are
torch's, bit for bit, on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray


def libm(f: Callable[[float], float], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``f`` (``math.log``, ``math.sin``, ...) on every element: the C library's function, as torch calls it."""
    return np.fromiter(map(f, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def fma(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> NDArray[np.float64]:
    """a*b + c rounded once (a fused multiply-add) in float64, elementwise.

    NumPy has no fma, so it is built from error-free transformations
    (Boldo and Melquiond, 2008): the product and the sum are split exactly into a
    rounded part and an error, the errors are added with rounding to odd, and the
    final addition rounds to nearest once.  Those steps are exact only while
    nothing overflows or underflows; the rare elements outside that range (products
    beyond 2**995 or below 2**-968, infinities) are computed in exact rational
    arithmetic instead, so the result is the correctly rounded one everywhere.
    """
    x, y, z = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64))
    with np.errstate(all="ignore"):
        p, e = _two_product(x, y)
        s, t = _two_sum(z, p)
        result = s + _add_round_to_odd(t, e)
        result = np.where(result == 0, x * y + z, result)  # a zero sum is exact: the plain one has IEEE's sign
        exact = (
            (np.abs(x) <= 2.0**995)
            & (np.abs(y) <= 2.0**995)
            & ((x == 0) | (y == 0) | (np.abs(p) >= 2.0**-968))
            & (np.abs(p) + np.abs(z) <= 2.0**1022)
        )
    if not exact.all():
        outside = ~exact
        result[outside] = [_fma_rational(*v) for v in zip(x[outside], y[outside], z[outside], strict=True)]
    return result


def fma32(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> NDArray[np.float32]:
    """a*b + c rounded once to float32, for float32 values a, b, c (torch's float32 fma).

    The product of two float32 values is exact in float64; the sum is rounded to odd
    in float64 (53 bits, more than 24 + 2), so the final rounding to float32 is the
    only one that counts.  A plain float64 sum would round twice, which is one ulp
    off when the first rounding lands on a float32 midpoint.
    """
    product = np.asarray(a, np.float64) * np.asarray(b, np.float64)
    return _add_round_to_odd(product, np.broadcast_to(np.asarray(c, np.float64), product.shape)).astype(np.float32)


def _fma_rational(a: float, b: float, c: float) -> float:
    """a*b + c in exact arithmetic, rounded once to the nearest double (IEEE signed zeros and infinities)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a * b + c  # the exact product is ±inf or NaN: as IEEE's fma
    if not math.isfinite(c):
        return c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # a*b = −c exactly: the plain sum is exact, and has IEEE's sign of zero
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def _two_sum(a: NDArray[np.float64], b: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = a * 134217729.0  # 2**27 + 1 (Veltkamp splitting)
    hi = t - (t - a)
    return hi, a - hi


def _two_product(a: NDArray[np.float64], b: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _add_round_to_odd(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    s, err = _two_sum(a, b)
    bits = s.view(np.int64)
    inexact_even = (err != 0) & (bits & 1 == 0)
    # step one ulp towards the exact value s + err (towards ±inf: s + err itself may round back to s),
    # so that the result is the odd neighbour
    return np.where(inexact_even, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
