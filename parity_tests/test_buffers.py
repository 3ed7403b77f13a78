"""Module buffers: registration, order in state_dict, loading, dtype casts and errors, as torch's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import scratch
import scratch.models
import torch_impl.models
from parity_tests.harness import check_rejects, check_state
from scratch import nn


class Stats(nn.Module):
    """A parameter, two buffers (one not persistent), a None buffer and a child with a buffer of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("count", np.array(0, dtype=np.int64))
        self.scale = nn.Parameter(np.ones(2, np.float32))
        self.register_buffer("mean", np.zeros(2, np.float32))
        self.register_buffer("scratchpad", np.zeros(3, np.float32), persistent=False)
        self.register_buffer("absent", None)
        self.norm = nn.BatchNorm1d(2)


class TorchStats(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("count", torch.tensor(0))
        self.scale = torch.nn.Parameter(torch.ones(2))
        self.register_buffer("mean", torch.zeros(2))
        self.register_buffer("scratchpad", torch.zeros(3), persistent=False)
        self.register_buffer("absent", None)
        self.norm = torch.nn.BatchNorm1d(2)


def test_state_dict_lists_parameters_then_buffers_then_children_as_torch() -> None:
    ours, theirs = Stats(), TorchStats()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_buffers(recurse=False)] == [n for n, _ in theirs.named_buffers(recurse=False)]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(list(ours.buffers())) == len(list(theirs.buffers())) == 6
    check_state("buffers", ours.state_dict(), theirs.state_dict())


def test_buffers_are_attributes_state_but_not_parameters() -> None:
    ours = Stats()
    assert ours.mean is ours.__dict__["_buffers"]["mean"]
    assert all(p is not ours.mean for p in ours.parameters())
    ours.mean = np.full(2, 3.0, np.float32)  # assigning an array to a buffer's name updates the buffer
    assert np.array_equal(ours.state_dict()["mean"], [3.0, 3.0])
    ours.mean = None
    assert "mean" not in ours.state_dict()
    ours.state_dict()["count"][...] = 7  # state_dict holds copies
    assert int(ours.count) == 0


def test_double_casts_floating_buffers_and_keeps_integer_ones() -> None:
    ours, theirs = Stats().double(), TorchStats().double()
    for (name, ours_buffer), (_, their_buffer) in zip(ours.named_buffers(), theirs.named_buffers(), strict=True):
        assert str(ours_buffer.dtype) == str(their_buffer.dtype).removeprefix("torch.").replace("long", "int64"), name
    assert ours.count.dtype == np.int64 and ours.norm.num_batches_tracked.dtype == np.int64
    assert ours.float().mean.dtype == np.float32


def test_load_state_dict_copies_buffers_in_place_with_the_buffer_dtype() -> None:
    ours = Stats()
    running_mean = ours.norm.running_mean
    state = {key: np.asarray(value, dtype=np.float64) + 1 for key, value in ours.state_dict().items()}
    ours.load_state_dict(state)
    assert running_mean is ours.norm.running_mean and np.array_equal(running_mean, [1.0, 1.0])
    assert ours.count.dtype == np.int64 and int(ours.count) == 1
    assert ours.norm.running_mean.dtype == np.float32


def test_a_missing_running_statistic_is_refused_and_nothing_changes() -> None:
    ours, theirs = Stats(), TorchStats()
    state = {key: value + 5 for key, value in ours.state_dict().items() if key != "norm.running_mean"}
    before = ours.state_dict()
    check_rejects(
        lambda: ours.load_state_dict(state),
        lambda: theirs.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()}),
        match=r"missing keys \['norm.running_mean'\]",
    )
    check_state("unchanged after a failed load", ours.state_dict(), before)


def test_a_state_without_num_batches_tracked_keeps_the_count_as_torch() -> None:
    """torch fills in num_batches_tracked for a state saved before BatchNorm had it: the current value stays."""
    ours, theirs = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    ours(x), theirs(torch.from_numpy(x))
    state = {key: value for key, value in ours.state_dict().items() if key != "num_batches_tracked"}
    ours.load_state_dict(state)
    theirs.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 1


@pytest.mark.parametrize(
    ("name", "value", "error", "match"),
    [
        ("a.b", np.ones(1), KeyError, "contain"),
        ("", np.ones(1), KeyError, "be empty string"),
        ("training", np.ones(1), KeyError, "attribute 'training' already exists"),
        ("x", 3, TypeError, "cannot register 'int' object to buffer 'x'"),
        (1, np.ones(1), TypeError, "buffer name should be a string"),
    ],
)
def test_register_buffer_refuses_what_torch_refuses(name: Any, value: Any, error: type, match: str) -> None:
    tvalue = torch.from_numpy(value) if isinstance(value, np.ndarray) else value
    with pytest.raises(error):
        torch.nn.Module().register_buffer(name, tvalue)
    with pytest.raises(error, match=match):
        nn.Module().register_buffer(name, value)


def test_assigning_a_non_array_to_a_buffer_is_a_type_error() -> None:
    ours = Stats()
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'mean'"):
        ours.mean = 3  # type: ignore[assignment]
    assert np.array_equal(ours.mean, [0.0, 0.0])


@pytest.mark.parametrize(
    ("ours", "theirs", "keys"),
    [
        (lambda: nn.CrossEntropyLoss(weight=np.ones(3)), lambda: torch.nn.CrossEntropyLoss(torch.ones(3)), ["weight"]),
        (lambda: nn.NLLLoss(), lambda: torch.nn.NLLLoss(), []),
        (
            lambda: nn.BCEWithLogitsLoss(pos_weight=np.ones(2)),
            lambda: torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)),
            ["pos_weight"],
        ),
    ],
)
def test_loss_weights_are_buffers_as_in_torch(ours: Any, theirs: Any, keys: list[str]) -> None:
    criterion, torch_criterion = ours(), theirs()
    assert list(criterion.state_dict()) == list(torch_criterion.state_dict()) == keys
    assert [n for n, _ in criterion.named_buffers()] == [n for n, _ in torch_criterion.named_buffers()]
    for name, buffer in criterion.double().named_buffers():
        assert buffer.dtype == np.float64, name


def test_a_batch_norm_model_round_trips_through_torch_state() -> None:
    scratch.manual_seed(3)
    ours = scratch.models.MLP([3, 5, 2], batch_norm=True, dropout=0.2)
    ours(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))
    torch.manual_seed(3)
    theirs = torch_impl.models.MLP([3, 5, 2], batch_norm=True, dropout=0.2)
    theirs.load_state_dict({key: torch.from_numpy(value) for key, value in ours.state_dict().items()})
    check_state("MLP with buffers", ours.state_dict(), theirs.state_dict())
