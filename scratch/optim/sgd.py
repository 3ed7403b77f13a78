"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (~ torch.optim.SGD)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scratch.optim.optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """Gradient descent, with torch's momentum convention (lr outside the buffer).

    For each parameter p that has a gradient, in torch's order::

        g = -p.grad if maximize else p.grad
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            buf = g                                        # first step: a copy of g, no dampening
            buf = momentum * buf + (1 - dampening) * g     # every later step
            g = g + momentum * buf if nesterov else buf    # Nesterov looks ahead with the new buffer
        p = p - lr * g

    State: ``momentum_buffer`` (only when momentum != 0).  As in torch, every
    scalar is rounded to the parameter's dtype before use, so float32 stays float32.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    @np.errstate(all="ignore")  # like torch, let inf and NaN through without warnings
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                dt = p.dtype.type  # hyper-parameters in the parameter's dtype, as torch
                g = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    g = g + dt(weight_decay) * p.data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(g, copy=True)
                    else:
                        buf *= dt(momentum)
                        buf += dt(1 - dampening) * g
                    g = g + dt(momentum) * buf if nesterov else buf
                p.data -= dt(lr) * g
        return loss
