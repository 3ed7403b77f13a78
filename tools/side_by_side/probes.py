"""Fixed-seed probes: run a scratch component and its torch twin on one deterministic input and compare.

Every comparison goes through ``check`` (common/parity.py's metric and tolerances, as in the parity tests, so a
probe that disagrees fails loudly).  ``measure`` runs a probe in both dtypes and returns the worst error of each
and whether it was bit-exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import scratch
import scratch.data
import scratch.optim
from common import Array
from common.parity import ParityReport
from scratch.models import SimpleMLP
from scratch.nn import Parameter
from torch_impl import data as torch_data
from torch_impl import models as torch_models

Probe = Callable[[np.dtype[Any]], None]
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
TORCH_DTYPE = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}
SEED = 0


REPORT = ParityReport()  # the probe being measured records here


def check(what: str, actual: Any, expected: Any, tol: float | None = None) -> None:
    REPORT.check("probe", what, actual, expected, tol)


def measure(probe: Probe) -> dict[str, tuple[float, bool]]:
    """{"float64": (worst error, bit-exact), "float32": (...)} for one probe."""
    results = {}
    for dtype in DTYPES:
        REPORT.records.clear()
        probe(dtype)
        records = list(REPORT.records.values())
        if not records:
            raise RuntimeError("the probe compared nothing")
        results[str(dtype)] = (max(r.worst for r in records), all(r.bit_exact for r in records))
    return results


def sample(shape: Sequence[int], dtype: np.dtype[Any], seed: int = SEED) -> Array:
    """Standard-normal values with an exact zero first (every kink is at 0)."""
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    x.flat[0] = 0
    return x


# ---- layers and models ------------------------------------------------------------------------
def module(scratch_factory: Callable[[], Any], torch_factory: Callable[[], Any], shape: Sequence[int]) -> Probe:
    """Both twins built after the same manual_seed (so initial weights must match too), then forward and
    backward on one input: the output, dL/dx and every dL/dθ are compared."""

    def probe(dtype: np.dtype[Any]) -> None:
        scratch.manual_seed(SEED)
        ours = scratch_factory().to(dtype)
        torch.manual_seed(SEED)
        theirs = torch_factory().to(TORCH_DTYPE[dtype])
        for (name, p), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            check(f"initial {name}", p.data, p_t)
        x = sample(shape, dtype)
        xt = torch.tensor(x, requires_grad=True)
        out, out_t = ours(x.copy()), theirs(xt)
        check("forward", out, out_t)
        g = np.random.default_rng(SEED).standard_normal(out.shape).astype(dtype)
        check("input gradient", ours.backward(g.copy()), _backward(out_t, g, xt))
        for (name, p), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            check(f"{name}.grad", p.grad, p_t.grad)

    return probe


def perceptron(scratch_factory: Callable[[int], Any], torch_factory: Callable[[int], Any]) -> Probe:
    """AND, OR and XOR learned by both: the weights, the bias, the mistakes per epoch and the predictions."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    targets = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}

    def probe(dtype: np.dtype[Any]) -> None:
        for name, y in targets.items():
            ours, theirs = scratch_factory(2).to(dtype), torch_factory(2).to(TORCH_DTYPE[dtype])
            Xd, yd = X.astype(dtype), np.array(y, dtype=dtype)
            history = ours.fit(Xd, yd, lr=0.5, max_epochs=10)
            history_t = theirs.fit(torch.from_numpy(Xd), torch.from_numpy(yd), lr=0.5, max_epochs=10)
            check(f"{name} mistakes", np.array(history), np.array(history_t))
            check(f"{name} weight", ours.weight.data, theirs.weight)
            check(f"{name} bias", ours.bias.data, theirs.bias)
            check(f"{name} predictions", ours(Xd), theirs(torch.from_numpy(Xd)))

    return probe


def _backward(out: torch.Tensor, grad_output: Array, x: torch.Tensor) -> torch.Tensor:
    """torch's dL/dx for the upstream gradient ``grad_output`` (autograd also fills every parameter's .grad)."""
    out.backward(torch.from_numpy(grad_output.copy()))
    assert x.grad is not None
    return x.grad


# ---- losses -------------------------------------------------------------------------------------
LOSS_DATA = {
    "values": "values and regression targets",
    "probabilities": "probabilities and soft targets",
    "binary": "logits and 0/1 targets",
    "classes": "logits and class indices",
    "log_probabilities": "log-probabilities and class indices",
}


def loss(scratch_factory: Callable[[], Any], torch_factory: Callable[[], Any], target: str) -> Probe:
    """Loss value and dL/dinput (reduction 'mean') for a (6, 3) input; ``target`` (a key of LOSS_DATA) says
    what the input and the target hold."""
    if target not in LOSS_DATA:
        raise ValueError(f"loss probe: target must be one of {sorted(LOSS_DATA)}, got {target!r}")

    def probe(dtype: np.dtype[Any]) -> None:
        x = sample((6, 3), dtype)
        rng = np.random.default_rng(SEED + 1)
        if target == "values":
            y = sample(x.shape, dtype, seed=SEED + 1)  # and a tie at [0, 0]: the kink of L1
        elif target == "probabilities":
            x, y = scratch.nn.functional.sigmoid(x), rng.random(x.shape).astype(dtype)
        elif target == "binary":
            y = rng.integers(0, 2, size=x.shape).astype(dtype)
        else:
            y = rng.integers(0, x.shape[1], size=x.shape[0])
            if target == "log_probabilities":
                x = scratch.nn.functional.log_softmax(x, dim=1)
        criterion = scratch_factory()
        value = criterion(x, y)
        grad = criterion.backward()
        xt = torch.tensor(x, requires_grad=True)
        value_t = torch_factory()(xt, torch.from_numpy(y))
        value_t.backward()
        check("loss", value, value_t)
        check("input gradient", grad, xt.grad)

    return probe


# ---- optimizers ---------------------------------------------------------------------------------
def optimizer(scratch_factory: Callable[[list[Parameter]], Any], torch_factory: Callable[[list[Any]], Any]) -> Probe:
    """Ten steps on a (3, 4) weight and a (4,) bias, fed the same gradients: the parameters after every step."""
    steps, shapes = 10, [(3, 4), (4,)]

    def probe(dtype: np.dtype[Any]) -> None:
        rng = np.random.default_rng(SEED)
        start = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
        ours = [Parameter(a.copy()) for a in start]
        theirs = [torch.nn.Parameter(torch.tensor(a)) for a in start]
        opt, opt_t = scratch_factory(ours), torch_factory(theirs)
        for step in range(steps):
            for p, p_t in zip(ours, theirs, strict=True):
                g = rng.standard_normal(p.shape).astype(dtype)
                p.grad, p_t.grad = g.copy(), torch.tensor(g)
            opt.step()
            opt_t.step()
            for i, (p, p_t) in enumerate(zip(ours, theirs, strict=True)):
                check(f"step {step} param {i}", p.data, p_t)

    return probe


# ---- data and training ----------------------------------------------------------------------------
def loader(scratch_factory: Callable[..., Any], torch_factory: Callable[..., Any]) -> Probe:
    """Three shuffled epochs from one generator seed: every batch, exactly."""

    def probe(dtype: np.dtype[Any]) -> None:
        X, y = sample((10, 3), dtype), np.arange(10)
        ours = scratch_factory(X, y, batch_size=4, shuffle=True, generator=scratch.Generator().manual_seed(SEED))
        theirs = torch_factory(X, y, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(SEED))
        for epoch in range(3):
            for i, (batch, batch_t) in enumerate(zip(ours, theirs, strict=True)):
                for a, t in zip(batch, batch_t, strict=True):
                    check(f"epoch {epoch} batch {i}", a, t, tol=0.0)

    return probe


def training(scratch_train: Callable[..., Any], torch_train: Callable[..., Any]) -> Probe:
    """SimpleMLP(4, 8, 3) trained by both loops for three shuffled epochs (cross-entropy, SGD with momentum):
    the loss of every step and the final parameters."""

    def probe(dtype: np.dtype[Any]) -> None:
        rng = np.random.default_rng(SEED)
        X, y = rng.standard_normal((24, 4)).astype(dtype), rng.integers(0, 3, 24)
        scratch.manual_seed(SEED)
        ours = SimpleMLP(4, 8, 3).to(dtype)
        torch.manual_seed(SEED)
        theirs = torch_models.SimpleMLP(4, 8, 3).to(TORCH_DTYPE[dtype])
        loader = scratch.data.make_loader(
            X, y, batch_size=8, shuffle=True, generator=scratch.Generator().manual_seed(1)
        )
        loader_t = torch_data.make_loader(X, y, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(1))
        sgd = scratch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
        sgd_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
        quiet = {"log_every": None, "progress": False}
        history = scratch_train(ours, loader, scratch.nn.CrossEntropyLoss(), sgd, 3, **quiet)
        history_t = torch_train(theirs, loader_t, torch.nn.CrossEntropyLoss(), sgd_t, 3, **quiet)
        check("losses", np.array(history.loss, dtype), np.array(history_t.loss, dtype))
        for key, value in theirs.state_dict().items():
            check(key, ours.state_dict()[key], value)

    return probe


def autograd_model(scratch_factory: Callable[[], Any], torch_factory: Callable[[], Any], shape: Sequence[int]) -> Probe:
    """A model on scratch.autograd and its torch twin from the same seed: the cross-entropy loss of one batch,
    then ``loss.backward()`` on both sides and every dL/dθ."""
    from scratch.autograd import Tensor
    from scratch.autograd import functional as F

    def probe(dtype: np.dtype[Any]) -> None:
        scratch.manual_seed(SEED)
        ours = scratch_factory().to(dtype)
        torch.manual_seed(SEED)
        theirs = torch_factory().to(TORCH_DTYPE[dtype])
        x = sample(shape, dtype)
        y = np.arange(shape[0]) % 3
        loss = F.cross_entropy(ours(Tensor(x)), y)
        loss_t = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        check("loss", loss.data, loss_t)
        loss.backward()
        loss_t.backward()
        for (name, p), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            check(f"{name}.grad", p.grad, p_t.grad)

    return probe
