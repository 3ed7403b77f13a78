"""Exercise: the fully connected layer, forward and backward (tutorial section 1; ~ torch.nn.functional.linear).

Write the two functions below, then run ``python -m exercises check linear``.  The weight is stored as torch
stores it, (out_features, in_features).  Solution: ``python -m exercises solution linear``.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def linear(x: Array, weight: Array, bias: Array) -> Array:
    """y = x Wᵀ + b, as ``torch.nn.functional.linear(x, weight, bias)``.

    x: (N, in), weight W: (out, in), bias b: (out,)  →  y: (N, out), in x's dtype.
    """
    raise NotImplementedError


def linear_backward(grad_output: Array, x: Array, weight: Array) -> tuple[Array, Array, Array]:
    """The gradients of a loss L through y = x Wᵀ + b, given g = dL/dy of shape (N, out).

    Derive each from y_nj = Σ_i x_ni W_ji + b_j:
      grad_input  = dL/dx, shape (N, in)   (the same shape as x)
      grad_weight = dL/dW, shape (out, in) (the same shape as W: each sample adds its part)
      grad_bias   = dL/db, shape (out,)
    as torch's autograd computes them for ``linear``.  g already holds any 1/N of the loss: do not divide again.
    """
    raise NotImplementedError
