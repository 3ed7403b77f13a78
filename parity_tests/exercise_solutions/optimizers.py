"""``optimizers`` answered by ``scratch.optim.SGD`` and ``scratch.optim.Adam``, driven through a Parameter."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratch.nn import Parameter
from scratch.optim import SGD, Adam

Array = NDArray[Any]


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
    p = Parameter(param)
    p.grad = grad.copy()
    optimizer = SGD([p], lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay)
    if momentum_buffer is not None:
        optimizer.state[p]["momentum_buffer"] = momentum_buffer.copy()
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
    p = Parameter(param)
    p.grad = grad.copy()
    optimizer = Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    state = optimizer.state[p]
    state["step"] = np.array(step - 1, dtype=np.float32)
    state["exp_avg"], state["exp_avg_sq"] = exp_avg.copy(), exp_avg_sq.copy()
    optimizer.step()
    param[...], exp_avg[...], exp_avg_sq[...] = p.data, state["exp_avg"], state["exp_avg_sq"]
