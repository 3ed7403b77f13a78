"""Hypothesis strategies shared by every parity test: dtypes, shapes and awkward values."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])

# Values a naive implementation gets wrong: exact zeros of both signs, the kinks,
# ties, tiny and huge magnitudes (exp overflows beyond ~88 in f32, ~709 in f64).
SPECIAL_VALUES = [0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 20.0, -20.0, 100.0, -100.0, 1e4, -1e4]


def values(dtype: np.dtype[Any], max_magnitude: float = 1e4) -> st.SearchStrategy[float]:
    """Finite floats representable in ``dtype``, mixed with the special values."""
    width = 32 if dtype == np.float32 else 64
    ordinary = st.floats(-max_magnitude, max_magnitude, allow_nan=False, allow_infinity=False, width=width)
    moderate = st.floats(-5, 5, allow_nan=False, width=width)
    specials = st.sampled_from([v for v in SPECIAL_VALUES if abs(v) <= max_magnitude])
    return st.one_of(moderate, moderate, ordinary, specials)


def batch_shapes(features: int | st.SearchStrategy[int], max_batch: int = 8) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes (features,), (1, features), (N, features) and (A, B, features)."""
    feats = st.just(features) if isinstance(features, int) else features
    batch = st.one_of(
        st.just(()),
        st.just((1,)),
        st.tuples(st.integers(1, max_batch)),
        st.tuples(st.integers(1, 3), st.integers(1, 4)),
    )
    return st.tuples(batch, feats).map(lambda bf: (*bf[0], bf[1]))


def arrays(dtype: np.dtype[Any], shape: tuple[int, ...], max_magnitude: float = 1e4) -> st.SearchStrategy[Any]:
    return hnp.arrays(dtype, shape, elements=values(dtype, max_magnitude))


@st.composite
def array_and_dtype(draw: st.DrawFn, shape: st.SearchStrategy[tuple[int, ...]], max_magnitude: float = 1e4) -> Any:
    dtype = draw(DTYPES)
    return draw(arrays(dtype, draw(shape), max_magnitude))


def seeds() -> st.SearchStrategy[int]:
    """Seeds including 0 and values of 2**32 and beyond (reduced modulo 2**32 by torch)."""
    return st.one_of(st.integers(0, 2**32 - 1), st.integers(2**32, 2**63 - 1), st.sampled_from([0, 1, 42, 2**32]))
