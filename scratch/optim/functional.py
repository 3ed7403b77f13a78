"""The update rules, one parameter at a time, in torch's order (~ torch.optim's ``_single_tensor_sgd``/``_adam``).

``SGD.step`` and ``Adam.step`` call these for each parameter (torch's CPU default); the ``foreach``/``fused``
paths of fast.py run the same rules on flat or sliced arrays.  Each rule is written as the textbook states it;
torch's options are a visible branch each.  As in torch, every hyper-parameter is rounded to the parameter's
dtype before use (float32 stays float32), while Adam's bias corrections are computed in double.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array

Group = dict[str, Any]


def sgd_update(p: Array, grad: Array, state: dict[str, Any], group: Group) -> None:
    """One SGD step, in place:  p ← p − lr·g,  where with momentum μ the step follows a running buffer

        buf ← g (the first step: a copy, no dampening),  then  buf ← μ·buf + (1 − dampening)·g,  g ← buf

    (lr outside the buffer, as torch).  Nesterov looks ahead with the new buffer: g ← g + μ·buf.
    """
    dt = p.dtype.type
    momentum = group["momentum"]
    g = grad
    if group["maximize"] or group["weight_decay"] != 0:
        g = decayed_gradient(p, grad, group)
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = np.array(g, copy=True)
        else:
            buf *= dt(momentum)
            buf += dt(1 - group["dampening"]) * g
        g = g + dt(momentum) * buf if group["nesterov"] else buf
    p -= dt(group["lr"]) * g


def adam_update(p: Array, grad: Array, m: Array, v: Array, v_max: Array | None, t: float, group: Group) -> None:
    """One Adam step, in place (t counts this parameter's steps, from 1):

        m ← β1·m + (1 − β1)·g            v ← β2·v + (1 − β2)·g²
        p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)      (ε after the bias correction, as torch)

    ``v_max`` (amsgrad) divides by the largest v so far instead of v.
    """
    dt = p.dtype.type
    lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
    g = grad
    if group["maximize"] or group["weight_decay"] != 0:
        g = decayed_gradient(p, grad, group)
    w = dt(1 - beta1)
    if w < 0.5:
        m += w * (g - m)  # β1·m + (1 − β1)·g, as torch's lerp computes it
    else:
        lerp_from_the_end(m, g, w)
    v *= dt(beta2)
    v += dt(1 - beta2) * g * g
    if v_max is not None:
        v = np.maximum(v_max, v, out=v_max)  # amsgrad: the max of the uncorrected v
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    denom = np.sqrt(v) / dt(bias_correction2**0.5) + dt(eps)
    p += (dt(-lr / bias_correction1) * m) / denom


def decayed_gradient(p: Array, grad: Array, group: Group) -> Array:
    """torch's options applied before the rule: g = −grad with ``maximize``; weight decay λ either as L2,
    g ← g + λ·p, or, for AdamW (``decoupled_weight_decay``), as p ← p·(1 − lr·λ) with g untouched."""
    dt = p.dtype.type
    g = -grad if group["maximize"] else grad
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if group.get("decoupled_weight_decay"):
            p *= dt(1 - group["lr"] * weight_decay)
        else:
            g = g + dt(weight_decay) * p
    return g


def lerp_from_the_end(m: Array, g: Array, w: Any) -> None:
    """m ← m + w·(g − m) for a weight w ≥ ½, written from g's end as torch's lerp does, to keep the rounding small:
    m ← g − (g − m)·(1 − w)."""
    m[...] = g - (g - m) * (m.dtype.type(1) - w)
