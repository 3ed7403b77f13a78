"""Batch normalisation and its derivative (stateless; ~ torch.nn.functional.batch_norm).

For an input x of shape (N, C) or (N, C, L), each channel c is normalised over the m = N (or N·L)
values it has in the batch:
    μ = (1/m) Σ x,   σ² = (1/m) Σ (x − μ)²   (the biased variance),
    x̂ = (x − μ)/√(σ² + ε),   y = γ·x̂ + β.
Backward, for g = dL/dy and ĝ = γ·g, through μ and σ² as well as x̂:
    dL/dγ = Σ g·x̂,   dL/dβ = Σ g,
    dL/dx = (1/(m√(σ² + ε)))·(m·ĝ − Σ ĝ − x̂·Σ ĝ·x̂).
With fixed statistics (the running ones, in evaluation) μ and σ² are constants and dL/dx = ĝ/√(σ² + ε).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array, checks


def channel_axes(x: Array) -> tuple[int, ...]:
    """The axes a channel's statistics are taken over: the batch (and length) axes, all but axis 1."""
    return (0,) if x.ndim == 2 else (0, 2)


def per_channel(v: Array, x: Array) -> Array:
    """A (C,) array shaped to broadcast against x: (1, C) or (1, C, 1)."""
    return v.reshape((1, -1) if x.ndim == 2 else (1, -1, 1))


def channel_sum(a: Array) -> Array:
    """Σ over each channel's values, accumulated in float64 as torch's CPU kernels do, in a's dtype."""
    return a.sum(axis=channel_axes(a), dtype=np.float64).astype(a.dtype, copy=False)


def channel_mean(a: Array) -> Array:
    """(1/m) Σ over each channel's values, accumulated in float64, in a's dtype."""
    return a.mean(axis=channel_axes(a), dtype=np.float64).astype(a.dtype, copy=False)


@np.errstate(all="ignore")  # inf and NaN propagate silently, as in torch
def batch_statistics(x: Array) -> tuple[Array, Array]:
    """(μ, σ²) of each channel: the mean and the biased variance (1/m) Σ (x − μ)², both in float64 first."""
    x64 = x.astype(np.float64, copy=False)
    mean = channel_mean(x64)
    var = channel_mean(np.square(x64 - per_channel(mean, x64)))
    return mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


@np.errstate(all="ignore")
def normalize(x: Array, mean: Array, var: Array, eps: float) -> tuple[Array, Array]:
    """(x̂, 1/√(σ² + ε)): x with each channel shifted to mean 0 and scaled to variance 1."""
    invstd = 1 / np.sqrt(var + x.dtype.type(eps))
    return (x - per_channel(mean, x)) * per_channel(invstd, x), invstd


@np.errstate(all="ignore")
def scale_and_shift(x_hat: Array, weight: Array | None, bias: Array | None) -> Array:
    """y = γ·x̂ + β (γ = 1 and β = 0 when the layer has no affine parameters)."""
    y = x_hat if weight is None else x_hat * per_channel(weight, x_hat)
    return y if bias is None else y + per_channel(bias, x_hat)


@np.errstate(all="ignore")
def update_running(running: Array, batch: Array, momentum: float) -> None:
    """running ← (1 − momentum)·running + momentum·batch, in place (torch's convention for momentum)."""
    running[...] = (1 - momentum) * running + momentum * batch


def unbiased(var: Array, m: int) -> Array:
    """The unbiased variance m/(m − 1)·σ² that the running estimate tracks."""
    return var * var.dtype.type(m / (m - 1))


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
    x = check_input("batch_norm", x, None, training or running_mean is None or running_var is None, eps)
    if x.size == 0:  # no values, no statistics: torch returns the (empty) affine map
        return scale_and_shift(x, weight, bias)
    if training or running_mean is None or running_var is None:
        mean, var = batch_statistics(x)
        if training and running_mean is not None and running_var is not None:
            update_running(running_mean, mean, momentum)
            update_running(running_var, unbiased(var, x.size // x.shape[1]), momentum)
    else:
        mean, var = running_mean, running_var
    return scale_and_shift(normalize(x, mean, var, eps)[0], weight, bias)


@np.errstate(all="ignore")
def batch_norm_backward(
    g: Array, x_hat: Array, invstd: Array, weight: Array | None, batch_stats: bool
) -> tuple[Array, Array, Array]:
    """(dL/dx, dL/dγ, dL/dβ) from the saved x̂ and 1/√(σ² + ε); ``batch_stats`` says whether μ, σ² came from x."""
    dweight, dbias = channel_sum(g * x_hat), channel_sum(g)
    if g.size == 0:  # an empty batch: nothing to differentiate
        return g.copy(), dweight, dbias
    g_hat = g if weight is None else g * per_channel(weight, g)
    if not batch_stats:
        return g_hat * per_channel(invstd, g), dweight, dbias
    mean_g = per_channel(channel_mean(g_hat), g)
    mean_gx = per_channel(channel_mean(g_hat * x_hat), g)
    return (g_hat - mean_g - x_hat * mean_gx) * per_channel(invstd, g), dweight, dbias


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
