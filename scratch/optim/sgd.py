"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (~ torch.optim.SGD).

``SGD.step`` applies the rule, ``sgd_update`` (functional.py), to one parameter at a time; ``fused=True`` runs
the same operations in place, slice by slice (fast.py), bit for bit the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import checks
from scratch.optim import fast
from scratch.optim.functional import sgd_update
from scratch.optim.optimizer import Optimizer, ParamsT, check_foreach_fused


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
    ``fused=True`` updates each parameter in place, slice by slice (fast.py), bit for bit the same;
    ``foreach=True`` is accepted and runs the rule as written (NumPy has no multi-tensor kernels).
    """

    chunk_size: int | None = None  # fused=True: elements per slice (None: CHUNK_BYTES' worth, see fast.py)

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
        foreach: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        check_sgd_arguments(lr, momentum, dampening, weight_decay, nesterov, maximize)
        check_foreach_fused("SGD", foreach, fused)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "fused": fused,
        }
        super().__init__(params, defaults)

    @np.errstate(all="ignore")  # like torch, let inf and NaN through without warnings
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter that has a gradient, one at a time, by ``sgd_update`` (the rule above)."""
        loss = self._begin_step(closure)
        for group in self.param_groups:
            if group["fused"]:  # the same rule, in place and slice by slice: fast.py
                fast.sgd_step(self, group)
                continue
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    sgd_update(p.data, grad, self.state[p] if group["momentum"] != 0 else {}, group)
        return loss

    def state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()


def check_sgd_arguments(
    lr: float, momentum: float, dampening: float, weight_decay: float, nesterov: bool, maximize: bool
) -> None:
    """torch's checks and messages ("Invalid momentum value: -0.5", ...), after type checks of each argument."""
    for name, value in (
        ("lr", lr),
        ("momentum", momentum),
        ("dampening", dampening),
        ("weight_decay", weight_decay),
    ):
        checks.real("SGD", name, value)
    checks.boolean("SGD", "nesterov", nesterov)
    checks.boolean("SGD", "maximize", maximize)
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if momentum < 0.0:
        raise ValueError(f"Invalid momentum value: {momentum}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
