"""Exercise: one step of SGD and of Adam, as torch.optim computes them (tutorial section 7).

Each function updates ``param`` in place (``param -= ...`` or ``param[...] = ...``), as ``optimizer.step()`` does,
and leaves ``grad`` unchanged.  Check with ``python -m exercises check optimizers``; solution: ``python -m
exercises solution optimizers``.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

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
    """One step of ``torch.optim.SGD``; returns the momentum buffer for the next call (None when momentum is 0).

    ``momentum_buffer`` is None on the first call.  In torch's order: weight decay adds weight_decay·param to the
    gradient; the buffer is the gradient itself on the first step and momentum·buffer + (1 − dampening)·gradient
    after; the step direction is the buffer, or gradient + momentum·buffer with Nesterov; then param −= lr·direction.
    """
    raise NotImplementedError


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
    """One step of ``torch.optim.Adam``: updates ``param``, ``exp_avg`` (m) and ``exp_avg_sq`` (v) in place.

    ``step`` is t, 1 on the first update; m and v start at 0.  With weight decay the gradient gets
    weight_decay·param added first (it then enters both moments).  The moments are exponential averages of the
    gradient and of its square; their bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ undo the start at 0; eps is added to
    the corrected √v, outside the square root.
    """
    raise NotImplementedError
