"""The run's bookkeeping, the same for both implementations: the history of a training run, its running tallies,
the log line, the progress bar and the checks of ``train``'s options.

It reads NumPy arrays only (torch_impl hands it ``.numpy()`` views of CPU tensors), so both sides count the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from common import Array, checks

LOG_LINE = "Epoch [{epoch}/{epochs}], Step [{step}/{steps}], Loss: {loss:.4f}"
METRIC_NAMES = {"accuracy": "Accuracy", "mse": "MSE"}
PROGRESS_MIN_STEPS = 1000
"""``progress=None`` shows a progress bar on a terminal for runs of at least this many steps (if tqdm is installed)."""


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
        if y.dtype.kind in "iu":
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
                metric = f", {name} {METRIC_NAMES[self.metric]}: {value}" if self.metric else ""  # "": no batch yet
                parts.append(f"{name} Loss: {losses[-1]:.4f}{metric}")
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


def check_train_args(loader: Any, epochs: Any, log_every: Any, progress: Any, test_loader: Any = None) -> None:
    """``loader`` (and ``test_loader``, or None) sized iterables of batches, ``epochs`` ≥ 0 and ``log_every`` ≥ 0
    (or None) ints, ``progress`` True, False or None."""
    check_loader("train", "loader", loader)
    if test_loader is not None:
        check_loader("train", "test_loader", test_loader)
    checks.integer("train", "epochs", epochs, minimum=0)
    if log_every is not None:
        checks.integer("train", "log_every", log_every, minimum=0)
    if progress is not None:
        checks.boolean("train", "progress", progress)


def check_parts(model: Any, criterion: Any, optimizer: Any, module: type, optimizer_class: type) -> None:
    """``model`` an instance of ``module``, ``criterion`` callable, ``optimizer`` an ``optimizer_class``."""
    for what, value, cls in (("model", model, module), ("optimizer", optimizer, optimizer_class)):
        if not isinstance(value, cls):
            raise TypeError(f"train: {what} must be a {cls.__module__}.{cls.__qualname__}, got {type(value).__name__}")
    if not callable(criterion):
        raise TypeError(f"train: criterion must be a loss module (criterion(out, y)), got {type(criterion).__name__}")


def check_loader(where: str, what: str, loader: Any) -> None:
    """A DataLoader, or any iterable of (X, y) batches with a length (the log line counts the steps)."""
    if not (isinstance(loader, Iterable) and isinstance(loader, Sized)) or isinstance(loader, (str, bytes)):
        raise TypeError(
            f"{where}: {what} must be a DataLoader (an iterable of (X, y) batches with a len), "
            f"got {type(loader).__name__}"
        )
