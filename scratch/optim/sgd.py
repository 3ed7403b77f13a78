"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (~ torch.optim.SGD).

``SGD.step`` writes the rule out; ``sgd_update_chunked`` is its fast twin for large
parameters: the same operations on slices of ``CHUNK_BYTES``, in place, so that no
full-size temporary is made (``p -= lr * g`` alone allocates one as large as p) and
each slice of p, grad and buffer is read from memory once.  Bit for bit the same (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array, checks
from scratch.nn.module import Parameter
from scratch.optim.optimizer import CHUNK_BYTES, Optimizer, ParamsT


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

    chunk_size: int | None = None  # elements per slice of the fast path; None picks CHUNK_BYTES' worth

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
        for name, value in (
            ("lr", lr),
            ("momentum", momentum),
            ("dampening", dampening),
            ("weight_decay", weight_decay),
        ):
            checks.real("SGD", name, value)
        nesterov, maximize = checks.boolean("SGD", "nesterov", nesterov), checks.boolean("SGD", "maximize", maximize)
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
                if self._update_chunked(p, group):
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

    def _update_chunked(self, p: Parameter, group: dict[str, Any]) -> bool:
        """``sgd_update_chunked`` for a parameter larger than one slice; False (nothing done) otherwise."""
        chunk = self.chunk_size or CHUNK_BYTES // p.dtype.itemsize
        if p.size <= chunk or p.grad is None:
            return False
        momentum_buffer = self.state[p].get("momentum_buffer") if group["momentum"] != 0 else None
        arrays = [a for a in (p.data, p.grad, momentum_buffer) if a is not None]
        if not all(a.flags.c_contiguous and a.dtype == p.dtype and a.shape == p.shape for a in arrays):
            return False
        first = group["momentum"] != 0 and momentum_buffer is None
        if first:
            momentum_buffer = self.state[p]["momentum_buffer"] = np.empty_like(p.data)
        sgd_update_chunked(p.data, p.grad, momentum_buffer, first, group, chunk)
        return True


def sgd_update_chunked(
    p: Array, grad: Array, buf: Array | None, first: bool, group: dict[str, Any], chunk: int = CHUNK_BYTES // 4
) -> None:
    """``SGD``'s rule, the same operations in the same order, one cache-sized slice at a time.

    ``buf`` is the momentum buffer (None without momentum); ``first`` says it is new and takes a copy of g.
    """
    dt = p.dtype.type
    lr, momentum, dampening = dt(group["lr"]), dt(group["momentum"]), group["dampening"]
    weight_decay, nesterov = group["weight_decay"], group["nesterov"]
    n = min(chunk, p.size)
    a, b = np.empty(n, p.dtype), np.empty(n, p.dtype)
    flat_p, flat_grad = p.reshape(-1), grad.reshape(-1)
    flat_buf = buf.reshape(-1) if buf is not None else None
    for start in range(0, p.size, chunk):
        pc, gc = flat_p[start : start + chunk], flat_grad[start : start + chunk]
        k = pc.size
        ta, tb = a[:k], b[:k]  # scratch space
        if group["maximize"]:
            gc = np.negative(gc, out=ta)
        if weight_decay != 0:
            gc = np.add(gc, np.multiply(dt(weight_decay), pc, out=tb), out=ta)
        if flat_buf is not None:
            bc = flat_buf[start : start + chunk]
            if first:
                bc[...] = gc
            else:
                bc *= momentum
                if dampening == 0:  # (1 - 0) * g is g: skip the multiply, the sum is the same
                    bc += gc
                else:
                    bc += np.multiply(dt(1 - dampening), gc, out=tb)
            gc = np.add(gc, np.multiply(momentum, bc, out=tb), out=ta) if nesterov else bc
        pc -= np.multiply(lr, gc, out=tb)
