"""scratch.random reproduces torch's CPU generator word for word."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close
from parity_tests.strategies import seeds
from scratch.random import DEFAULT_SEED, Generator, fma

TORCH = {np.float32: torch.float32, np.float64: torch.float64}


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


@given(
    a=st.floats(-1e6, 1e6, allow_subnormal=False),
    b=st.floats(-1e6, 1e6, allow_subnormal=False),
    c=st.floats(-1e6, 1e6, allow_subnormal=False),
)
def test_fma_rounds_once(a: float, b: float, c: float) -> None:
    """Compared with exact rational arithmetic, rounded once."""
    from fractions import Fraction

    exact = float(Fraction(a) * Fraction(b) + Fraction(c))
    assert fma(np.array([a]), np.float64(b), np.float64(c))[0] == exact
