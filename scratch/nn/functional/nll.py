"""Negative log-likelihood of class-index targets, with its derivative (~ torch.nn.functional.nll_loss).

The input has shape (C,), (N, C) or (N, C, d1, ...): the classes are on axis 1 (axis 0 for (C,)), and
spatial positions d1, ... behave like more rows.  The target holds class indices, shape (), (N,) or
(N, d1, ...); entries equal to ``ignore_index`` are skipped, and class weights w rescale each row:

    ℓ_i = −w[y_i]·x[i, y_i],   'mean' divides Σ ℓ_i by Σ w[y_i] over the rows not ignored,
    dℓ_i/dx[i, c] = −w[y_i] at c = y_i, 0 elsewhere.

The index checks and the pick are shared with cross-entropy's general path (cross_entropy.py).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from common import Array, checks
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


def check_ignore_index(ignore_index: int) -> int:
    """torch: ``argument 'ignore_index' must be int, not float``."""
    return checks.integer("cross_entropy", "ignore_index", ignore_index)
