"""``optimizers`` answered by ``scratch.optim.SGD`` and ``scratch.optim.Adam``, driven through a Parameter.

Each run of steps on one array gets one optimizer, made at its first step (no buffer yet, step 1) and kept for
the next: the optimizer's own state carries the buffer and moments, which are read back into the caller's arrays.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from scratch.nn import Parameter
from scratch.optim import SGD, Adam

Array = NDArray[Any]
_RUNS: dict[int, tuple[Parameter, Any]] = {}  # id of the caller's parameter array → (Parameter, optimizer)


def sgd_step(
    param: Array,
    grad: Array,
    momentum_buffer: Array | None,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> Array | None:
    if momentum_buffer is None:
        p = Parameter(param)
        optimizer = SGD([p], lr, momentum, dampening, weight_decay, nesterov)
        _RUNS[id(param)] = (p, optimizer)
    p, optimizer = _RUNS[id(param)]
    p.grad = grad.copy()
    optimizer.step()
    param[...] = p.data
    return optimizer.state[p].get("momentum_buffer")


def adam_step(
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    step: int,
    *,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> None:
    if step == 1:
        p = Parameter(param)
        _RUNS[id(param)] = (p, Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay))
    p, optimizer = _RUNS[id(param)]
    p.grad = grad.copy()
    optimizer.step()
    state = optimizer.state[p]
    param[...], exp_avg[...], exp_avg_sq[...] = p.data, state["exp_avg"], state["exp_avg_sq"]
