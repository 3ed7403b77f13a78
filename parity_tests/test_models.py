"""SimpleMLP and MLP: same seed ⇒ identical weights; whole networks match torch's forward and every gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
import torch_impl.models as tm
from parity_tests.harness import check_module, check_state
from parity_tests.strategies import DTYPES, arrays, seeds
from scratch import models as sm

ACTIVATIONS = sorted(sm.ACTIVATIONS)


@given(seed=seeds(), hidden=st.integers(1, 64))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_simple_mlp_same_seed_same_weights(seed: int, hidden: int, dtype: type) -> None:
    scratch.manual_seed(seed)
    ours = sm.SimpleMLP(20, hidden, 10).to(dtype)
    torch.manual_seed(seed)
    theirs = tm.SimpleMLP(20, hidden, 10).to(torch.float64 if dtype == np.float64 else torch.float32)
    check_state("SimpleMLP init", ours.state_dict(), theirs.state_dict())
    assert all(ours.state_dict()[k].tobytes() == v.numpy().tobytes() for k, v in theirs.state_dict().items())


def test_tutorial_simple_mlp_784_128_10_bitwise() -> None:
    scratch.manual_seed(42)
    ours = sm.SimpleMLP(784, 128, 10)
    torch.manual_seed(42)
    theirs = tm.SimpleMLP(784, 128, 10)
    assert list(ours.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(ours.state_dict()[k].tobytes() == v.numpy().tobytes() for k, v in theirs.state_dict().items())
    assert repr(ours) == repr(theirs)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters()) == 101_770


@given(
    data=st.data(),
    seed=seeds(),
    sizes=st.lists(st.integers(1, 8), min_size=2, max_size=5),
    activation=st.sampled_from(ACTIVATIONS),
    dtype=DTYPES,
)
def test_mlp_matches_torch(data: st.DataObject, seed: int, sizes: list[int], activation: str, dtype: np.dtype) -> None:
    """Forward, dL/dx and every parameter gradient of a whole network, any depth and activation."""
    scratch.manual_seed(seed)
    ours = sm.MLP(sizes, activation).to(dtype)
    torch.manual_seed(seed)
    theirs = tm.MLP(sizes, activation).to(torch.float64 if dtype == np.float64 else torch.float32)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    batch = data.draw(st.integers(1, 6))
    x = data.draw(arrays(dtype, (batch, sizes[0]), max_magnitude=10))
    check_module(f"MLP({activation})", ours, theirs, x, copy_weights=False)


def test_simple_mlp_gradients_and_backward_params() -> None:
    scratch.manual_seed(3)
    ours = sm.SimpleMLP(5, 7, 3).double()
    torch.manual_seed(3)
    theirs = tm.SimpleMLP(5, 7, 3).double()
    x = np.random.default_rng(0).standard_normal((4, 5))
    check_module("SimpleMLP", ours, theirs, x, copy_weights=False)
    grads = {n: p.grad.copy() for n, p in ours.named_parameters()}
    ours.zero_grad()
    ours(x)
    ours.backward_params(np.random.default_rng(0).standard_normal((4, 3)))
    assert all(np.array_equal(p.grad, grads[n]) for n, p in ours.named_parameters())


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradcheck(activation: str) -> None:
    model = sm.MLP([3, 4, 4, 2], activation).double()
    x = np.random.default_rng(1).uniform(0.2, 1.0, (3, 3))
    assert scratch.gradcheck(model, x)


def test_mlp_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least an input and an output"):
        sm.MLP([3])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        sm.MLP([3, 2], "swish")
