"""Exercise: batch normalisation in training mode, forward and backward (tutorial section 10).

x has shape (N, C): each feature (column) is normalised with its batch statistics.  Check with ``python -m
exercises check batchnorm``; solution: ``python -m exercises solution batchnorm``.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def batch_norm(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    """y = γ·(x − μ)/√(σ² + ε) + β per feature, μ and σ² the batch's mean and (biased) variance over the N rows,
    as ``torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)``.

    x: (N, C), gamma γ and beta β: (C,)  →  y: (N, C).
    """
    raise NotImplementedError


def batch_norm_backward(grad_output: Array, x: Array, gamma: Array, eps: float = 1e-5) -> tuple[Array, Array, Array]:
    """(dL/dx, dL/dγ, dL/dβ) for g = dL/dy of shape (N, C).

    μ and σ² depend on every x of their column: dL/dx has a term through x̂ directly, one through μ and one
    through σ².  Derive them (or follow the computation graph back one node at a time).
    """
    raise NotImplementedError
