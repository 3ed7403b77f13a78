"""Batch normalisation and its derivative (stateless; ~ torch.nn.functional.batch_norm).

For an input x of shape (N, C), each channel (column) c is normalised over its N values in the batch:
    μ = (1/N) Σ x,   σ² = (1/N) Σ (x − μ)²   (the biased variance),
    x̂ = (x − μ)/√(σ² + ε),   y = γ·x̂ + β.
Backward, for g = dL/dy and ĝ = γ·g, through μ and σ² as well as x̂:
    dL/dγ = Σ g·x̂,   dL/dβ = Σ g,
    dL/dx = (1/√(σ² + ε))·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)).
With fixed statistics (the running ones, in evaluation) μ and σ² are constants and dL/dx = ĝ/√(σ² + ε).
An input of shape (N, C, L) is the same with N·L values per channel: ``rows`` lays it out as (N·L, C).
Sums and means are accumulated in float64, as torch's CPU kernels accumulate them, then rounded once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array, checks


def rows(a: Array) -> Array:
    """(N, C, L) → (N·L, C): every position of every sample is one more row of its channel; (N, C) unchanged."""
    return a if a.ndim == 2 else a.transpose(0, 2, 1).reshape(-1, a.shape[1])


def unrows(a: Array, shape: tuple[int, ...]) -> Array:
    """The inverse of ``rows``: (N·L, C) back to (N, C, L)."""
    return a if len(shape) == 2 else a.reshape(shape[0], shape[2], shape[1]).transpose(0, 2, 1)


def sum64(a: Array) -> Array:
    """Σ over the rows of a, accumulated in float64, rounded to a's dtype."""
    return a.sum(axis=0, dtype=np.float64).astype(a.dtype, copy=False)


def mean64(a: Array) -> Array:
    """(1/N) Σ over the rows of a, accumulated in float64, rounded to a's dtype."""
    return a.mean(axis=0, dtype=np.float64).astype(a.dtype, copy=False)


@np.errstate(all="ignore")  # inf and NaN propagate silently, as in torch
def batch_statistics(x: Array) -> tuple[Array, Array]:
    """(μ, σ²) of each column of x (N, C): the mean and the biased variance (1/N) Σ (x − μ)², in float64 first."""
    x64 = x.astype(np.float64, copy=False)
    mean = x64.mean(axis=0)
    var = np.square(x64 - mean).mean(axis=0)
    return mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


@np.errstate(all="ignore")
def update_running(running_mean: Array, running_var: Array, mean: Array, var: Array, m: int, momentum: float) -> None:
    """running ← (1 − momentum)·running + momentum·batch, in place (torch's convention for momentum), for the
    mean and for the unbiased variance m/(m − 1)·σ² of the batch's m values per channel."""
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean
    running_var[...] = (1 - momentum) * running_var + momentum * (var * var.dtype.type(m / (m - 1)))


@np.errstate(all="ignore")
def batch_norm(
    x: Array,
    running_mean: Array | None,
    running_var: Array | None,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Array:
    """y = γ·(x − μ)/√(σ² + ε) + β with the batch's statistics in training (updating the running ones in
    place) and the running statistics otherwise."""
    checks.boolean("batch_norm", "training", training)
    checks.real("batch_norm", "momentum", momentum, finite=True)
    checks.real("batch_norm", "eps", eps, minimum=0.0, finite=True)
    batch = training or running_mean is None or running_var is None
    x = check_input("batch_norm", x, None, batch, eps)
    r = rows(x)
    mean: Array | None
    var: Array | None
    if r.size == 0:  # no values, no statistics: torch returns the (empty) affine map
        mean, var = np.zeros(r.shape[1], x.dtype), np.ones(r.shape[1], x.dtype)
    elif batch:
        mean, var = batch_statistics(r)
        if training and running_mean is not None and running_var is not None:
            update_running(running_mean, running_var, mean, var, len(r), momentum)
    else:
        mean, var = running_mean, running_var
    y = (r - mean) * (1 / np.sqrt(var + x.dtype.type(eps)))
    y = y if weight is None else y * weight
    return unrows(y if bias is None else y + bias, x.shape)


@np.errstate(all="ignore")
def batch_norm_backward(
    g: Array, x_hat: Array, invstd: Array, weight: Array | None, batch_stats: bool
) -> tuple[Array, Array, Array]:
    """(dL/dx, dL/dγ, dL/dβ) for g, x̂ of shape (N, C) and the saved 1/√(σ² + ε); ``batch_stats`` says whether
    μ and σ² came from x (training) or were constants (the running statistics)."""
    dweight, dbias = sum64(g * x_hat), sum64(g)
    g_hat = g if weight is None else g * weight
    if not batch_stats or g.size == 0:
        return g_hat * invstd, dweight, dbias
    return (g_hat - mean64(g_hat) - x_hat * mean64(g_hat * x_hat)) * invstd, dweight, dbias


def check_input(where: str, x: Any, num_features: int | None, training: bool, eps: float) -> Array:
    """x is a floating (N, C) or (N, C, L) array with C = num_features, with more than one value per channel
    and a positive eps when the batch statistics are used (torch's messages)."""
    x = checks.floating(where, "input", x)
    if x.ndim not in (2, 3):
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    if num_features is not None and x.shape[1] != num_features:
        raise ValueError(
            f"{where}: expected {num_features} features (channels) on axis 1, got an input of shape {x.shape}"
        )
    if training and x.size and x.size // x.shape[1] == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
    if training and not eps > 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if not eps >= 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return x
