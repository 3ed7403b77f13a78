"""Dropout and its derivative (stateless; ~ torch.nn.functional.dropout).

In training, each element is kept with probability 1 − p and scaled by 1/(1 − p), else zeroed:
y = x·m/(1 − p), m ~ Bernoulli(1 − p), so that E[y] = x and the next layer sees the same scale in
training and in evaluation, where dropout is the identity.  The derivative is the same mask and
scale: dL/dx = g·m/(1 − p).
"""

from __future__ import annotations

import numpy as np

from common import Array, checks
from scratch.random import Generator, default_generator


def dropout_noise(x: Array, p: float, generator: Generator | None = None) -> Array:
    """The factor m/(1 − p) that multiplies x, in x's dtype: 0 or 1/(1 − p) for each element.

    torch draws the mask as ``bernoulli_(1 − p)`` into an array laid out like x (one 53-bit uniform per
    element, in memory order) and divides it by 1 − p: the same seed gives the same mask here.
    """
    one = x.dtype.type(1)
    if p == 1:  # torch draws nothing and multiplies by zero
        return np.zeros_like(x)
    keep = (default_generator if generator is None else generator).bernoulli(x.size, 1 - p)
    noise = np.where(keep, one / x.dtype.type(1 - p), x.dtype.type(0))
    if x.flags.c_contiguous:
        return noise.reshape(x.shape)
    return in_memory_order(noise, x)  # torch draws in x's memory order: a transposed x gets its mask transposed


@np.errstate(all="ignore")  # inf and NaN pass through, and inf·0 is NaN, as in torch
def dropout(x: Array, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
    """y = x·m/(1 − p) in training (a fresh mask m from the global stream each call), x itself in evaluation
    or when p = 0.  ``inplace=True`` writes y into x."""
    x, p = checks.floating("dropout", "input", x), checks.dropout_p("dropout", p)
    training, inplace = checks.boolean("dropout", "training", training), checks.boolean("dropout", "inplace", inplace)
    if not training or p == 0 or x.size == 0:
        return x
    noise = dropout_noise(x, p)
    return np.multiply(x, noise, out=x) if inplace else x * noise


@np.errstate(all="ignore")
def dropout_backward(g: Array, noise: Array) -> Array:
    """dL/dx = g·m/(1 − p): the gradient flows through the kept elements, scaled as they were."""
    return g * noise


def in_memory_order(values: Array, like: Array) -> Array:
    """``values`` (one per element, in draw order) laid out as torch lays out ``empty_like(like)``.

    torch keeps the order of the input's strides (a transposed array gets its draws in memory order)
    and packs a strided view densely in that order.
    """
    axes = _dense_axis_order(like.shape, like.strides)
    shape = tuple(like.shape[axis] for axis in axes)
    return values.reshape(shape).transpose(np.argsort(axes))


def _dense_axis_order(shape: tuple[int, ...], strides: tuple[int, ...]) -> list[int]:
    """The axes from outermost to innermost, as torch's ``infer_dense_strides`` orders them: an insertion
    sort by stride (larger outside; equal strides by size) in which a zero stride (a broadcast axis)
    decides nothing."""

    def outer(a: int, b: int) -> int:  # > 0: axis a belongs outside axis b; < 0: inside; 0: undecided
        if strides[a] == 0 or strides[b] == 0:
            return 0
        if strides[a] != strides[b]:
            return 1 if strides[a] > strides[b] else -1
        return 1 if shape[a] > shape[b] else 0

    perm = list(range(len(shape)))[::-1]  # innermost first, as torch sorts
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            order = outer(perm[k], perm[j])
            if order > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif order < 0:
                break
    return perm[::-1]
