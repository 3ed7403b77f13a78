"""Edge cases that torch's own test inputs and injected bugs exposed, each pinned against torch or scratch's contract:
forward arguments named as torch names them, BatchNorm1d's reset and (1, C, L) batches, dropout at p = 0, a buffer
shared under two names, SGD's fused step on a strided parameter, the random stream's sizes, the perceptron at inf."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
import torch

import scratch
from parity_tests.harness import assert_close, check_module
from scratch import nn, optim
from scratch.models import Perceptron
from scratch.nn import functional as F


def torch_twins() -> list[str]:
    return [
        name
        for name in nn.__all__
        if inspect.isclass(obj := getattr(nn, name)) and issubclass(obj, nn.Module) and name != "Module"
    ]


@pytest.mark.parametrize("name", torch_twins())
def test_forward_takes_torchs_argument_names(name: str) -> None:
    """torch's own tests call ``module.forward(input=x)``: every forward has torch's parameters, in torch's order."""
    ours = list(inspect.signature(getattr(nn, name).forward).parameters)
    theirs = list(inspect.signature(getattr(torch.nn, name).forward).parameters)
    assert ours == theirs


def test_a_module_is_called_with_keyword_arguments_as_torch() -> None:
    layer = nn.Linear(3, 2)
    x = np.ones((4, 3), np.float32)
    np.testing.assert_array_equal(layer(input=x), layer(x))
    loss = nn.MSELoss()(input=x, target=np.zeros_like(x))
    assert loss == nn.MSELoss()(x, np.zeros_like(x))


def test_batch_norm_reset_running_stats_restores_mean_zero_variance_one() -> None:
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32) * 5 + 2
    ours(x), theirs(torch.from_numpy(x))
    assert not np.allclose(ours.running_var, 1)
    ours.reset_running_stats(), theirs.reset_running_stats()
    for key, value in theirs.state_dict().items():
        assert_close("BatchNorm1d", f"reset {key}", ours.state_dict()[key], value, tol=0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_trains_on_one_sample_of_several_positions(dtype: Any) -> None:
    """(1, C, L > 1) holds L values per channel: valid in training, as torch; (1, C) and (1, C, 1) are not."""
    x = np.random.default_rng(1).standard_normal((1, 3, 5)).astype(dtype)
    ours, theirs = nn.BatchNorm1d(3).to(dtype), torch.nn.BatchNorm1d(3).to(torch.from_numpy(x).dtype)
    check_module("BatchNorm1d", ours, theirs, x)
    assert_close("BatchNorm1d", "running_var", ours.running_var, theirs.running_var)
    for bad in ((1, 3), (1, 3, 1)):
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            nn.BatchNorm1d(3).to(dtype)(np.ones(bad, dtype))


def test_functional_dropout_at_p_zero_returns_the_input_and_draws_nothing() -> None:
    x = np.arange(6.0).reshape(2, 3)
    scratch.manual_seed(3)
    assert F.dropout(x, 0.0) is x
    torch.manual_seed(3)
    assert torch.nn.functional.dropout(torch.from_numpy(x), 0.0) is not None
    assert_close("dropout", "no draw at p = 0", scratch.rand(4), torch.rand(4), tol=0.0)


def test_a_buffer_shared_under_two_names_is_listed_once() -> None:
    ours, theirs = nn.Module(), torch.nn.Module()
    shared, shared_t = np.zeros(3), torch.zeros(3)
    ours.register_buffer("a", shared), ours.register_buffer("b", shared)
    theirs.register_buffer("a", shared_t), theirs.register_buffer("b", shared_t)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == ["a"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b"]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_fused_sgd_updates_a_strided_parameter_in_place(momentum: float) -> None:
    """A transposed (non-contiguous) parameter: the fused step writes into the very array, as the plain one does."""
    base = np.random.default_rng(2).standard_normal((4, 3))
    results = []
    for fused in (True, None):
        p = nn.Parameter(base.copy().T)  # strided view of a copy
        data = p.data
        p.grad = np.ones(p.shape) * 0.5
        opt = optim.SGD([p], lr=0.1, momentum=momentum, fused=fused)
        opt.step(), opt.step()
        assert p.data is data and not data.flags.c_contiguous
        results.append(data.copy())
    np.testing.assert_array_equal(results[0], results[1])
    theirs = torch.nn.Parameter(torch.from_numpy(base.copy()).T)
    opt_t = torch.optim.SGD([theirs], lr=0.1, momentum=momentum)
    for _ in range(2):
        theirs.grad = torch.full(theirs.shape, 0.5, dtype=torch.float64)
        opt_t.step()
    assert_close("SGD (fused)", "a strided parameter", results[0], theirs)


@pytest.mark.parametrize("shape", [(-1,), (2, -3), [3], (2.0,)])
def test_a_generator_refuses_a_bad_shape_before_drawing(shape: Any) -> None:
    g = scratch.Generator().manual_seed(0)
    for draw in (lambda: g.uniform(shape, 0.0, 1.0, np.float32), lambda: g.normal(shape, 0.0, 1.0, np.float64)):
        with pytest.raises(ValueError, match="shape must be a tuple of non-negative ints"):
            draw()
    fresh = scratch.Generator().manual_seed(0)
    np.testing.assert_array_equal(g.uniform((5,), 0.0, 1.0, np.float32), fresh.uniform((5,), 0.0, 1.0, np.float32))


def test_the_perceptron_is_silent_at_inf_as_torch() -> None:
    """An inf input gives inf·0 = NaN in the matmul: torch says nothing, and NumPy must not warn (a warning is an
    error in this suite)."""
    model = Perceptron(2)
    model.weight.data[...] = [[1.0, 0.0]]
    assert model(np.array([[np.inf, 1.0], [-1.0, np.inf]], np.float32)).tolist() == [1.0, 0.0]
