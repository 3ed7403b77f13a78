"""Dropout against torch: the same seed gives the same mask, bit for bit; the scale, backward, modes and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close, check_rejects
from parity_tests.strategies import DTYPES, arrays, seeds
from scratch import nn
from scratch.nn import functional as F

PROBABILITIES = st.one_of(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0, 1 / 3]), st.floats(0, 1))
SHAPES = st.one_of(
    st.tuples(st.integers(0, 40)),
    st.tuples(st.integers(1, 8), st.integers(1, 8)),
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5)),
)


def torch_dropout(x: np.ndarray, p: float, seed: int, train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    layer = torch.nn.Dropout(p).train(train)
    xt = torch.from_numpy(x.copy(order="K")).requires_grad_()  # the same memory layout
    return layer(xt), xt


@given(data=st.data(), shape=SHAPES, p=PROBABILITIES, seed=seeds(), dtype=DTYPES, transpose=st.booleans())
def test_the_same_seed_gives_torchs_mask_and_gradient(
    data: st.DataObject, shape: tuple[int, ...], p: float, seed: int, dtype: np.dtype, transpose: bool
) -> None:
    x = data.draw(arrays(dtype, shape))
    if transpose:  # a view whose memory order is not its index order: torch draws in memory order
        x = x.T
    g = data.draw(arrays(dtype, x.shape))
    yt, xt = torch_dropout(x, p, seed)
    yt.backward(torch.from_numpy(g.copy()))
    scratch.manual_seed(seed)
    layer = nn.Dropout(p)
    y = layer(x.copy(order="K"))
    dx = layer.backward(g)
    assert_close("Dropout", "forward (bit for bit)", y, yt, tol=0.0)
    assert_close("Dropout", "input gradient (bit for bit)", dx, xt.grad, tol=0.0)
    # the stream moved by as many draws as torch's did
    assert_close("Dropout", "the stream after", scratch.rand(5, dtype=np.float64), torch.rand(5, dtype=torch.float64))


def test_dropout_example_a_reader_can_follow() -> None:
    """p = 0.5: each kept element is doubled, each dropped one is 0, and the gradient takes the same path."""
    scratch.manual_seed(0)
    layer = nn.Dropout(0.5)
    y = layer(np.ones(8))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert np.array_equal(layer.backward(np.ones(8)), y)
    torch.manual_seed(0)
    assert np.array_equal(y, torch.nn.Dropout(0.5)(torch.ones(8, dtype=torch.float64)).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_scale_is_torchs_one_over_one_minus_p_in_the_input_dtype(dtype: type) -> None:
    """torch multiplies by m/(1 − p), not divides by 1 − p: for p = 0.1 the two differ in the last bit."""
    x = np.random.default_rng(1).standard_normal(2000).astype(dtype)
    scratch.manual_seed(4)
    y = F.dropout(x, 0.1)
    torch.manual_seed(4)
    assert np.array_equal(y, torch.nn.functional.dropout(torch.from_numpy(x), 0.1).numpy())
    kept = y != 0
    assert not np.array_equal(y[kept], x[kept] / dtype(0.9))  # the naive scaling is not torch's


def test_evaluation_mode_and_p_zero_are_the_identity_and_draw_nothing() -> None:
    x = np.arange(6.0).reshape(2, 3)
    for layer in (nn.Dropout(0.5).eval(), nn.Dropout(0.0)):
        scratch.manual_seed(1)
        assert layer(x) is x
        assert np.array_equal(layer.backward(np.ones_like(x)), np.ones_like(x))
        torch.manual_seed(1)
        assert_close("Dropout", "no draw", scratch.rand(3), torch.rand(3), tol=0.0)
    assert F.dropout(x, 0.5, training=False) is x


def test_p_one_zeroes_everything_and_inf_times_zero_is_nan_as_in_torch() -> None:
    x = np.array([1.0, -np.inf, np.nan, 3.0])
    scratch.manual_seed(0)
    torch.manual_seed(0)
    assert_close("Dropout", "p=1", F.dropout(x, 1.0), torch.nn.functional.dropout(torch.from_numpy(x), 1.0))


def test_inplace_writes_into_the_input() -> None:
    x = np.ones(10)
    scratch.manual_seed(2)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x and set(np.unique(x)) <= {0.0, 2.0}
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))


class FixedMask(nn.Module):
    """Dropout with its mask fixed by reseeding before every forward, so that gradcheck sees a function."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(p)

    def forward(self, x: np.ndarray) -> np.ndarray:
        scratch.manual_seed(7)
        return self.dropout(x)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return self.dropout.backward(grad_output)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_gradcheck_with_a_fixed_mask(p: float) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert scratch.gradcheck(FixedMask(p), x)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf")])
def test_p_outside_zero_one_is_refused_before_anything_is_drawn(p: float) -> None:
    """As torch, except NaN: torch's range check lets it through (and zeroes nothing); scratch refuses it."""
    if np.isnan(p):
        with pytest.raises(ValueError, match="between 0 and 1, but got nan"):
            nn.Dropout(p)
    else:
        check_rejects(lambda: nn.Dropout(p), lambda: torch.nn.Dropout(p), match="between 0 and 1")
    scratch.manual_seed(5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(np.ones(3), p)
    torch.manual_seed(5)
    assert_close("Dropout", "no draw after a refusal", scratch.rand(3), torch.rand(3), tol=0.0)


def test_bad_inputs_get_clear_errors() -> None:
    with pytest.raises(TypeError, match="must be floating point"):
        nn.Dropout()(np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match="must be a real number"):
        nn.Dropout("0.5")  # type: ignore[arg-type]
    layer = nn.Dropout()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))
    layer(np.ones(3))
    with pytest.raises(ValueError, match="grad_output has shape"):
        layer.backward(np.ones(4))
