"""Negative log-likelihood and cross-entropy, with their derivatives (~ torch.nn.functional).

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
from scratch.nn.functional.loss import _floating, _reduce, _upstream, check_reduction


class _Indices(NamedTuple):
    y: Array  # class indices (N, d1, ...), ignored entries replaced by 0
    valid: Array  # True where the entry is not ignored
    w_y: Array  # w[y_i] where valid, 0 where ignored; its sum is the 'mean' denominator


def _class_args(
    name: str, input: ArrayLike, target: ArrayLike, weight: ArrayLike | None, reduction: str
) -> tuple[Array, Array, Array | None, tuple[int, ...]]:
    """Check the input and the class weights; return x, target, weight and the shape of the 'none' loss."""
    check_reduction(reduction)
    x = _floating(name, "input", input)
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have shape (C,), (N, C) or (N, C, d1, ...), got ()")
    C = _num_classes(x)
    w = None if weight is None else np.asarray(weight, dtype=x.dtype)
    if w is not None and w.shape != (C,):
        raise ValueError(f"{name}: weight must hold one value per class, shape ({C},), got shape {w.shape}")
    return x, np.asarray(target), w, x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()


def _num_classes(x: Array) -> int:
    return x.shape[1] if x.ndim > 1 else x.shape[0]


def _batched(a: Array, ndim: int) -> Array:
    """View the arrays of a (C,) input as a batch of one: (C,) → (1, C), () → (1,)."""
    return a if ndim > 1 else a[None]


def _by_class(w: Array, ndim: int) -> Array:
    """Shape a (C,) vector to broadcast along axis 1 of an (N, C, d1, ...) array."""
    return w.reshape((-1,) + (1,) * (ndim - 2))


def _indices(
    name: str, x: Array, target: Array, expected: tuple[int, ...], weight: Array | None, ignore_index: int
) -> _Indices:
    """Check a class-index target (``expected`` is its shape for this input); ignored entries become class 0."""
    C = _num_classes(x)
    ignore_index = check_ignore_index(ignore_index)
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: a class-index target must hold integers, got dtype {target.dtype} "
            f"(class probabilities would need the input's shape {x.shape}, got {target.shape})"
        )
    if target.shape != expected:
        raise ValueError(f"{name}: input shape {x.shape} needs a target of shape {expected}, got {target.shape}")
    t = _batched(target.astype(np.int64), x.ndim)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"{name}: Target {t[bad][0]} is out of bounds for {C} classes (ignore_index={ignore_index})")
    y = np.where(valid, t, 0)
    w_y = valid.astype(x.dtype) if weight is None else np.where(valid, weight[y], 0)
    return _Indices(y, valid, w_y)


def _nll(log_p: Array, idx: _Indices, shape: tuple[int, ...], reduction: str) -> Array:
    """ℓ_i = −w[y_i]·log_p[i, y_i] (0 where ignored), reduced with the denominator Σ w[y_i]."""
    if log_p.ndim == 2:
        picked = log_p[np.arange(len(log_p)), idx.y]  # row i's entry at column y_i
    else:  # (N, C, d1, ...): the same pick along the class axis, at every position
        picked = np.take_along_axis(log_p, idx.y[:, None], axis=1)[:, 0]
    with np.errstate(invalid="ignore"):  # an ignored entry may hold ±inf: 0·inf is discarded by the where
        loss = np.where(idx.valid, -idx.w_y * picked, 0)
    return _reduce(loss.reshape(shape), reduction, idx.w_y.sum())


def _index_q(idx: _Indices, C: int, ndim: int, g: Array) -> Array:
    """q_ic = w[y_i]·g_i at c = y_i, else 0; g_i is the upstream gradient of ℓ_i (÷ denominator for 'mean')."""
    with np.errstate(invalid="ignore"):  # 0·inf = NaN when 'mean' divides by Σ w[y_i] = 0, as in torch
        coef = np.where(idx.valid, idx.w_y * g, 0)
    onehot = idx.y[:, None] == _by_class(np.arange(C), ndim)
    return np.where(onehot, coef[:, None], 0)


@np.errstate(all="ignore")
def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Array:
    """Negative log-likelihood: ℓ_i = −w[y_i]·x[i, y_i], for log-probabilities x (any real numbers work).

    'mean' divides by Σ w[y_i] over the entries that are not ignored.
    """
    x, t, w, shape = _class_args("nll_loss", input, target, weight, reduction)
    return _nll(_batched(x, x.ndim), _indices("nll_loss", x, t, shape, w, ignore_index), shape, reduction)


@np.errstate(all="ignore")
def nll_loss_backward(
    grad_output: ArrayLike,
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Array:
    """dL/dx[i, c] = −w[y_i]·g_i at c = y_i and 0 elsewhere (0 for ignored entries)."""
    x, t, w, shape = _class_args("nll_loss", input, target, weight, reduction)
    idx = _indices("nll_loss", x, t, shape, w, ignore_index)
    g = _upstream(grad_output, reduction, shape, x.dtype, idx.w_y.sum())
    return _index_q(idx, _num_classes(x), max(x.ndim, 2), -g).reshape(x.shape)


def check_label_smoothing(label_smoothing: float) -> float:
    """ε ≤ 1 (torch: RuntimeError); torch silently treats a negative ε (or NaN) as 0, and so does this."""
    eps = float(checks.real("cross_entropy", "label_smoothing", label_smoothing))
    if eps > 1:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return eps if eps > 0 else 0.0


def check_ignore_index(ignore_index: int) -> int:
    """torch: ``argument 'ignore_index' must be int, not float``."""
    return checks.integer("cross_entropy", "ignore_index", ignore_index)


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
        return softmax_minus_onehot(parts, grad_output, reduction)
    return fused_gradient(parts, target_weights(parts, grad_output, reduction))


def is_plain(parts: CrossEntropyParts) -> bool:
    """Class indices for an (N, C) input, no class weights, no label smoothing and no ignored row."""
    idx = parts.idx
    return parts.x.ndim == 2 and idx is not None and parts.weight is None and parts.eps == 0 and bool(idx.valid.all())


@np.errstate(all="ignore")
def softmax_minus_onehot(parts: CrossEntropyParts, grad_output: ArrayLike, reduction: str) -> Array:
    """The textbook gradient of cross-entropy after softmax: dL/dx_i = (p_i − onehot(y_i)) / N.

    With p = softmax(x_i), ℓ_i = −log p_{y_i} and Σ_c p_c = 1, the chain rule through softmax collapses:
    dℓ_i/dx_ic = p_c − [c = y_i].  'mean' divides by N, 'sum' does not, 'none' scales row i by grad_output[i].
    """
    assert parts.idx is not None
    p = np.exp(parts.log_p)  # softmax(x), from the forward's log-softmax
    N = len(p)
    p[np.arange(N), parts.idx.y] -= 1
    g = _upstream(grad_output, reduction, parts.shape, p.dtype, N)
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
