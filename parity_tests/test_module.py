"""Module bookkeeping: registration order, state_dict keys, loading, dtype casts, modes and repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch
from parity_tests.harness import check_state
from scratch import nn


class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.b = nn.Linear(2, 3)
        self.a = nn.Linear(3, 1)
        self.p = nn.Parameter(np.zeros(4, np.float32))


class TorchCustom(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.b = torch.nn.Linear(2, 3)
        self.a = torch.nn.Linear(3, 1)
        self.p = torch.nn.Parameter(torch.zeros(4))


def test_parameter_order_and_names_follow_torch() -> None:
    scratch.manual_seed(0)
    ours = Custom()
    torch.manual_seed(0)
    theirs = TorchCustom()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    check_state("Module state_dict", ours.state_dict(), theirs.state_dict())
    assert [type(c).__name__ for c in ours.children()] == ["Linear", "Linear"]


def test_shared_module_appears_once_in_parameters_but_under_every_key() -> None:
    shared = nn.Linear(2, 2)
    ours = nn.Sequential(shared, nn.ReLU(), shared)
    t_shared = torch.nn.Linear(2, 2)
    theirs = torch.nn.Sequential(t_shared, torch.nn.ReLU(), t_shared)
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 2
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_state_dict_is_a_copy_and_load_casts() -> None:
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    state["weight"][...] = 7
    assert not np.any(layer.weight.data == 7)
    layer.load_state_dict({"weight": np.ones((2, 2), np.float64), "bias": [1, 2]})
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer.bias.data.tolist() == [1.0, 2.0]
    theirs = torch.nn.Linear(2, 2)
    layer.load_state_dict(theirs.state_dict())  # torch tensors load too
    check_state("Module state_dict", layer.state_dict(), theirs.state_dict())


def test_bad_state_dict_leaves_the_module_unchanged() -> None:
    layer = nn.Linear(2, 2)
    before = layer.state_dict()
    with pytest.raises(KeyError, match=r"missing keys \['bias'\]"):
        layer.load_state_dict({"weight": np.zeros((2, 2))})
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        layer.load_state_dict({**before, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"size mismatch for bias.*\(3,\).*\(2,\)"):
        layer.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(3)})
    with pytest.raises(TypeError, match="expected real numbers"):
        layer.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.array(["a", "b"])})
    with pytest.raises(TypeError, match=r"state_dict\['bias'\] holds complex128 values, expected real numbers"):
        layer.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.array([1 + 2j, 0])})  # no ComplexWarning
    for key, value in layer.state_dict().items():
        assert np.array_equal(value, before[key])
    layer.load_state_dict({"weight": np.zeros((2, 2))}, strict=False)
    assert np.array_equal(layer.bias.data, before["bias"])


def test_a_state_of_another_architecture_names_every_mismatch() -> None:
    """torch lists every size mismatch at once, so that a checkpoint of another architecture is diagnosed in one go."""
    ours, theirs = (
        nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)),
        torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Linear(5, 2)),
    )
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    with pytest.raises(ValueError, match="size mismatch") as ours_error:
        ours.load_state_dict(state)
    with pytest.raises(RuntimeError, match="size mismatch") as torch_error:
        torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)).load_state_dict(theirs.state_dict())
    for key in ("0.weight", "0.bias", "1.weight"):
        assert f"size mismatch for {key}" in str(ours_error.value)
        assert f"size mismatch for {key}" in str(torch_error.value)
    assert "1.bias" not in str(ours_error.value)


def test_zero_grad_double_float_train_eval() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    model(np.ones((1, 3), np.float32))
    model.backward(np.ones((1, 2), np.float32))
    weight = model[0].weight
    assert weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert weight.grad is not None and not weight.grad.any()
    model.zero_grad()
    assert weight.grad is None
    assert model.double() is model and weight.dtype == np.float64
    assert model.float() is model and weight.dtype == np.float32
    assert model.eval() is model and not model.training and not model[1].training
    assert model.train() is model and model[1].training


def test_repr_reads_like_torchs() -> None:
    ours = nn.Sequential(nn.Linear(4, 3), nn.LeakyReLU(0.2), nn.ELU(), nn.Softmax(dim=1), nn.Linear(3, 1, bias=False))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 3),
        torch.nn.LeakyReLU(0.2),
        torch.nn.ELU(),
        torch.nn.Softmax(dim=1),
        torch.nn.Linear(3, 1, bias=False),
    )
    assert repr(ours) == repr(theirs)
    assert repr(Custom()) == repr(TorchCustom()).replace("TorchCustom", "Custom")


def test_parameter_attributes() -> None:
    p = nn.Parameter(np.zeros((2, 3), np.float32))
    assert p.shape == (2, 3) and p.dtype == np.float32 and p.ndim == 2 and p.numel() == 6 and p.grad is None
    p.grad = np.ones((2, 3), np.float32)
    p.accumulate_grad(np.ones((2, 3), np.float32))
    assert p.grad.tolist() == [[2.0] * 3] * 2
    assert "Parameter containing" in repr(p)


def test_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = nn.Linear(1, 1).missing

    class Forgot(nn.Module):
        def __init__(self) -> None:
            self.x = 1

    with pytest.raises(AttributeError, match=r"Module\.__init__"):
        Forgot()


def test_to_casts_existing_gradients_too() -> None:
    """torch's .double() casts .grad with the parameter; a stale float32 gradient would then meet float64 data."""
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    model(np.ones((2, 3), np.float32))
    model.backward(np.ones((2, 2), np.float32))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    theirs(torch.ones(2, 3)).backward(torch.ones(2, 2))
    model.double()
    theirs.double()
    for (name, p), tp in zip(model.named_parameters(), theirs.parameters(), strict=True):
        assert p.dtype == np.float64 and p.grad is not None and p.grad.dtype == np.float64, name
        assert tp.grad is not None and tp.grad.dtype == torch.float64


def test_sequential_with_an_ordered_dict_uses_its_names() -> None:
    from collections import OrderedDict

    ours = nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 1))]))
    theirs = torch.nn.Sequential(
        OrderedDict([("fc1", torch.nn.Linear(2, 3)), ("act", torch.nn.ReLU()), ("fc2", torch.nn.Linear(3, 1))])
    )
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [name for name, _ in ours.named_children()] == ["fc1", "act", "fc2"]
    assert repr(ours) == repr(theirs)
