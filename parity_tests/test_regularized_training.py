"""MLP(dropout=, batch_norm=) on both sides: the same layers and keys, the same training run from the same seed
(losses, weights and running statistics), and a checkpoint with buffers that crosses between the two."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import scratch
import torch_impl.models
from common import datasets
from parity_tests.harness import assert_close, check_rejects, check_state
from scratch import checkpoint, models
from scratch.data import make_loader
from scratch.train import train
from torch_impl import checkpoint as torch_checkpoint
from torch_impl import data as torch_data
from torch_impl import train as torch_train

SEED, DATA_SEED = 11, 4
CONFIGS = [(0.0, True), (0.3, False), (0.2, True)]  # (dropout, batch_norm)


def data() -> list[np.ndarray]:
    X, y = datasets.blobs(n_samples=150, centers=3, seed=2, dtype=np.float64)
    return datasets.train_test_split(X, y, test_size=0.2, seed=0)


def twins(dropout: float, batch_norm: bool, activation: str = "relu") -> tuple[models.MLP, torch.nn.Module]:
    scratch.manual_seed(SEED)
    ours = models.MLP([2, 24, 24, 3], activation, dropout=dropout, batch_norm=batch_norm).double()
    torch.manual_seed(SEED)
    theirs = torch_impl.models.MLP([2, 24, 24, 3], activation, dropout=dropout, batch_norm=batch_norm).double()
    return ours, theirs


@pytest.mark.parametrize(("dropout", "batch_norm"), [*CONFIGS, (0.0, False)])
def test_the_layers_keys_and_initial_weights_are_torchs(dropout: float, batch_norm: bool) -> None:
    ours, theirs = twins(dropout, batch_norm)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    check_state("MLP (regularised) init", ours.state_dict(), theirs.state_dict())


Make = Callable[[Any], Any]
OPTIMIZERS: dict[str, tuple[Make, Make]] = {
    "sgd-momentum": (
        lambda p: scratch.optim.SGD(p, lr=0.05, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "adamw": (lambda p: scratch.optim.AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
}


@pytest.mark.parametrize(("dropout", "batch_norm"), CONFIGS)
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_a_whole_run_gives_the_same_losses_weights_and_statistics(dropout: float, batch_norm: bool, opt: str) -> None:
    """The dropout masks come from the global stream in both, batch after batch, between the loader's draws;
    evaluation after each epoch runs in eval mode (no mask, running statistics)."""
    X_train, X_test, y_train, y_test = data()
    ours, theirs = twins(dropout, batch_norm)
    make_ours, make_theirs = OPTIMIZERS[opt]
    scratch.manual_seed(DATA_SEED)
    history = train(
        ours,
        make_loader(X_train, y_train, batch_size=20, shuffle=True),
        scratch.nn.CrossEntropyLoss(),
        make_ours(ours.parameters()),
        4,
        log_every=None,
        test_loader=make_loader(X_test, y_test, batch_size=50),
    )
    torch.manual_seed(DATA_SEED)
    torch_history = torch_train.train(
        theirs,
        torch_data.make_loader(X_train, y_train, batch_size=20, shuffle=True),
        torch.nn.CrossEntropyLoss(),
        make_theirs(theirs.parameters()),
        4,
        log_every=None,
        test_loader=torch_data.make_loader(X_test, y_test, batch_size=50),
    )
    component = f"training with dropout={dropout}, batch_norm={batch_norm}"
    assert_close(component, "loss per step", np.array(history.loss), np.array(torch_history.loss), tol=1e-13)
    assert_close(component, "test loss", np.array(history.test_loss), np.array(torch_history.test_loss), tol=1e-13)
    for key, value in ours.state_dict().items():
        assert_close(component, key, value, theirs.state_dict()[key], tol=1e-13)
    assert_close(component, "the stream after", scratch.rand(4), torch.rand(4), tol=0.0)


def test_eval_turns_dropout_off_and_uses_the_running_statistics() -> None:
    ours, theirs = twins(0.5, True)
    x = np.random.default_rng(0).standard_normal((6, 2))
    ours(x)  # one training forward: masks drawn, running statistics moved
    theirs(torch.from_numpy(x))
    ours.eval(), theirs.eval()
    first = ours(x)
    assert np.array_equal(first, ours(x))  # deterministic: no mask, fixed statistics
    assert_close("MLP eval", "forward", first, theirs(torch.from_numpy(x)))


def setup(side: str) -> dict[str, Any]:
    """A regularised model, AdamW, a shuffling loader with its own generator, and that side's train/save/load."""
    X, y = data()[0], data()[2]
    model = twins(0.2, True)[0 if side == "scratch" else 1]
    if side == "scratch":
        loader = make_loader(X, y, batch_size=20, shuffle=True, generator=scratch.Generator().manual_seed(3))
        kit = {"fit": train, "criterion": scratch.nn.CrossEntropyLoss()}
        kit |= {"save": checkpoint.save_checkpoint, "load": checkpoint.load_checkpoint}
    else:
        loader = torch_data.make_loader(X, y, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(3))
        kit = {"fit": torch_train.train, "criterion": torch.nn.CrossEntropyLoss()}
        kit |= {"save": torch_checkpoint.save_checkpoint, "load": torch_checkpoint.load_checkpoint}
    optimizer = OPTIMIZERS["adamw"][0 if side == "scratch" else 1](model.parameters())
    return kit | {"model": model, "optimizer": optimizer, "loader": loader}


def epochs(run: dict[str, Any], n: int) -> list[float]:
    history = run["fit"](run["model"], run["loader"], run["criterion"], run["optimizer"], n, log_every=None)
    return list(history.loss)


@pytest.mark.parametrize("direction", ["scratch->torch", "torch->scratch"])
def test_a_run_with_buffers_crosses_over_and_continues(direction: str, tmp_path: Path) -> None:
    """Train 2 epochs on one side, save (weights, running statistics, num_batches_tracked, AdamW's state), load on
    the other side, reseed the global stream (the masks to come) and train 2 more: the losses and the final state
    equal those of an uninterrupted run reseeded at the same point."""
    full = setup("scratch")
    losses = epochs(full, 2)
    scratch.manual_seed(99)
    losses += epochs(full, 2)

    first_side, second_side = direction.split("->")
    first, second = setup(first_side), setup(second_side)
    path = tmp_path / "run.npz"
    crossed = epochs(first, 2)
    first["save"](path, first["model"], first["optimizer"])
    second["load"](path, second["model"], second["optimizer"])
    for _ in range(2):  # the loader's own generator replays the two epochs trained on the other side
        for _ in second["loader"]:
            pass
    scratch.manual_seed(99), torch.manual_seed(99)
    crossed += epochs(second, 2)
    assert_close("checkpoint with buffers", "loss per step", np.array(crossed), np.array(losses), tol=1e-12)
    state = {key: np.asarray(value) for key, value in second["model"].state_dict().items()}
    check_state("checkpoint with buffers", state, full["model"].state_dict())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dropout": 1.5}, "between 0 and 1"),
        ({"dropout": -0.1}, "between 0 and 1"),
        ({"batch_norm": "yes"}, "batch_norm must be True or False"),
        ({"activation": "swish"}, "unknown activation"),
    ],
)
def test_bad_options_are_refused_on_both_sides(kwargs: dict[str, Any], match: str) -> None:
    for side in (models.MLP, torch_impl.models.MLP):
        with pytest.raises((ValueError, TypeError), match=match):
            side([2, 4, 3], **kwargs)


def test_a_batch_of_one_in_training_is_refused_and_the_model_is_unchanged() -> None:
    ours, theirs = twins(0.0, True)
    before = ours.state_dict()
    x = np.ones((1, 2))
    check_rejects(lambda: ours(x), lambda: theirs(torch.from_numpy(x)), match="more than 1 value per channel")
    check_state("MLP after a refused batch", ours.state_dict(), before)
