"""Cross-entropy with every torch option, and its derivative (~ torch.nn.functional.cross_entropy).

The textbook case, ℓ = −(1/N) Σ_i log softmax(x_i)[y_i] with gradient (p_i − onehot(y_i))/N, is what
``CrossEntropyLoss`` computes itself (nn/loss.py) and ``softmax_minus_onehot`` below; this module is the general path.

The input has shape (C,), (N, C) or (N, C, d1, ...): the classes are on axis 1 (axis 0 for (C,)), and
spatial positions d1, ... behave like more rows.  The target holds class indices, shape (), (N,) or
(N, d1, ...), where entries equal to ``ignore_index`` are skipped; cross_entropy also accepts class
probabilities, a floating-point target of the input's shape.

Every variant is  L = Σ_i −Σ_c q_ic·log p_ic / denominator  with log p = log_softmax(x) and "target
weights" q: w[y_i]·onehot(y_i) for an index target, (1 − ε)·w[y_i]·onehot(y_i) + (ε/C)·w with label
smoothing ε, and w ⊙ ((1 − ε)·t_i + ε/C) for probabilities t_i.  Since Σ_c p_ic = 1, the chain rule
through log_softmax collapses to the fused gradient

    dL/dx_i = (p_i·Σ_c q_ic − q_i) / denominator,   which is (p_i − onehot(y_i)) / N in the plain case.

The plain case (class indices, no weights, no ignored row, no smoothing) is computed by that textbook
formula, ``softmax_minus_onehot``; ``cross_entropy_backward_stepwise`` reaches the same numbers the long
way, through softmax's Jacobian.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from common import Array, checks
from scratch.nn.functional.activation import log_softmax, softmax, softmax_backward
from scratch.nn.functional.loss import _reduce, _upstream
from scratch.nn.functional.nll import (
    _batched,
    _by_class,
    _class_args,
    _index_q,
    _Indices,
    _indices,
    _nll,
)


def check_label_smoothing(label_smoothing: float) -> float:
    """ε ≤ 1 (torch: RuntimeError); torch silently treats a negative ε (or NaN) as 0, and so does this."""
    eps = float(checks.real("cross_entropy", "label_smoothing", label_smoothing))
    if eps > 1:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return eps if eps > 0 else 0.0


def _holds_probabilities(x: Array, target: Array, ignore_index: int) -> bool:
    """A target of the input's shape holds class probabilities (it must then be floating point)."""
    if target.shape != x.shape:
        return False
    if target.dtype.kind != "f":
        raise TypeError(
            f"cross_entropy: a target of the input's shape {x.shape} holds class probabilities and must be "
            f"floating point, got dtype {target.dtype} (class indices have shape {x.shape[:1] + x.shape[2:]})"
        )
    if ignore_index != -100:
        raise ValueError(f"cross_entropy: ignore_index={ignore_index} is not supported for class-probability targets")
    return True


def _probability_q(t: Array, w: Array | None, eps: float, C: int) -> Array:
    """q = w ⊙ ((1 − ε)·t + ε/C): the smoothed probabilities, weighted per class."""
    if eps > 0:
        t = t * t.dtype.type(1 - eps) + t.dtype.type(eps / C)
    return t if w is None else t * _by_class(w, t.ndim)


class CrossEntropyParts(NamedTuple):
    """What the cross-entropy forward computes and its backward reuses (a module keeps it between the two)."""

    x: Array  # the logits as given
    target: Array  # class probabilities, batched; or the raw index target
    weight: Array | None
    shape: tuple[int, ...]  # shape of the 'none' loss
    eps: float  # label smoothing
    log_p: Array  # log_softmax over axis 1, batched
    idx: _Indices | None  # the checked class indices; None for probability targets


def cross_entropy_parts(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> CrossEntropyParts:
    """Check the arguments and compute log p = log_softmax(x) once, for the loss and for its gradient."""
    x, t, w, shape = _class_args("cross_entropy", input, target, weight, reduction)
    eps = check_label_smoothing(label_smoothing)
    log_p = log_softmax(_batched(x, x.ndim), dim=1)
    if _holds_probabilities(x, t, ignore_index):
        return CrossEntropyParts(x, _batched(t, x.ndim), w, shape, eps, log_p, None)
    return CrossEntropyParts(x, t, w, shape, eps, log_p, _indices("cross_entropy", x, t, shape, w, ignore_index))


@np.errstate(all="ignore")
def cross_entropy_from_parts(parts: CrossEntropyParts, reduction: str) -> Array:
    """The loss (see ``cross_entropy``) from the checked arguments and log p."""
    x, t, w, shape, eps, log_p, idx = parts
    C = log_p.shape[1]
    if idx is None:
        q = _probability_q(t, w, eps, C)
        return _reduce(-(log_p * q).sum(axis=1).reshape(shape), reduction, log_p.size // C)
    loss = _nll(log_p, idx, shape, reduction)
    if eps == 0:
        return loss
    w_c = np.ones((), x.dtype) if w is None else _by_class(w, log_p.ndim)
    smooth = np.where(idx.valid, -(log_p * w_c).sum(axis=1), 0).reshape(shape)
    dt = x.dtype.type
    return np.asarray(dt(1 - eps) * loss + dt(eps / C) * _reduce(smooth, reduction, idx.w_y.sum()))


@np.errstate(all="ignore")
def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Array:
    """Cross-entropy of logits x: log_softmax over the classes, then NLL (torch's definition).

    Index targets: ℓ_i = (1 − ε)·(−w[y_i]·log p_i[y_i]) + (ε/C)·(−Σ_c w_c·log p_ic); 'mean' divides both
    terms by Σ w[y_i] over the entries that are not ignored (NaN when there are none).
    Probability targets t: ℓ_i = −Σ_c w_c·((1 − ε)·t_ic + ε/C)·log p_ic; 'mean' divides by the number of
    rows × positions, never by the weights.
    """
    parts = cross_entropy_parts(
        input, target, weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    return cross_entropy_from_parts(parts, reduction)


@np.errstate(all="ignore")
def target_weights(parts: CrossEntropyParts, grad_output: ArrayLike, reduction: str) -> Array:
    """The target weights q with the upstream gradient folded in, so that dL/d log p = −q."""
    x, t, w, shape, eps, log_p, idx = parts
    C = log_p.shape[1]
    if idx is None:
        g = _upstream(grad_output, reduction, shape, np.result_type(x, t), log_p.size // C)
        q = _probability_q(t, w, eps, C) * (g[:, None] if g.ndim else g)
        return q.astype(x.dtype, copy=False)
    g = _upstream(grad_output, reduction, shape, x.dtype, idx.w_y.sum())
    q = _index_q(idx, C, log_p.ndim, g)
    if eps > 0:
        w_c = np.ones((), x.dtype) if w is None else _by_class(w, log_p.ndim)
        g_valid = np.where(idx.valid, g, 0)[:, None]  # ignored entries get no smoothing gradient either
        with np.errstate(invalid="ignore"):
            q = x.dtype.type(1 - eps) * q + x.dtype.type(eps / C) * g_valid * w_c
    return q


@np.errstate(all="ignore")
def fused_gradient(parts: CrossEntropyParts, q: Array) -> Array:
    """dL/dx = p·Σ_c q_c − q with p = softmax(x) = e^(log p): (p − onehot)/N in the plain case."""
    return (np.exp(parts.log_p) * q.sum(axis=1, keepdims=True) - q).reshape(parts.x.shape)


@np.errstate(all="ignore")
def cross_entropy_backward(
    grad_output: ArrayLike,
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Array:
    """dL/dx: (softmax(x) − onehot(y))/N in the plain case (``softmax_minus_onehot``), else the general
    fused gradient p·Σ_c q_c − q with the target weights q (``fused_gradient``)."""
    parts = cross_entropy_parts(
        input, target, weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    return cross_entropy_gradient(parts, grad_output, reduction)


def cross_entropy_gradient(parts: CrossEntropyParts, grad_output: ArrayLike, reduction: str) -> Array:
    """The plain case by the textbook formula, every other case by the general one."""
    if is_plain(parts):
        assert parts.idx is not None
        return softmax_minus_onehot(grad_output, parts.log_p, parts.idx.y, reduction)
    return fused_gradient(parts, target_weights(parts, grad_output, reduction))


def is_plain(parts: CrossEntropyParts) -> bool:
    """Class indices for an (N, C) input, no class weights, no label smoothing and no ignored row."""
    idx = parts.idx
    return parts.x.ndim == 2 and idx is not None and parts.weight is None and parts.eps == 0 and bool(idx.valid.all())


@np.errstate(all="ignore")
def softmax_minus_onehot(grad_output: ArrayLike, log_p: Array, target: Array, reduction: str = "mean") -> Array:
    """The textbook gradient of cross-entropy after softmax: dL/dx_i = (p_i − onehot(y_i)) / N.

    With p = softmax(x_i) = e^(log p), ℓ_i = −log p_{y_i} and Σ_c p_c = 1, the chain rule through softmax
    collapses: dℓ_i/dx_ic = p_c − [c = y_i].  'mean' divides by N, 'sum' does not, 'none' scales row i by
    grad_output[i].
    """
    p = np.exp(log_p)
    N = len(p)
    p[np.arange(N), target] -= 1
    g = _upstream(grad_output, reduction, (N,), p.dtype, N)
    return p * (g[:, None] if g.ndim else g)


@np.errstate(all="ignore")
def cross_entropy_backward_stepwise(
    grad_output: ArrayLike,
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Array:
    """The same gradient the long way: L = −Σ q·log p with p = softmax(x), one chain-rule step at a time.

    dL/dp = −q/p (the derivative of log), then softmax's full Jacobian-vector product
    dL/dx = p ⊙ (dL/dp − Σ_c p_c·dL/dp_c) — not the diagonal p(1 − p) alone.  It divides by p, so it
    breaks (inf/NaN) where p underflows to 0, which is why the fused form is the one to use.
    """
    parts = cross_entropy_parts(
        input, target, weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    q = target_weights(parts, grad_output, reduction)
    p = softmax(_batched(parts.x, parts.x.ndim), dim=1)
    return softmax_backward(-q / p, p, dim=1).reshape(parts.x.shape)
