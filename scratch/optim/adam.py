"""Adam, AMSGrad and AdamW (~ torch.optim.Adam, torch.optim.AdamW).

``Adam.step`` applies the rule, ``adam_update`` (functional.py, as torch's single-tensor path, its CPU
default), to one parameter at a time.  ``foreach=True`` and ``fused=True`` run the same rule faster
(fast.py), bit for bit the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import checks
from scratch.nn.module import Parameter
from scratch.optim import fast
from scratch.optim.functional import adam_update
from scratch.optim.optimizer import Optimizer, ParamsT, check_foreach_fused

State = dict[str, Any]


class Adam(Optimizer):
    """Adam with bias-corrected moments; ``amsgrad`` and decoupled (AdamW) weight decay as options.

    For each parameter p that has a gradient (t counts that parameter's steps)::

        t = t + 1
        g = -p.grad if maximize else p.grad
        if weight_decay != 0:
            if decoupled_weight_decay:  p = p * (1 - lr * weight_decay)     # AdamW
            else:                       g = g + weight_decay * p            # L2, enters the moments
        m = m + (1 - β1) * (g - m)                    # torch's lerp: β1·m + (1 − β1)·g
        v = β2 * v + (1 - β2) * g * g
        if amsgrad:  v_max = max(v_max, v);  v̂ = v_max     # the max of the *uncorrected* v
        else:        v̂ = v
        p = p - lr / (1 - β1^t) * m / (sqrt(v̂) / sqrt(1 - β2^t) + eps)  # eps after the correction

    State: ``step`` (a 0-d float32 array, as torch's 0-d float32 tensor: exact up to
    2**24 steps), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq``.  β1, β2, eps, weight decay are rounded to the parameter's dtype;
    the bias corrections and the step size are computed in double and rounded once.

    ``foreach=True`` and ``fused=True`` (torch's names; both off by default, as on torch's CPU) take the
    faster paths of fast.py, which give the same numbers bit for bit.
    """

    chunk_size: int | None = None  # fused=True: elements per slice (None: CHUNK_BYTES' worth, see fast.py)
    flat_max_size: int = 1 << 16  # foreach=/fused=True: parameters up to this size share the flat state

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_adam_arguments(lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay)
        check_foreach_fused("Adam", foreach, fused)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    @np.errstate(all="ignore")  # like torch, let inf and NaN through without warnings (eps=0, NaN grads)
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter that has a gradient, one at a time, by ``adam_update`` (the rule above)."""
        loss = self._begin_step(closure)
        for index, group in enumerate(self.param_groups):
            if group["foreach"] or group["fused"]:  # the same rule, fewer or cheaper NumPy calls: fast.py
                fast.adam_step(self, index, group)
                continue
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p] or self.init_state(p, group)
                state["step"] += 1
                m, v, v_max = state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq")
                adam_update(p.data, grad, m, v, v_max, float(state["step"]), group)
        return loss

    def init_state(self, p: Parameter, group: dict[str, Any]) -> State:
        """p's state, created on its first step: step 0 (a 0-d float32 array, as torch's), m = v = 0."""
        state = self.state[p]
        if not state:
            state["step"] = np.zeros((), dtype=np.float32)
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        keys = ("step", "exp_avg", "exp_avg_sq")
        return (*keys, "max_exp_avg_sq") if group["amsgrad"] else keys


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p·(1 − lr·weight_decay) before the moments, g untouched.

    As in torch 2.13 this is ``Adam(..., decoupled_weight_decay=True)``; note the
    default ``weight_decay=1e-2`` (Adam's is 0).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            fused=fused,
            decoupled_weight_decay=True,
        )


def check_adam_arguments(
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """torch's checks and messages ("Invalid learning rate: -0.1", ...), after type checks of each argument."""
    for name, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
        checks.real("Adam", name, value)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        checks.real("Adam", f"betas[{i}]", beta)
    for name, flag in (
        ("amsgrad", amsgrad),
        ("maximize", maximize),
        ("decoupled_weight_decay", decoupled_weight_decay),
    ):
        checks.boolean("Adam", name, flag)
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not eps >= 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not weight_decay >= 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if not all(isinstance(b, float) for b in betas):
        raise ValueError("betas must be either both floats or both Tensors")
