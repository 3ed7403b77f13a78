"""Binary cross-entropy, of probabilities and of logits, with their derivatives (~ torch.nn.functional).

For a probability x = σ(z) of the positive class and a target y ∈ [0, 1]:
    ℓ = −[y·log x + (1 − y)·log(1 − x)],   dℓ/dx = (x − y)/(x(1 − x)),   dℓ/dz = σ(z) − y.
The reductions, weights and the shape rule are those of loss.py.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from common import Array
from scratch.nn.functional.activation import sigmoid
from scratch.nn.functional.loss import _broadcast_weight, _floating, _reduce, _same_shape, _upstream, check_reduction

BCE_EPS = float(np.float32(1e-12))  # torch's floor for x(1 − x) in the BCE gradient: float32 1e-12, also in float64


def _bce_args(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: str
) -> tuple[Array, Array, Array]:
    check_reduction(reduction)
    name = "binary_cross_entropy"
    x, y = _same_shape(name, input, target)
    if y.dtype != x.dtype:
        raise TypeError(f"{name}: target dtype {y.dtype} must equal input dtype {x.dtype}")
    for what, a in (("input", x), ("target", y)):
        outside = ~((a >= 0) & (a <= 1))  # NaN fails both comparisons
        if outside.any():
            raise ValueError(f"{name}: all elements of {what} should be between 0 and 1, found {a[outside][0]}")
    w = _broadcast_weight(name, "weight", weight, x)
    return x, y, np.ones((), x.dtype) if w is None else w


@np.errstate(all="ignore")
def binary_cross_entropy(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None, *, reduction: str = "mean"
) -> Array:
    """BCE of probabilities x ∈ [0, 1]: ℓ = −w·[y·log x + (1 − y)·log(1 − x)].

    Each log is clamped at −100 (torch's rule), so x = 0 or 1 gives a finite loss (100 per unit weight),
    and log(1 − x) is computed as log1p(−x), which keeps x = 1e-30 from rounding to log 1 = 0.
    """
    x, y, w = _bce_args(input, target, weight, reduction)
    with np.errstate(divide="ignore"):  # log 0 = −inf is intended: the clamp turns it into −100
        log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
    return _reduce(w * ((y - 1) * log_1mx - y * log_x), reduction, x.size)


@np.errstate(all="ignore")
def binary_cross_entropy_backward(
    grad_output: ArrayLike,
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    reduction: str = "mean",
) -> Array:
    """dℓ/dx = w·(x − y) / max(x(1 − x), ε), ε = float32 1e-12 — torch's formula, not the clamped loss's slope.

    At x = 0 or 1 the gradient is therefore ≈ 1e12·(x − y), and 0 when x = y.
    """
    x, y, w = _bce_args(input, target, weight, reduction)
    g = _upstream(grad_output, reduction, x.shape, x.dtype, x.size)
    return g * (x - y) / np.maximum((1 - x) * x, x.dtype.type(BCE_EPS)) * w


def _bce_logits_args(
    input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: str, pos_weight: ArrayLike | None
) -> tuple[Array, Array, Array, Array | None]:
    check_reduction(reduction)
    name = "binary_cross_entropy_with_logits"
    x, y = _same_shape(name, input, target)
    y = _floating(name, "target", y)
    w = _broadcast_weight(name, "weight", weight, x)
    pw = _broadcast_weight(name, "pos_weight", pos_weight, x, " (it applies along the last dimension)")
    return x, y, np.ones((), x.dtype) if w is None else w, pw


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> Array:
    """BCE of logits: ℓ = −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], p = pos_weight (1 if None).

    With log(1 − σ(x)) = log σ(x) − x it becomes w·[(1 − y)·x − (1 + (p − 1)·y)·log σ(x)], and
    log σ(x) = min(x, 0) − log1p(e^(−|x|)) never overflows (x = ±1e4 is fine, where σ rounds to 0 or 1).
    """
    x, y, w, pw = _bce_logits_args(input, target, weight, reduction, pos_weight)
    log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if pw is not None:
        log_sigmoid = log_sigmoid * ((pw - 1) * y + 1)
    return _reduce(w * ((1 - y) * x - log_sigmoid), reduction, x.size)


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits_backward(
    grad_output: ArrayLike,
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> Array:
    """dℓ/dx = w·((1 + (p − 1)·y)·σ(x) − p·y), which is w·(σ(x) − y) without pos_weight."""
    x, y, w, pw = _bce_logits_args(input, target, weight, reduction, pos_weight)
    if pw is None:
        dl = sigmoid(x) - y
    else:
        py = pw * y
        dl = (py + 1 - y) * sigmoid(x) - py
    g = _upstream(grad_output, reduction, dl.shape, dl.dtype, x.size)
    return (w * dl * g).astype(x.dtype, copy=False)
