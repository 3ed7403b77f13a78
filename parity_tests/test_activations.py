"""Every activation against torch: values, gradients at kinks, huge magnitudes, dtypes, and gradcheck."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close, check_module, check_rejects
from parity_tests.strategies import DTYPES, arrays, batch_shapes
from scratch import nn
from scratch.nn import functional as F

Pair = Callable[[], tuple[nn.Module, torch.nn.Module]]

ELEMENTWISE: dict[str, Pair] = {
    "Sigmoid": lambda: (nn.Sigmoid(), torch.nn.Sigmoid()),
    "Tanh": lambda: (nn.Tanh(), torch.nn.Tanh()),
    "ReLU": lambda: (nn.ReLU(), torch.nn.ReLU()),
    "LeakyReLU": lambda: (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    "LeakyReLU(0.2)": lambda: (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    "ELU": lambda: (nn.ELU(), torch.nn.ELU()),
    "ELU(2.0)": lambda: (nn.ELU(2.0), torch.nn.ELU(2.0)),
}
ALONG_DIM: dict[str, Callable[[int], tuple[nn.Module, torch.nn.Module]]] = {
    "Softmax": lambda d: (nn.Softmax(dim=d), torch.nn.Softmax(dim=d)),
    "LogSoftmax": lambda d: (nn.LogSoftmax(dim=d), torch.nn.LogSoftmax(dim=d)),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@given(data=st.data(), dtype=DTYPES)
def test_elementwise_activation(name: str, data: st.DataObject, dtype: np.dtype) -> None:
    x = data.draw(arrays(dtype, data.draw(batch_shapes(st.integers(1, 5)))))
    ours, theirs = ELEMENTWISE[name]()
    check_module(name.split("(")[0], ours, theirs, x)


@pytest.mark.parametrize("name", list(ALONG_DIM))
@given(data=st.data(), dtype=DTYPES)
def test_softmax_family(name: str, data: st.DataObject, dtype: np.dtype) -> None:
    shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(dtype, shape))
    ours, theirs = ALONG_DIM[name](dim)
    check_module(name, ours, theirs, x)


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_gradient_at_the_kink_is_torchs(name: str) -> None:
    """ReLU'(0) = 0, LeakyReLU'(0) = slope, ELU'(0) = alpha: the conventions peers get wrong."""
    x = np.array([-1.0, -0.0, 0.0, 1e-30, -1e-30, 1.0])
    ours, theirs = ELEMENTWISE[name]()
    check_module(name.split("(")[0], ours, theirs, x, grad_output=np.ones_like(x))


def test_relu_passes_the_gradient_at_nan_and_blocks_inf_below_zero() -> None:
    """torch computes ReLU's backward from the output: where(y <= 0, 0, g), so at a NaN input (y = NaN, not <= 0)
    the gradient passes, and where it is blocked it is 0 even for an infinite or NaN g."""
    x = np.array([np.nan, -1.0, 2.0, -3.0, 0.0])
    g = np.array([1.0, np.inf, 5.0, np.nan, 7.0])
    relu = nn.ReLU()
    relu(x)
    assert relu.backward(g).tolist()[1:] == [0.0, 5.0, 0.0, 0.0]
    check_module("ReLU", nn.ReLU(), torch.nn.ReLU(), x, grad_output=g)


def test_named_examples() -> None:
    """The tutorial's 2×3 batch through each activation."""
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -2.0, 0.5]], dtype=np.float32)
    assert np.allclose(F.relu(x), [[0, 0, 2], [3, 0, 0.5]])
    assert np.allclose(F.sigmoid(np.array([0.0])), [0.5])
    assert np.allclose(F.softmax(x, dim=1).sum(axis=1), 1.0)
    assert F.relu_backward(np.ones(3), F.relu(np.array([-1.0, 0.0, 1.0]))).tolist() == [0.0, 0.0, 1.0]
    assert F.leaky_relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])).tolist() == [0.01, 0.01, 1.0]
    assert F.elu_backward(np.ones(2), np.array([0.0, 1e-9]), alpha=2.0).tolist() == [2.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_at_huge_inputs(dtype: type) -> None:
    """Stable forms: no NumPy overflow warning (warnings are errors here) and torch's values."""
    x = np.array([[-1e4, 0.0, 1e4], [1000.0, 0.0, -1000.0]], dtype=dtype)
    for name in ("Sigmoid", "Tanh", "ELU"):
        ours, theirs = ELEMENTWISE[name]()
        check_module(name, ours, theirs, x)
    for name in ALONG_DIM:
        ours, theirs = ALONG_DIM[name](1)
        check_module(name, ours, theirs, x)
    assert F.log_softmax(np.array([1000.0, 0.0], dtype=dtype), dim=0).tolist() == [0.0, -1000.0]


def test_float32_stays_float32() -> None:
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for make in ELEMENTWISE.values():
        module, _ = make()
        assert module(x).dtype == np.float32
        assert module.backward(np.ones_like(x)).dtype == np.float32


def test_heaviside_matches_torch() -> None:
    x = np.array([-2.0, -0.0, 0.0, 3.0, np.nan], dtype=np.float32)
    for value in (0.0, 0.5, 1.0):
        theirs = torch.heaviside(torch.from_numpy(x), torch.tensor(value))
        assert_close("heaviside", "values", F.heaviside(x, value), theirs, tol=0.0)


def test_implicit_softmax_dim_follows_torch() -> None:
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 2, 2, 2)]:
        x = np.random.default_rng(0).standard_normal(shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            ours = F.softmax(x)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            theirs = torch.nn.functional.softmax(torch.from_numpy(x), dim=None)
        assert_close("Softmax", "implicit dim", ours, theirs)
    assert F.softmax(np.array(3.0), dim=0) == 1.0
    assert F.log_softmax(np.array(3.0), dim=0) == 0.0


def test_softmax_bad_input() -> None:
    x = np.ones((2, 3))
    check_rejects(lambda: F.softmax(x, dim=2), lambda: torch.softmax(torch.from_numpy(x), dim=2), match="out of range")
    ints = np.ones((2, 3), dtype=np.int64)
    check_rejects(
        lambda: F.softmax(ints, dim=1), lambda: torch.softmax(torch.from_numpy(ints), dim=1), match="floating"
    )


def test_backward_before_forward() -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        nn.ReLU().backward(np.ones(2))


@pytest.mark.parametrize("name", [*ELEMENTWISE, *ALONG_DIM])
def test_gradcheck(name: str) -> None:
    """Central differences agree with every manual backward (away from the kinks, in float64)."""
    x = np.random.default_rng(7).uniform(0.1, 2.0, (3, 4)) * np.array([1, -1, 1, -1])
    module = ELEMENTWISE[name]()[0] if name in ELEMENTWISE else ALONG_DIM[name](1)[0]
    assert scratch.gradcheck(module, x)


def test_gradcheck_checks_parameter_gradients_too() -> None:
    """A layer whose input gradient is right but whose weight gradient is wrong must fail."""

    class WrongWeightGrad(nn.Linear):
        def backward(self, grad_output: np.ndarray) -> np.ndarray:
            grad_input = super().backward(grad_output)
            assert self.weight.grad is not None
            self.weight.grad *= 2  # dW = 2 gᵀx: wrong
            return grad_input

    layer = WrongWeightGrad(3, 2, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(scratch.GradcheckError, match="with respect to parameter 0"):
        scratch.gradcheck(layer, x)
    assert scratch.gradcheck(nn.Linear(3, 2, dtype=np.float64), x)


def test_gradcheck_catches_a_wrong_derivative() -> None:
    class WrongSigmoid(nn.Sigmoid):
        def backward(self, grad_output: np.ndarray) -> np.ndarray:
            y = self.saved.y
            return grad_output * y  # forgot the (1 − y) factor

    x = np.linspace(-2, 2, 5)
    assert not scratch.gradcheck(WrongSigmoid(), x, raise_exception=False)
    with pytest.raises(scratch.GradcheckError, match="Jacobian mismatch"):
        scratch.gradcheck(WrongSigmoid(), x)
    with pytest.raises(TypeError, match="float64"):
        scratch.gradcheck(nn.Sigmoid(), x.astype(np.float32))
