"""The contenders: the same MLP, data and phases, built on each side.

A grid point is (batch, width, depth, dtype): the network is ``MLP([width] * (depth + 1) + [classes])``
with ReLU, so ``depth`` hidden layers of ``width`` units on an input of ``width`` features.  Both sides
start from the same weights (torch's are copied from scratch's) and see the same arrays.

Phases, each timed on its own:
  forward   the training-mode forward (torch records its autograd graph; scratch caches for backward);
  backward  dL/dlogits given, back to every parameter gradient (untimed forward before each call);
  sgd, adam one optimizer step over gradients that are already there;
  step      one training step, each side's ``train_step``: zero_grad, forward, cross-entropy, backward, Adam;
  epoch     one pass of the training loop over a data set of ``EPOCH_BATCHES`` batches.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import scratch
import torch_impl.models
from benchmarks.timing import Task
from scratch import models as scratch_models
from torch_impl.train import train_step

PHASES = ("forward", "backward", "sgd", "adam", "step", "epoch")
EPOCH_BATCHES = 8
LR = {"sgd": 0.01, "adam": 1e-3}


@dataclass(frozen=True)
class Point:
    batch: int
    width: int
    depth: int = 2
    classes: int = 10
    dtype: str = "float32"

    @property
    def sizes(self) -> list[int]:
        return [self.width] * (self.depth + 1) + [self.classes]

    def forward_flops(self) -> int:
        """2·B·in·out per Linear layer."""
        return sum(2 * self.batch * n_in * n_out for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True))

    def matmul_flops(self, phase: str) -> int:
        """FLOPs of the matrix products: backward is twice the forward less the first layer's input gradient."""
        fwd = self.forward_flops()
        skipped = 2 * self.batch * self.sizes[0] * self.sizes[1]
        per_batch = {"forward": fwd, "backward": 2 * fwd - skipped, "step": 3 * fwd - skipped}
        if phase == "epoch":
            return EPOCH_BATCHES * per_batch["step"]
        return per_batch.get(phase, 0)

    def label(self) -> str:
        return f"{self.batch}x{self.width}"


@dataclass
class Problem:
    """The arrays both sides share: inputs, labels, dL/dlogits, and stand-in gradients for the optimizer phases."""

    x: np.ndarray
    y: np.ndarray
    g: np.ndarray
    epoch_x: np.ndarray
    epoch_y: np.ndarray

    @classmethod
    def make(cls, point: Point, seed: int = 0) -> Problem:
        rng = np.random.default_rng(seed)
        dtype = np.dtype(point.dtype)
        n = point.batch * EPOCH_BATCHES
        epoch_x = rng.standard_normal((n, point.width)).astype(dtype)
        epoch_y = rng.integers(0, point.classes, n)
        g = (rng.standard_normal((point.batch, point.classes)) / point.batch).astype(dtype)
        return cls(epoch_x[: point.batch], epoch_y[: point.batch], g, epoch_x, epoch_y)


def missing_scratch_parts() -> dict[str, str]:
    """Phases that cannot run (yet) because a scratch name is missing: {phase: reason}."""
    needs = {
        "sgd": ["scratch.optim:SGD"],
        "adam": ["scratch.optim:Adam"],
        "step": ["scratch.optim:Adam", "scratch.nn:CrossEntropyLoss"],
        "epoch": [
            "scratch.optim:Adam",
            "scratch.nn:CrossEntropyLoss",
            "scratch.data:make_loader",
            "scratch.train:train",
        ],
    }
    missing = {}
    for phase, names in needs.items():
        absent = [name for name in names if not _importable(name)]
        if absent:
            missing[phase] = "scratch lacks " + ", ".join(absent)
    return missing


def _importable(name: str) -> bool:
    module, _, attr = name.partition(":")
    try:
        return hasattr(importlib.import_module(module), attr) if attr else True
    except ImportError:
        return False


class ScratchContender:
    """The NumPy implementation (scratch/), driven the way its training loop drives it: its default optimizers
    (the plain rule, one parameter at a time), or ``Adam(fused=True)``."""

    def __init__(self, name: str, point: Point, problem: Problem, fused: bool = False) -> None:
        self.name, self.point, self.p, self.fused = name, point, problem, fused
        scratch.manual_seed(0)
        self.model = scratch_models.MLP(point.sizes).to(np.dtype(point.dtype))

    def state_dict(self) -> dict[str, np.ndarray]:
        return self.model.state_dict()

    def output(self) -> np.ndarray:
        return self.model(self.p.x)

    def forward(self) -> Task:
        model, x = self.model, self.p.x
        return Task(self.name, lambda: model(x))

    def backward(self) -> Task:
        model, x, g = self.model, self.p.x, self.p.g

        def setup() -> None:
            model.zero_grad()
            model(x)

        return Task(self.name, lambda: model.backward_params(g), setup=setup)

    def _optimizer(self, kind: str) -> Any:
        from scratch import optim

        params = list(self.model.parameters())
        if kind == "sgd":
            return optim.SGD(params, lr=LR["sgd"], momentum=0.9, fused=self.fused or None)
        return optim.Adam(params, lr=LR["adam"], fused=self.fused or None)

    def optimizer(self, kind: str) -> Task:
        rng = np.random.default_rng(1)
        for param in self.model.parameters():
            param.grad = rng.standard_normal(param.shape).astype(param.dtype)
        return Task(self.name, self._optimizer(kind).step)

    def _train_step(self) -> Callable[[np.ndarray, np.ndarray], Any]:
        from scratch import nn
        from scratch.train import train_step

        model, criterion, opt = self.model, nn.CrossEntropyLoss(), self._optimizer("adam")
        return lambda x, y: train_step(model, criterion, opt, x, y)

    def step(self) -> Task:
        step, x, y = self._train_step(), self.p.x, self.p.y
        return Task(self.name, lambda: step(x, y))

    def epoch(self) -> Task:
        from scratch import data, nn, train

        gen = scratch.Generator().manual_seed(0)
        loader = data.make_loader(
            self.p.epoch_x, self.p.epoch_y, batch_size=self.point.batch, shuffle=True, generator=gen
        )
        model, criterion, opt = self.model, nn.CrossEntropyLoss(), self._optimizer("adam")
        return Task(self.name, lambda: train.train(model, loader, criterion, opt, 1, log_every=None, progress=False))


class TorchContender:
    """torch eager (default Adam or ``fused=True``), ``torch.compile``d, or on a GPU."""

    def __init__(
        self,
        name: str,
        point: Point,
        problem: Problem,
        state: dict[str, np.ndarray],
        device: str = "cpu",
        fused: bool = False,
        compiled: bool = False,
    ) -> None:
        self.name, self.point, self.fused, self.compiled = name, point, fused, compiled
        self.device = torch.device(device)
        dtype = getattr(torch, point.dtype)
        model = torch_impl.models.MLP(point.sizes).to(dtype)
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
        self.model = model.to(self.device)
        self.x, self.y, self.g, self.epoch_x, self.epoch_y = (
            torch.from_numpy(a).to(self.device)
            for a in (problem.x, problem.y, problem.g, problem.epoch_x, problem.epoch_y)
        )
        self.sync = torch.cuda.synchronize if self.device.type == "cuda" else None
        self.compile_s: float | None = None

    def output(self) -> np.ndarray:
        with torch.no_grad():
            return self.model(self.x).cpu().numpy()

    def forward(self) -> Task:
        model, x = self.model, self.x
        return Task(self.name, lambda: model(x), sync=self.sync)

    def backward(self) -> Task:
        model, x, g = self.model, self.x, self.g
        out: list[torch.Tensor] = []

        def setup() -> None:
            model.zero_grad(set_to_none=True)
            out[:] = [model(x)]

        def backward() -> None:
            torch.autograd.backward(out[0], g)

        return Task(self.name, backward, setup=setup, sync=self.sync)

    def _optimizer(self, kind: str) -> torch.optim.Optimizer:
        params = list(self.model.parameters())
        if kind == "sgd":
            return torch.optim.SGD(params, lr=LR["sgd"], momentum=0.9)
        return torch.optim.Adam(params, lr=LR["adam"], fused=True if self.fused else None)

    def optimizer(self, kind: str) -> Task:
        gen = torch.Generator().manual_seed(1)
        for param in self.model.parameters():
            param.grad = torch.randn(param.shape, generator=gen, dtype=param.dtype).to(self.device)
        return Task(self.name, self._optimizer(kind).step, sync=self.sync)

    def _train_step(self) -> Callable[[torch.Tensor, torch.Tensor], Any]:
        model: Callable[[torch.Tensor], torch.Tensor] = self.model
        if self.compiled:
            model = torch.compile(self.model)
        criterion, opt = torch.nn.CrossEntropyLoss(), self._optimizer("adam")

        def step(x: torch.Tensor, y: torch.Tensor) -> Any:
            return train_step(model, criterion, opt, x, y)  # type: ignore[arg-type]  # a compiled module too

        if self.compiled:
            start = time.perf_counter()
            step(self.x, self.y)
            if self.sync:
                self.sync()
            self.compile_s = time.perf_counter() - start
        return step

    def step(self) -> Task:
        step, x, y = self._train_step(), self.x, self.y
        return Task(self.name, lambda: step(x, y), sync=self.sync)

    def epoch(self) -> Task:
        if self.device.type == "cuda":  # the training loop reads outputs as NumPy arrays: loop here instead
            step, xs, ys, batch = self._train_step(), self.epoch_x, self.epoch_y, self.point.batch

            def on_device() -> None:
                for i in torch.split(torch.randperm(len(xs), device=self.device), batch):
                    step(xs[i], ys[i])

            return Task(self.name, on_device, sync=self.sync)
        from torch_impl import data, train

        gen = torch.Generator().manual_seed(0)
        loader = data.make_loader(self.epoch_x, self.epoch_y, batch_size=self.point.batch, shuffle=True, generator=gen)
        model: Any = torch.compile(self.model) if self.compiled else self.model
        criterion, opt = torch.nn.CrossEntropyLoss(), self._optimizer("adam")
        return Task(self.name, lambda: train.train(model, loader, criterion, opt, 1, log_every=None, progress=False))
