"""What a learner steps through: the Python functions entered by one default call of each concept.

``python -m tools.trace`` prints, for each concept's default call on the public API (after a warm-up call), the
number of Python functions entered (counting each entry) and the files they live in, within the project and in
all (NumPy's own Python-level helpers included).  A debugger's "step into" visits exactly these functions, so the
table measures how far the maths of a docstring is from the code that runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Trace:
    """The functions a call entered, in order, as (file, function name)."""

    calls: list[tuple[str, str]]

    def project(self) -> list[tuple[str, str]]:
        return [(f, n) for f, n in self.calls if _in_project(f)]

    def files(self, project_only: bool = True) -> list[str]:
        calls = self.project() if project_only else self.calls
        return sorted({str(Path(f).relative_to(ROOT)) if _in_project(f) else f for f, _ in calls})


def _in_project(filename: str) -> bool:
    path = Path(filename)
    return path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / ".venv")


def trace(call: Callable[[], Any]) -> Trace:
    """Run ``call`` once and record every Python function it enters (C functions are not steps)."""
    calls: list[tuple[str, str]] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls.append((frame.f_code.co_filename, frame.f_code.co_qualname))

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return Trace(calls[1:])  # calls[0] is ``call`` itself


def scenarios() -> dict[str, Callable[[], Any]]:
    """The default call of each concept, set up and warmed up: name → the call to trace."""
    import scratch
    from scratch import nn, optim
    from scratch.models import SimpleMLP

    scratch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 20)).astype(np.float32)
    y = rng.integers(0, 10, 32)

    def layer(module: nn.Module, data: Any = x) -> Callable[[], Any]:
        g = np.ones_like(module(data))

        def call() -> Any:
            module(data)
            return module.backward(g)

        return call

    def criterion(loss: nn.Module, out: Any, target: Any) -> Callable[[], Any]:
        def call() -> Any:
            loss(out, target)
            return loss.backward()

        return call

    model, ce = SimpleMLP(20, 64, 10), nn.CrossEntropyLoss()

    def mlp() -> Any:
        ce(model(x), y)
        return model.backward(ce.backward())

    def stepper(make: Callable[[list[nn.Parameter]], optim.Optimizer]) -> Callable[[], Any]:
        params = [nn.Parameter(rng.standard_normal(s).astype(np.float32)) for s in ((64, 20), (64,), (10, 64), (10,))]
        for p in params:
            p.grad = np.ones_like(p.data)
        return make(params).step

    logits = rng.standard_normal((32, 10)).astype(np.float32)
    return {
        "Linear forward + backward": layer(nn.Linear(20, 10)),
        "ReLU forward + backward": layer(nn.ReLU()),
        "Sigmoid forward + backward": layer(nn.Sigmoid()),
        "CrossEntropyLoss forward + backward": criterion(nn.CrossEntropyLoss(), logits, y),
        "MSELoss forward + backward": criterion(nn.MSELoss(), logits, np.zeros_like(logits)),
        "an MLP: forward, loss, backward": mlp,
        "Adam.step() on 4 parameters": stepper(lambda ps: optim.Adam(ps)),
        "SGD(momentum=0.9).step() on 4 parameters": stepper(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
        "BatchNorm1d (train) forward + backward": layer(nn.BatchNorm1d(20)),
        "Dropout (train) forward + backward": layer(nn.Dropout(0.5)),
    }


def table() -> list[tuple[str, Trace]]:
    rows = []
    for name, call in scenarios().items():
        call()  # warm-up: first-call set-up (optimizer state) is not the path a learner steps through each time
        rows.append((name, trace(call)))
    return rows
