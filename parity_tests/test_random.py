"""scratch.random reproduces torch's CPU generator word for word."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close
from parity_tests.strategies import seeds
from scratch.random import DEFAULT_SEED, Generator
from scratch.rounding import fma, fma32

TORCH = {np.float32: torch.float32, np.float64: torch.float64}


def exact_fma(a: float, b: float, c: float, to_odd: bool = False) -> float:
    """a·b + c computed exactly, then rounded once (the definition of a fused multiply-add).

    ``to_odd`` rounds an inexact result to the odd neighbour instead, which a second rounding to a
    narrower format (float32) then turns into the correctly rounded one.
    """
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # IEEE: an exact zero sum is +0 unless both terms are −0
    try:
        nearest = float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf
    if to_odd and Fraction(nearest) != exact and np.float64(nearest).view(np.int64) % 2 == 0:
        return float(np.nextafter(nearest, math.inf if exact > nearest else -math.inf))
    return nearest


FLOAT32 = st.floats(allow_nan=False, allow_infinity=False, width=32)
FINITE = st.floats(allow_nan=False, allow_infinity=False)  # every double, subnormals and the largest included


def pair(seed: int) -> tuple[Generator, torch.Generator]:
    return Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


@given(seed=seeds(), n=st.integers(0, 300), low=st.floats(-10, 0), width=st.floats(1e-3, 10))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_is_bit_identical(dtype: type, seed: int, n: int, low: float, width: float) -> None:
    g, tg = pair(seed)
    for _ in range(2):  # the second draw checks that both streams advanced equally
        ours = g.uniform((n,), low, low + width, dtype)
        theirs = torch.empty(n, dtype=TORCH[dtype]).uniform_(low, low + width, generator=tg)
        assert_close("uniform_", "values", ours, theirs, tol=0.0)


def test_uniform_rounds_once_in_float32() -> None:
    """A bound far smaller than the width: u·(hi − lo) + lo must round once (torch's fma), not twice."""
    low, high = -1.1754943508222875e-38, 3.0 - 1.1754943508222875e-38  # the example hypothesis found
    g, tg = pair(0)
    ours = g.uniform((5,), low, high, np.float32)
    assert_close("uniform_", "values", ours, torch.empty(5).uniform_(low, high, generator=tg), tol=0.0)


@given(a=FLOAT32, b=FLOAT32, c=FLOAT32)
def test_fma32_rounds_once(a: float, b: float, c: float) -> None:
    with np.errstate(over="ignore"):
        ours = fma32(np.float32(a), np.float32(b), np.float32(c))[()]
        expected = np.float32(exact_fma(a, b, c, to_odd=True))
    assert ours == expected or (np.isnan(ours) and np.isnan(expected)), (a, b, c)


@given(seed=seeds(), sizes=st.lists(st.integers(1, 40), min_size=1, max_size=5))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_follows_torch_including_the_scalar_cache(dtype: type, seed: int, sizes: list[int]) -> None:
    """Small tensors use torch's scalar sampler (which caches a value), larger ones the 16-wide Box-Muller."""
    g, tg = pair(seed)
    for n in sizes:
        ours = g.normal((n,), 0.5, 2.0, dtype)
        theirs = torch.empty(n, dtype=TORCH[dtype]).normal_(0.5, 2.0, generator=tg)
        # float64 is bit-identical; float32 differs by at most an ulp (torch's vectorised log/sin/cos)
        assert_close("normal_", "values", ours, theirs, tol=0.0 if dtype == np.float64 or n < 16 else 1e-6)
    assert_close(
        "normal_", "stream after", g.uniform((4,), 0, 1, dtype), torch.rand(4, generator=tg, dtype=TORCH[dtype])
    )


@given(seed=seeds(), n=st.integers(0, 500))
def test_randperm_and_random64(seed: int, n: int) -> None:
    g, tg = pair(seed)
    assert np.array_equal(g.randperm(n), torch.randperm(n, generator=tg).numpy())
    assert g.random64() == torch.empty((), dtype=torch.int64).random_(generator=tg).item()


def test_seeds_reduce_modulo_2_32_and_default_seed() -> None:
    assert np.array_equal(Generator().manual_seed(2**32 + 5).words(8), Generator().manual_seed(5).words(8))
    assert Generator().initial_seed() == DEFAULT_SEED == torch.Generator().initial_seed()
    ours = Generator().uniform((5,), 0, 1, np.float32)
    assert np.array_equal(ours, torch.rand(5, generator=torch.Generator()).numpy())


def test_global_manual_seed_matches_torch() -> None:
    scratch.manual_seed(123)
    torch.manual_seed(123)
    assert scratch.initial_seed() == torch.initial_seed() == 123
    ours = scratch.default_generator.uniform((6,), 0, 1, np.float32)
    assert np.array_equal(ours, torch.rand(6).numpy())


def test_state_round_trip() -> None:
    g = Generator().manual_seed(9)
    g.normal((3,), 0, 1, np.float64)  # leaves a cached normal
    state = g.get_state()
    first = g.normal((5,), 0, 1, np.float64)
    assert np.array_equal(g.set_state(state).normal((5,), 0, 1, np.float64), first)


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(TypeError, match="int seed"):
        Generator().manual_seed(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be"):
        Generator().manual_seed(2**64)


@st.composite
def fma_cases(draw: st.DrawFn) -> tuple[float, float, float]:
    """Any doubles, and the hard cases: c far below a·b's last bit, c cancelling a·b, a·b near the range ends."""
    a, b = draw(FINITE), draw(FINITE)
    kind = draw(st.sampled_from(["any", "tiny c", "cancel", "scaled"]))
    if kind == "tiny c":
        return a, b, a * b * draw(st.sampled_from([2.0**-60, -(2.0**-60), 2.0**-200, 2.0**-1000]))
    if kind == "cancel":
        return a, b, -(a * b) * (1 + draw(st.integers(-4, 4)) * 2.0**-52)
    if kind == "scaled":
        return a * 2.0 ** draw(st.integers(-600, 600)), b, draw(FINITE)
    return a, b, draw(FINITE)


@given(case=fma_cases())
def test_fma_rounds_once(case: tuple[float, float, float]) -> None:
    """Compared with exact rational arithmetic, rounded once, over the whole double range."""
    a, b, c = case
    assume(all(map(math.isfinite, case)))  # the strategy's scaled values may overflow
    with np.errstate(all="ignore"):
        ours = float(fma(np.array([a]), np.float64(b), np.float64(c))[0])
    expected = exact_fma(a, b, c)
    assert ours == expected or (math.isnan(ours) and math.isnan(expected)), (a, b, c, ours, expected)
    assert math.copysign(1, ours) == math.copysign(1, expected)


def test_fma_named_cases() -> None:
    """c far below the last bit of a·b must still break the tie of the rounding (a bug once found by hypothesis)."""
    a, b, c = 8.762868924656011e-246, -5.0, -1.1424408588132948e-282
    assert fma(a, b, c)[()] == -4.381434462328006e-245 == exact_fma(a, b, c)
    assert fma(1.0 + 2.0**-52, 1.0 - 2.0**-53, -1.0)[()] == 2.0**-53 - 2.0**-105  # plain a*b + c gives 2**-53
    assert fma(1e308, 10.0, -math.inf)[()] == -math.inf  # the exact product is finite
    assert fma(2.0**-600, 2.0**-600, 2.0**-1074)[()] == 2.0**-1074  # the product underflows, c survives
    mixed = fma(np.array([1.5, 1e300, 0.0]), np.array([2.0, 1e10, -1.0]), np.array([0.25, -1e310, -0.0]))
    assert mixed.tolist() == [3.25, -math.inf, -0.0]


@given(
    seed=seeds(),
    shape=st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_randn_and_rand_draw_what_torch_draws(seed: int, shape: tuple[int, ...], dtype: type) -> None:
    """``scratch.randn(2, 3)`` is ``torch.randn(2, 3)`` from the same seed (float64, and float32 below 16 values,
    bit for bit; float32 from 16 values on within an ulp, as ``normal``)."""
    scratch.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = scratch.randn(*shape, dtype=dtype), torch.randn(*shape, dtype=TORCH[dtype])
    exact = dtype == np.float64 or math.prod(shape) < 16
    assert_close("randn", "values", ours, theirs, tol=0.0 if exact else 1e-6)
    assert_close("rand", "values", scratch.rand(shape, dtype=dtype), torch.rand(shape, dtype=TORCH[dtype]), tol=0.0)
