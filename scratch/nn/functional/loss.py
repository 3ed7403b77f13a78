"""Loss functions and their derivatives (stateless; ~ torch.nn.functional).

Each loss ``f(input, target, ...)`` has a partner ``f_backward(grad_output, input, target, ...)`` that
returns dL/dinput, where ``grad_output`` = dL/d(loss) is a scalar for reduction 'mean' or 'sum' and an
array of the loss's shape for 'none'.  The conventions are torch's:

* 'none' keeps one loss per element (per position for the classification losses), 'sum' adds them,
  'mean' divides the sum by a denominator, and its gradient divides by the same one.  The denominator is
  the number of losses, except for class-index cross-entropy and NLL, where it is Σ w[y_i] over the
  entries that are not ignored (their count when there are no class weights).
* A 'mean' over nothing (every entry ignored, an empty batch) is 0/0 = NaN, without a warning.
* Scalars (delta, beta, smoothing, denominators) take the input's dtype: float32 stays float32.
* The class axis of the classification losses is axis 1 of (N, C, d1, ...) inputs, axis 0 of (C,).
* inf and NaN propagate silently, as in torch: NumPy's floating-point warnings are off inside each loss.

Deliberate deviation: MSE, L1, Huber and SmoothL1 raise ValueError when the target's shape differs
from the input's.  torch only warns and broadcasts, so (N, 1) against (N,) silently becomes (N, N).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from common import Array, checks

REDUCTIONS = ("none", "mean", "sum")


# ---- shared checks and reductions ------------------------------------------------------------
def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'none', 'mean' or 'sum'")


def _floating(name: str, what: str, value: ArrayLike) -> Array:
    a = np.asarray(value)
    if a.dtype.kind != "f":
        raise TypeError(f"{name}: {what} must be floating point, got dtype {a.dtype}")
    return a


def _same_shape(name: str, input: ArrayLike, target: ArrayLike, note: str = "") -> tuple[Array, Array]:
    x, y = _floating(name, "input", input), np.asarray(target)
    if y.shape != x.shape:
        raise ValueError(f"{name}: target shape {y.shape} must equal input shape {x.shape}{note}")
    return x, y


def _broadcast_weight(name: str, what: str, weight: ArrayLike | None, x: Array, note: str = "") -> Array | None:
    if weight is None:
        return None
    w = np.asarray(weight, dtype=x.dtype)
    try:
        fits = np.broadcast_shapes(w.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {w.shape} does not broadcast to the input shape {x.shape}{note}")
    return w


def _reduce(loss: Array, reduction: str, denominator: Any) -> Array:
    """'none' → the losses; 'sum' → Σ; 'mean' → Σ / denominator (0/0 = NaN, silently, as in torch)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            total = total / loss.dtype.type(denominator)
    return np.asarray(total)


def _upstream(grad_output: ArrayLike, reduction: str, shape: tuple[int, ...], dtype: Any, denominator: Any) -> Array:
    """dL/d(each loss before the reduction): g/denominator for 'mean', g for 'sum', the array g for 'none'."""
    dtype = np.dtype(dtype)
    g = np.asarray(grad_output, dtype=dtype)
    expected = shape if reduction == "none" else ()
    if g.shape != expected:
        raise ValueError(
            f"grad_output has shape {g.shape}, but the loss (reduction={reduction!r}) has shape {expected}"
        )
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            g = g / dtype.type(denominator)
    return g


def check_delta(delta: float) -> float:
    """Huber's δ > 0 (torch raises RuntimeError "huber_loss does not support non-positive values for delta")."""
    return checks.real("huber_loss", "delta", delta, positive=True)


def check_beta(beta: float) -> float:
    """SmoothL1's β ≥ 0 (torch raises RuntimeError "smooth_l1_loss does not support negative values for beta")."""
    return checks.real("smooth_l1_loss", "beta", beta, minimum=0.0)


# ---- regression: d = x − y ----------------------------------------------------------------------
_BROADCAST_NOTE = " (torch would warn and broadcast, e.g. (N, 1) against (N,) into an (N, N) loss)"


def _regression_args(name: str, input: ArrayLike, target: ArrayLike, reduction: str) -> tuple[Array, Array]:
    """Input and target as arrays of one shape; a float64 target promotes the loss (as torch), integers don't."""
    if reduction not in REDUCTIONS:
        check_reduction(reduction)
    x, y = np.asarray(input), np.asarray(target)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {x.dtype}")
    if y.shape != x.shape:
        raise ValueError(f"{name}: target shape {y.shape} must equal input shape {x.shape}{_BROADCAST_NOTE}")
    return x, y if y.dtype.kind == "f" else y.astype(x.dtype)


@np.errstate(all="ignore")
def mse_loss(input: ArrayLike, target: ArrayLike, *, reduction: str = "mean") -> Array:
    """Squared error, averaged: ℓ = (1/n) Σ (x − y)² over the n elements ('sum' and 'none': ``_reduce``)."""
    x, y = _regression_args("mse_loss", input, target, reduction)
    d = x - y
    if reduction != "mean":
        return _reduce(d * d, reduction, d.size)
    return np.asarray((d * d).sum() / d.dtype.type(d.size))


@np.errstate(all="ignore")
def mse_loss_backward(grad_output: ArrayLike, input: ArrayLike, target: ArrayLike, *, reduction: str = "mean") -> Array:
    """dℓ/dx = 2(x − y)/n for 'mean' (``_upstream`` scales by grad_output and the 1/n of the reduction)."""
    x, y = _regression_args("mse_loss", input, target, reduction)
    d = x - y
    return (2 * d * _upstream(grad_output, reduction, d.shape, d.dtype, d.size)).astype(x.dtype, copy=False)


@np.errstate(all="ignore")
def l1_loss(input: ArrayLike, target: ArrayLike, *, reduction: str = "mean") -> Array:
    """Absolute error ℓ = |x − y|."""
    x, y = _regression_args("l1_loss", input, target, reduction)
    d = x - y
    return _reduce(np.abs(d), reduction, d.size)


@np.errstate(all="ignore")
def l1_loss_backward(grad_output: ArrayLike, input: ArrayLike, target: ArrayLike, *, reduction: str = "mean") -> Array:
    """dℓ/dx = sign(x − y), which is 0 at x = y (torch's choice at the kink)."""
    x, y = _regression_args("l1_loss", input, target, reduction)
    d = x - y
    return (np.sign(d) * _upstream(grad_output, reduction, d.shape, d.dtype, d.size)).astype(x.dtype, copy=False)


@np.errstate(all="ignore")
def huber_loss(input: ArrayLike, target: ArrayLike, *, reduction: str = "mean", delta: float = 1.0) -> Array:
    """ℓ = ½d² if |d| < δ else δ(|d| − ½δ): quadratic near 0, linear (robust to outliers) beyond δ."""
    x, y = _regression_args("huber_loss", input, target, reduction)
    check_delta(delta)
    d = x - y
    a, δ = np.abs(d), d.dtype.type(delta)
    return _reduce(np.where(a < δ, 0.5 * d * d, δ * (a - 0.5 * δ)), reduction, d.size)


@np.errstate(all="ignore")
def huber_loss_backward(
    grad_output: ArrayLike, input: ArrayLike, target: ArrayLike, *, reduction: str = "mean", delta: float = 1.0
) -> Array:
    """dℓ/dx = d if |d| < δ else δ·sign(d) (|d| = δ takes the linear branch; both give d there)."""
    x, y = _regression_args("huber_loss", input, target, reduction)
    check_delta(delta)
    d = x - y
    δ = d.dtype.type(delta)
    dl = np.where(np.abs(d) < δ, d, δ * np.sign(d))
    return (dl * _upstream(grad_output, reduction, d.shape, d.dtype, d.size)).astype(x.dtype, copy=False)


@np.errstate(all="ignore")
def smooth_l1_loss(input: ArrayLike, target: ArrayLike, *, reduction: str = "mean", beta: float = 1.0) -> Array:
    """ℓ = ½d²/β if |d| < β else |d| − ½β; β = 0 is exactly L1.  Huber with δ equals δ·SmoothL1 with β = δ."""
    x, y = _regression_args("smooth_l1_loss", input, target, reduction)
    check_beta(beta)
    if beta == 0:
        return l1_loss(x, y, reduction=reduction)
    d = x - y
    a, β = np.abs(d), d.dtype.type(beta)
    return _reduce(np.where(a < β, 0.5 * d * d / β, a - 0.5 * β), reduction, d.size)


@np.errstate(all="ignore")
def smooth_l1_loss_backward(
    grad_output: ArrayLike, input: ArrayLike, target: ArrayLike, *, reduction: str = "mean", beta: float = 1.0
) -> Array:
    """dℓ/dx = d/β if |d| < β else sign(d)."""
    x, y = _regression_args("smooth_l1_loss", input, target, reduction)
    check_beta(beta)
    if beta == 0:
        return l1_loss_backward(grad_output, x, y, reduction=reduction)
    d = x - y
    β = d.dtype.type(beta)
    dl = np.where(np.abs(d) < β, d / β, np.sign(d))
    return (dl * _upstream(grad_output, reduction, d.shape, d.dtype, d.size)).astype(x.dtype, copy=False)
