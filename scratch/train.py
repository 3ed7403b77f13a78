"""The training loop and evaluation (~ torch_impl/train.py, line for line).

One training step, ``train_step``, is the same five lines in both implementations::

    optimizer.zero_grad()                          # forget the last step's gradients
    out = model(X)                                 # forward: the network's output
    loss = criterion(out, y)                       # how wrong it is: one number
    model.backward_params(criterion.backward())    # manual backprop: dL/dθ for every parameter
    optimizer.step()                               # θ ← θ − update(dL/dθ)

In torch the fourth line is ``loss.backward()``: autograd runs the same chain rule.
The run's bookkeeping (``History``, ``Tally``, the log line) is common/training.py's.
"""

from __future__ import annotations

from typing import Protocol

from common import Array
from common.training import LOG_LINE, History, Tally, check_loader, check_parts, check_train_args, progress_bar
from scratch.data import DataLoader
from scratch.nn.module import Module
from scratch.optim import Optimizer

__all__ = ["History", "evaluate", "train", "train_step"]


class Criterion(Protocol):
    """A scratch loss: ``criterion(out, y)`` gives the loss, ``criterion.backward()`` dL/d(out)."""

    def __call__(self, input: Array, target: Array) -> Array: ...

    def backward(self, grad_output: Array | None = None) -> Array: ...


def train_step(model: Module, criterion: Criterion, optimizer: Optimizer, X: Array, y: Array) -> tuple[Array, Array]:
    """One step of gradient descent on the batch (X, y); returns the model's output and the loss.

    ``backward_params`` is ``backward`` without dL/dX, the gradient of the data batch, which nothing uses (autograd
    never computes it either): the first layer's input gradient is a third of its matrix products, 2–12% of a
    step in the benchmarks (more the wider the input).
    """
    optimizer.zero_grad()
    out = model(X)
    loss = criterion(out, y)
    model.backward_params(criterion.backward())
    optimizer.step()
    return out, loss


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
    check_parts(model, criterion, optimizer, Module, Optimizer)
    check_train_args(loader, epochs, log_every, progress, test_loader)
    history = History()
    steps = len(loader)
    bar = progress_bar(epochs * steps, progress)
    log = print if bar is None else bar.write  # bar.write keeps the bar below the log
    for epoch in range(epochs):
        model.train()
        tally = Tally()
        for i, (X, y) in enumerate(loader):
            out, loss = train_step(model, criterion, optimizer, X, y)
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
    check_loader("evaluate", "loader", loader)
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
