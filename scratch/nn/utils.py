"""Gradient clipping (~ torch.nn.utils.clip_grad_norm_)."""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from common import checks
from scratch.nn.module import Parameter


def clip_grad_norm_(
    parameters: Parameter | Iterable[Parameter],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> np.floating[Any]:
    """Scale all gradients together, in place, so that their joint norm is at most ``max_norm``.

    As torch::

        total_norm = ‖(‖g₁‖, ‖g₂‖, ...)‖                  # the norm of all gradients as one vector
        clip_coef = min(max_norm / (total_norm + 1e-6), 1)
        g ← g · clip_coef                                 # every gradient, also when clip_coef is 1

    Parameters without a gradient are ignored.  Returns ``total_norm`` (before
    clipping) as a NumPy scalar of the gradients' dtype; torch returns a 0-d tensor.
    In float32 torch accumulates the norms in another order than NumPy, so for very
    large gradients they differ in the last digits (~1e-5 relative at a million elements).
    """
    if isinstance(parameters, Parameter):
        params = [parameters]
    else:
        params = list(parameters)
        if not all(isinstance(p, Parameter) for p in params):
            raise TypeError("clip_grad_norm_: parameters must be Parameters (e.g. model.parameters())")
        if isinstance(parameters, types.GeneratorType) and not params:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    max_norm = checks.real("clip_grad_norm_", "max_norm", max_norm)
    norm_type = float(checks.real("clip_grad_norm_", "norm_type", norm_type))
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return np.float32(0.0)
    with np.errstate(all="ignore"):  # like torch, a norm that overflows is inf, silently
        norms = [np.linalg.norm(g.reshape(-1), norm_type) for g in grads]  # ~ torch.linalg.vector_norm of each
        total_norm = np.linalg.norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    dt = total_norm.dtype.type
    with np.errstate(all="ignore"):  # torch's max_norm / t runs as t.reciprocal() * max_norm
        clip_coef = (dt(1) / (total_norm + dt(1e-6))) * dt(max_norm)
        clip_coef_clamped = np.minimum(clip_coef, dt(1.0))
        for g in grads:
            g *= clip_coef_clamped
    return total_norm
