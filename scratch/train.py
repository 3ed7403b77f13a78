"""The training loop and evaluation (~ torch_impl/train.py, line for line).

One training step is four lines in both implementations::

    optimizer.zero_grad()                          # forget the last step's gradients
    out = model(X)                                 # forward: the network's output
    loss = criterion(out, y)                       # how wrong it is: one number
    model.backward_params(criterion.backward())    # manual backprop: dL/dθ for every parameter
    optimizer.step()                               # θ ← θ − update(dL/dθ)

In torch the fourth line is ``loss.backward()``: autograd runs the same chain rule.
``backward_params`` is ``backward`` without the gradient of the input batch, which
nothing uses (autograd skips it too).

The bookkeeping that does not depend on the implementation (``History``,
``Tally``, the log line, the progress bar) is defined here once and shared by
torch_impl/train.py; it reads NumPy arrays (a CPU tensor's ``.numpy()`` is a view).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scratch import checks
from scratch.data import DataLoader
from scratch.nn.module import Array, Module
from scratch.optim import Optimizer

LOG_LINE = "Epoch [{epoch}/{epochs}], Step [{step}/{steps}], Loss: {loss:.4f}"
METRIC_NAMES = {"accuracy": "Accuracy", "mse": "MSE"}
PROGRESS_MIN_STEPS = 1000
"""``progress=None`` shows a progress bar on a terminal for runs of at least this many steps (if tqdm is installed)."""


class Criterion(Protocol):
    """A scratch loss: ``criterion(out, y)`` gives the loss, ``criterion.backward()`` dL/d(out)."""

    def __call__(self, input: Array, target: Array) -> Array: ...

    def backward(self, grad_output: Array | None = None) -> Array: ...


class Tally:
    """Running sums over batches: the mean loss and the metric of everything seen so far.

    The metric is the accuracy (argmax of the output == class index) when the
    targets are integer class indices, and the mean squared error otherwise.
    """

    def __init__(self) -> None:
        self.samples, self.loss_sum, self.metric_sum, self.metric_count = 0, 0.0, 0.0, 0
        self.metric_name = ""

    def add(self, out: Array, y: Array, loss: float) -> None:
        """Record one batch: its output, targets and mean loss."""
        n = len(y)
        self.samples += n
        self.loss_sum += loss * n
        if np.issubdtype(y.dtype, np.integer):
            self.metric_name = "accuracy"
            self.metric_sum += int((out.argmax(axis=1) == y).sum())
            self.metric_count += n
        else:
            self.metric_name = "mse"
            self.metric_sum += float(np.square(out - y, dtype=np.float64).sum())
            self.metric_count += y.size

    @property
    def loss(self) -> float:
        return self.loss_sum / self.samples if self.samples else float("nan")

    @property
    def metric(self) -> float:
        return self.metric_sum / self.metric_count if self.metric_count else float("nan")


@dataclass
class History:
    """What ``train`` returns: the loss of every step, and per epoch the train and test loss and metric.

    ``metric`` names the metric ("accuracy", a fraction in [0, 1], or "mse").  The
    per-epoch train values average the training steps' outputs (no extra pass).
    """

    loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    metric: str = ""

    def end_epoch(self, train: Tally, test: tuple[float, float] | None) -> None:
        self.metric = self.metric or train.metric_name
        self.train_loss.append(train.loss)
        self.train_metric.append(train.metric)
        if test is not None:
            self.test_loss.append(test[0])
            self.test_metric.append(test[1])

    def summary(self, epoch: int, epochs: int) -> str:
        """``Epoch [e/E], Train Loss: ..., Train Accuracy: ...%, Test Loss: ..., Test Accuracy: ...%``."""
        parts = [f"Epoch [{epoch}/{epochs}]"]
        sets = [("Train", self.train_loss, self.train_metric), ("Test", self.test_loss, self.test_metric)]
        for name, losses, metrics in sets:
            if len(losses) == epoch:
                value = f"{100 * metrics[-1]:.2f}%" if self.metric == "accuracy" else f"{metrics[-1]:.4f}"
                parts.append(f"{name} Loss: {losses[-1]:.4f}, {name} {METRIC_NAMES[self.metric]}: {value}")
        return ", ".join(parts)


def progress_bar(total: int, progress: bool | None) -> Any:
    """A tqdm bar over ``total`` steps or None: True/False force it, None shows it for long runs on a terminal."""
    if progress is None:
        progress = total >= PROGRESS_MIN_STEPS and sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        if progress:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from error
        return None
    return tqdm(total=total, unit="step", leave=False)


def check_train_args(epochs: Any, log_every: Any, progress: Any) -> None:
    """``epochs`` ≥ 0 and ``log_every`` ≥ 0 (or None) are ints, ``progress`` is True, False or None."""
    checks.integer("train", "epochs", epochs, minimum=0)
    if log_every is not None:
        checks.integer("train", "log_every", log_every, minimum=0)
    if progress is not None:
        checks.boolean("train", "progress", progress)


def train(
    model: Module,
    loader: DataLoader,
    criterion: Criterion,
    optimizer: Optimizer,
    epochs: int,
    *,
    log_every: int | None = 100,
    progress: bool | None = None,
    test_loader: DataLoader | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``loader``; return the History.

    Prints ``Epoch [e/E], Step [i/N], Loss: x.xxxx`` every ``log_every`` steps and a
    summary line after each epoch (``log_every=None`` or 0: silent).  With
    ``test_loader``, each epoch ends with ``evaluate`` on it (which draws its own
    base seed from the random stream, as any DataLoader does).
    """
    check_train_args(epochs, log_every, progress)
    history = History()
    steps = len(loader)
    bar = progress_bar(epochs * steps, progress)
    log = print if bar is None else bar.write  # bar.write keeps the bar below the log
    for epoch in range(epochs):
        model.train()
        tally = Tally()
        for i, (X, y) in enumerate(loader):
            optimizer.zero_grad()
            out = model(X)
            loss = criterion(out, y)
            model.backward_params(criterion.backward())
            optimizer.step()
            history.loss.append(loss.item())
            tally.add(out, y, history.loss[-1])
            if log_every and (i + 1) % log_every == 0:
                log(LOG_LINE.format(epoch=epoch + 1, epochs=epochs, step=i + 1, steps=steps, loss=history.loss[-1]))
            if bar is not None:
                bar.update()
        history.end_epoch(tally, evaluate(model, test_loader, criterion) if test_loader is not None else None)
        if log_every:
            log(history.summary(epoch + 1, epochs))
    if bar is not None:
        bar.close()
    return history


def evaluate(model: Module, loader: DataLoader, criterion: Criterion) -> tuple[float, float]:
    """(mean loss, accuracy) over ``loader`` — or (mean loss, MSE) for float targets.

    The model runs in eval mode and its previous mode is restored; no parameter
    or gradient changes.
    """
    was_training = model.training
    model.eval()
    tally = Tally()
    try:
        for X, y in loader:
            out = model(X)
            tally.add(out, y, criterion(out, y).item())
    finally:
        model.train(was_training)
    return tally.loss, tally.metric
