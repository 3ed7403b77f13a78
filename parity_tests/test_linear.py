"""Linear and Sequential: forward, the three gradients, init from the seed, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close, check_module, check_rejects, check_state
from parity_tests.strategies import DTYPES, arrays, batch_shapes, seeds
from scratch import nn

TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def twins(
    n_in: int, n_out: int, dtype: np.dtype, bias: bool = True, seed: int = 0
) -> tuple[nn.Linear, torch.nn.Linear]:
    scratch.manual_seed(seed)
    ours = nn.Linear(n_in, n_out, bias=bias).to(dtype)
    torch.manual_seed(seed)
    theirs = torch.nn.Linear(n_in, n_out, bias=bias).to(TORCH[dtype])
    return ours, theirs


@given(data=st.data(), n_in=st.integers(1, 6), n_out=st.integers(1, 6), bias=st.booleans(), dtype=DTYPES)
def test_linear_matches_torch(data: st.DataObject, n_in: int, n_out: int, bias: bool, dtype: np.dtype) -> None:
    ours, theirs = twins(n_in, n_out, dtype, bias)
    x = data.draw(arrays(dtype, data.draw(batch_shapes(n_in)), max_magnitude=1e3))
    check_module("Linear", ours, theirs, x, copy_weights=False)


def test_linear_example_a_reader_can_follow() -> None:
    """y = x Wᵀ + b by hand: W = [[1, 2], [3, 4]], b = [0.5, -0.5], x = [1, 1] → y = [3.5, 6.5]."""
    layer = nn.Linear(2, 2, dtype=np.float64)
    layer.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": [0.5, -0.5]})
    y = layer(np.array([[1.0, 1.0]]))
    assert np.array_equal(y, [[3.5, 6.5]])
    dx = layer.backward(np.array([[1.0, 0.0]]))
    assert np.array_equal(dx, [[1.0, 2.0]])  # dL/dx = g W
    assert np.array_equal(layer.weight.grad, [[1.0, 1.0], [0.0, 0.0]])  # dL/dW = gᵀ x
    assert np.array_equal(layer.bias.grad, [1.0, 0.0])  # dL/db = Σ g


def test_gradients_accumulate_like_autograd() -> None:
    ours, theirs = twins(3, 2, np.dtype(np.float64))
    x = np.random.default_rng(1).standard_normal((4, 3))
    g = np.ones((4, 2))
    for _ in range(2):
        ours(x)
        ours.backward_params(g)
        theirs(torch.from_numpy(x)).backward(torch.from_numpy(g))
    check_state(
        "Linear grad accumulation",
        {"weight": ours.weight.grad, "bias": ours.bias.grad},
        {"weight": theirs.weight.grad, "bias": theirs.bias.grad},
    )


def test_backward_params_skips_only_the_input_gradient() -> None:
    ours, _ = twins(3, 2, np.dtype(np.float64))
    other, _ = twins(3, 2, np.dtype(np.float64))
    x = np.random.default_rng(2).standard_normal((5, 3))
    g = np.random.default_rng(3).standard_normal((5, 2))
    ours(x)
    assert ours.backward_params(g) is None
    other(x)
    other.backward(g)
    assert np.array_equal(ours.weight.grad, other.weight.grad)
    assert np.array_equal(ours.bias.grad, other.bias.grad)


@given(seed=seeds(), n_in=st.integers(1, 40), n_out=st.integers(1, 40), dtype=DTYPES)
def test_init_is_bit_identical(seed: int, n_in: int, n_out: int, dtype: np.dtype) -> None:
    """Same seed ⇒ same weights, bit for bit, in float32 and in float64 (53-bit draws)."""
    scratch.manual_seed(seed)
    ours = nn.Linear(n_in, n_out, dtype=dtype)
    torch.manual_seed(seed)
    theirs = torch.nn.Linear(n_in, n_out, dtype=TORCH[dtype])
    for key, value in theirs.state_dict().items():
        assert_close("Linear init", key, ours.state_dict()[key], value, tol=0.0)


@given(seed=seeds(), sizes=st.lists(st.integers(1, 12), min_size=2, max_size=5))
def test_sequential_init_consumes_the_stream_in_construction_order(seed: int, sizes: list[int]) -> None:
    scratch.manual_seed(seed)
    ours = nn.Sequential(*[m for a, b in itertools.pairwise(sizes) for m in (nn.Linear(a, b), nn.Tanh())])
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(
        *[m for a, b in itertools.pairwise(sizes) for m in (torch.nn.Linear(a, b), torch.nn.Tanh())]
    )
    check_state("Sequential init", ours.state_dict(), theirs.state_dict())
    assert all(ours.state_dict()[k].tobytes() == v.numpy().tobytes() for k, v in theirs.state_dict().items())


def test_bad_inputs_are_rejected_by_both() -> None:
    ours, theirs = twins(3, 2, np.dtype(np.float32))
    wrong_width = np.ones((5, 4), np.float32)
    check_rejects(
        lambda: ours(wrong_width), lambda: theirs(torch.from_numpy(wrong_width)), match=r"\(5, 4\).*in_features=3"
    )
    f64 = np.ones((5, 3), np.float64)
    check_rejects(lambda: ours(f64), lambda: theirs(torch.from_numpy(f64)), match="float64.*float32")
    scalar = np.float32(1.0)
    check_rejects(lambda: ours(np.asarray(scalar)), lambda: theirs(torch.tensor(1.0)))
    with pytest.raises(TypeError, match="numpy array"):
        ours([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Linear(2, 2).backward(np.ones((1, 2), np.float32))


def test_no_bias_and_repr() -> None:
    ours, theirs = twins(4, 3, np.dtype(np.float32), bias=False)
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    check_module("Linear", ours, theirs, x)
