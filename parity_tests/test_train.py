"""Whole training runs: from the same seed, scratch and torch produce the same loss at every step.

Both sides are built after the same ``manual_seed`` (float64 runs build float32
and call ``.double()``, as torch_semantics §2 explains), shuffle with the same
stream, and train with ``scratch.train.train`` / ``torch_impl.train.train``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

import scratch
import scratch.models
import torch_impl.models
from common import datasets
from parity_tests.harness import assert_close, check_state, to_numpy
from scratch.train import History, evaluate, train
from torch_impl import data as torch_data
from torch_impl import train as torch_train


@dataclass
class Run:
    """One training configuration, built identically on both sides."""

    model: tuple[Any, ...]  # ("simple", in, hidden, out) or ("mlp", sizes, activation)
    optimizer: tuple[str, dict[str, Any]]
    data: str
    epochs: int
    batch_size: int = 16
    generator: int | None = None  # the DataLoader's generator seed; None: the global stream
    drop_last: bool = False


RUNS = {
    "simple-relu-sgd-momentum": Run(("simple", 2, 32, 3), ("SGD", {"lr": 0.05, "momentum": 0.9}), "blobs", 100),
    "tanh-nesterov-wd": Run(
        ("mlp", [2, 16, 16, 3], "tanh"),
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
        "spirals",
        100,
        generator=3,
    ),
    "elu-adam-regression": Run(
        ("mlp", [1, 32, 32, 1], "elu"), ("Adam", {"lr": 3e-3}), "sine", 125, generator=4, batch_size=20
    ),
    "relu-adamw-drop-last": Run(
        ("mlp", [2, 16, 16, 2], "relu"), ("AdamW", {"lr": 5e-3, "weight_decay": 0.05}), "moons", 100, drop_last=True
    ),
}


def make_data(name: str, dtype: Any) -> list[np.ndarray[Any, Any]]:
    n = 170 if name == "moons" else 160
    X, y = getattr(datasets, name)(n_samples=n, seed=2, dtype=dtype)
    return datasets.train_test_split(X, y, test_size=10, seed=0)


SIDES: dict[str, tuple[Any, ...]] = {
    "scratch": (scratch.nn, scratch.models, scratch.optim, scratch.data, scratch.manual_seed, train),
    "torch": (torch.nn, torch_impl.models, torch.optim, torch_data, torch.manual_seed, torch_train.train),
}


def build(run: Run, dtype: Any, side: str) -> tuple[Any, Any, Any, Any, Any]:
    """(model, optimizer, criterion, loader, test loader) for 'scratch' or 'torch', after manual_seed(0)."""
    nn, models, optim, data, manual_seed, _ = SIDES[side]
    manual_seed(0)
    kind, *args = run.model
    model = models.SimpleMLP(*args) if kind == "simple" else models.MLP(*args)
    if dtype == np.float64:
        model = model.double()
    name, options = run.optimizer
    optimizer = getattr(optim, name)(model.parameters(), **options)
    criterion = nn.MSELoss() if run.data == "sine" else nn.CrossEntropyLoss()
    X_train, X_test, y_train, y_test = make_data(run.data, dtype)
    generator = None
    if run.generator is not None:
        generator = (scratch.Generator() if side == "scratch" else torch.Generator()).manual_seed(run.generator)
    loader = data.make_loader(
        X_train, y_train, batch_size=run.batch_size, shuffle=True, drop_last=run.drop_last, generator=generator
    )
    return model, optimizer, criterion, loader, data.make_loader(X_test, y_test, batch_size=64)


def assert_same_history(component: str, ours: History, theirs: History, dtype: Any, tol: float) -> None:
    """Every recorded number agrees (as ``dtype``: a float32 run's losses are float32 values)."""
    assert_close(component, "loss per step", np.array(ours.loss, dtype), np.array(theirs.loss, dtype), tol=tol)
    assert ours.metric == theirs.metric
    for field in ("train_loss", "train_metric", "test_loss", "test_metric"):
        ours_values, theirs_values = np.array(getattr(ours, field), dtype), np.array(getattr(theirs, field), dtype)
        assert_close(component, field, ours_values, theirs_values, tol=tol)


@pytest.mark.parametrize("name", list(RUNS))
@pytest.mark.parametrize(("dtype", "tol"), [(np.float64, 1e-12), (np.float32, 1e-4)])
def test_whole_runs_agree(name: str, dtype: Any, tol: float) -> None:
    run = RUNS[name]
    model, optimizer, criterion, loader, test_loader = build(run, dtype, "scratch")
    torch_model, torch_optimizer, torch_criterion, torch_loader, torch_test_loader = build(run, dtype, "torch")
    check_state(f"train {name}", model.state_dict(), torch_model.state_dict())  # the same initial weights
    ours = train(model, loader, criterion, optimizer, run.epochs, log_every=None, test_loader=test_loader)
    theirs = torch_train.train(
        torch_model,
        torch_loader,
        torch_criterion,
        torch_optimizer,
        run.epochs,
        log_every=None,
        test_loader=torch_test_loader,
    )
    assert len(ours.loss) >= 1000
    assert ours.metric == ("mse" if run.data == "sine" else "accuracy")
    assert_same_history(f"train {name}", ours, theirs, dtype, tol)
    for key, value in model.state_dict().items():
        assert_close(f"train {name}", key, value, torch_model.state_dict()[key], tol=tol)
    assert ours.train_loss[-1] < ours.train_loss[0]
    assert scratch.default_generator.random64() == torch.empty((), dtype=torch.int64).random_().item()


def test_digits_reach_97_percent_in_both() -> None:
    X, y = datasets.load_digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=0)
    X_train, X_test = datasets.standardize(X_train, X_test)
    histories, predictions = [], []
    for side in ("scratch", "torch"):
        nn, models, optim, data, manual_seed, train_fn = SIDES[side]
        manual_seed(0)
        model = models.SimpleMLP(64, 128, 10)
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        loader = data.make_loader(X_train, y_train, batch_size=32, shuffle=True)
        test_loader = data.make_loader(X_test, y_test, batch_size=500)
        histories.append(
            train_fn(model, loader, nn.CrossEntropyLoss(), optimizer, 20, log_every=None, test_loader=test_loader)
        )
        predictions.append(to_numpy(model(data.as_tensor(X_test) if side == "torch" else X_test).argmax(1)))
    assert_same_history("train digits", histories[0], histories[1], np.float32, tol=1e-4)
    np.testing.assert_array_equal(predictions[0], predictions[1])
    assert histories[0].test_metric[-1] == histories[1].test_metric[-1] == np.mean(predictions[0] == y_test)
    assert histories[0].test_metric[-1] >= 0.97


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_lines_and_summaries_match(dtype: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run = Run(("mlp", [2, 8, 3], "relu"), ("SGD", {"lr": 0.1}), "blobs", 2, batch_size=32)
    model, optimizer, criterion, loader, test_loader = build(run, dtype, "scratch")
    train(model, loader, criterion, optimizer, 2, log_every=2, progress=False, test_loader=test_loader)
    ours = capsys.readouterr().out.splitlines()
    model, optimizer, criterion, loader, test_loader = build(run, dtype, "torch")
    torch_train.train(model, loader, criterion, optimizer, 2, log_every=2, progress=False, test_loader=test_loader)
    theirs = capsys.readouterr().out.splitlines()
    assert ours == theirs
    assert ours[0].startswith("Epoch [1/2], Step [2/5], Loss: ")
    assert len(ours[0].split("Loss: ")[1]) == 6  # x.xxxx
    assert ours[2].startswith("Epoch [1/2], Train Loss: ")
    assert "Test Accuracy: " in ours[2]
    assert len(ours) == 6


def test_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    run = Run(("simple", 2, 8, 3), ("SGD", {"lr": 0.1}), "blobs", 1, batch_size=16)
    model, optimizer, criterion, loader, _ = build(run, np.float64, "scratch")
    history = train(model, loader, criterion, optimizer, 2, log_every=5, progress=True)
    out, err = capsys.readouterr()
    assert "Epoch [2/2], Step [5/10], Loss: " in out
    assert "20/20" in err
    assert len(history.loss) == 20
    assert history.test_loss == []
    assert history.test_metric == []


@pytest.mark.parametrize("data", ["blobs", "sine"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_evaluate_changes_nothing_and_restores_the_mode(data: str, mode: str) -> None:
    run = Run(("mlp", [1 if data == "sine" else 2, 8, 1 if data == "sine" else 3], "tanh"), ("SGD", {}), data, 1)
    model, _, criterion, loader, _ = build(run, np.float64, "scratch")
    torch_model, _, torch_criterion, torch_loader, _ = build(run, np.float64, "torch")
    model.train(mode == "train")
    torch_model.train(mode == "train")
    before = model.state_dict()
    loss, metric = evaluate(model, loader, criterion)
    torch_loss, torch_metric = torch_train.evaluate(torch_model, torch_loader, torch_criterion)
    assert model.training == torch_model.training == (mode == "train")
    assert all(p.grad is None for p in model.parameters())
    assert all(p.grad is None for p in torch_model.parameters())
    check_state("evaluate", model.state_dict(), before)
    assert_close("evaluate", "loss", np.array(loss), np.array(torch_loss), tol=1e-12)
    assert_close("evaluate", "metric", np.array(metric), np.array(torch_metric), tol=1e-12)
    X, y = loader.dataset.arrays
    if data == "sine":
        assert metric == pytest.approx(float(np.mean((model(X) - y) ** 2)), rel=1e-12)
        assert loss == pytest.approx(metric, rel=1e-12)
        history = train(model, loader, criterion, scratch.optim.SGD(model.parameters()), 1, log_every=None)
        assert history.summary(1, 1).startswith("Epoch [1/1], Train Loss: ")
        assert "Train MSE: " in history.summary(1, 1)
    else:
        assert metric == np.mean(model(X).argmax(axis=1) == y)


def test_the_regression_metric_averages_over_every_element() -> None:
    """With several outputs per sample the MSE divides by N·k, as MSELoss does: not by the N rows."""
    from common.training import Tally

    rng = np.random.default_rng(0)
    tally = Tally()
    batches = [(rng.standard_normal((n, 3)), rng.standard_normal((n, 3))) for n in (4, 5)]
    for out, y in batches:
        tally.add(out, y, 0.0)
    out, y = (np.concatenate(parts) for parts in zip(*batches, strict=True))
    expected = torch.nn.functional.mse_loss(torch.from_numpy(out), torch.from_numpy(y)).item()
    assert tally.metric_name == "mse"
    assert tally.metric == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("part", "bad", "match"),
    [
        ("loader", None, "loader must be a DataLoader"),
        ("loader", 3, "loader must be a DataLoader"),
        ("loader", "batches", "loader must be a DataLoader"),
        ("loader", iter([]), "loader must be a DataLoader"),  # no len: the log line counts the steps
        ("test_loader", 3, "test_loader must be a DataLoader"),
        ("model", None, "model must be a"),
        ("optimizer", None, "optimizer must be a"),
        ("criterion", None, "criterion must be a loss"),
    ],
)
@pytest.mark.parametrize("side", ["scratch", "torch"])
def test_train_names_a_missing_or_wrong_part(side: str, part: str, bad: Any, match: str) -> None:
    """Before anything is drawn or trained, in both implementations (and evaluate's loader too)."""
    run = Run(("simple", 2, 8, 3), ("SGD", {"lr": 0.1}), "blobs", 1, batch_size=16)
    model, optimizer, criterion, loader, _ = build(run, np.float64, side)
    parts = {"model": model, "loader": loader, "criterion": criterion, "optimizer": optimizer, "test_loader": None}
    parts[part] = bad
    fit, check = (train, evaluate) if side == "scratch" else (torch_train.train, torch_train.evaluate)
    before = scratch.default_generator.get_state()["mt19937"]["state"]["key"].copy(), torch.get_rng_state()
    with pytest.raises(TypeError, match=match):
        fit(parts.pop("model"), parts.pop("loader"), parts.pop("criterion"), parts.pop("optimizer"), 1, **parts)
    if part == "loader":
        with pytest.raises(TypeError, match=f"evaluate: {match}"):
            check(model, bad, criterion)
    np.testing.assert_array_equal(scratch.default_generator.get_state()["mt19937"]["state"]["key"], before[0])
    assert torch.equal(torch.get_rng_state(), before[1])


def test_an_empty_loader_trains_nothing_and_logs_like_in_torch(capsys: pytest.CaptureFixture[str]) -> None:
    """No batch, no metric: the summary gives the (NaN) loss only, the same on both sides, instead of a KeyError."""
    X, y = np.zeros((0, 2)), np.zeros(0, np.int64)
    scratch.manual_seed(0)
    model = scratch.models.SimpleMLP(2, 4, 3)
    history = train(
        model,
        scratch.data.make_loader(X, y, batch_size=4),
        scratch.nn.CrossEntropyLoss(),
        scratch.optim.SGD(model.parameters()),
        2,
        log_every=1,
    )
    ours = capsys.readouterr().out
    torch_model = torch_impl.models.SimpleMLP(2, 4, 3)
    torch_history = torch_train.train(
        torch_model,
        torch_data.make_loader(X, y, batch_size=4),
        torch.nn.CrossEntropyLoss(),
        torch.optim.SGD(torch_model.parameters()),
        2,
        log_every=1,
    )
    assert ours == capsys.readouterr().out == "Epoch [1/2], Train Loss: nan\nEpoch [2/2], Train Loss: nan\n"
    assert history.loss == torch_history.loss == []
    assert np.isnan(history.train_loss).all() and np.isnan(torch_history.train_loss).all()
