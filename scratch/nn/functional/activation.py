"""Activation functions and their derivatives (stateless; ~ torch.nn.functional).

Each function ``f`` has a partner ``f_backward`` that maps the upstream gradient
``g = dL/dy`` to ``dL/dx``.  The conventions are torch's, including the value of
the derivative at the kinks (ReLU'(0) = 0, LeakyReLU'(0) = slope, ELU'(0) = alpha)
and which saved array the derivative uses (the output for sigmoid, tanh, softmax).
Inputs must be floating-point NumPy arrays (a TypeError otherwise); like torch, inf and
NaN pass through silently, so NumPy's floating-point warnings are off inside these.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from common import Array, checks


def sigmoid(x: Array) -> Array:
    """σ(x) = 1 / (1 + e^(−x)), evaluated without overflow: e^(−|x|) never exceeds 1."""
    x = checks.floating("sigmoid", "input", x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


@np.errstate(all="ignore")
def sigmoid_backward(g: Array, y: Array) -> Array:
    """dσ/dx = σ(x)(1 − σ(x)), from the output y = σ(x): g·(1 − y)·y."""
    return g * (1 - y) * y


def tanh(x: Array) -> Array:
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))."""
    return np.tanh(checks.floating("tanh", "input", x))


@np.errstate(all="ignore")
def tanh_backward(g: Array, y: Array) -> Array:
    """d tanh/dx = 1 − tanh²(x), from the output: g·(1 − y²).

    Written (1 − y)(1 + y): near saturation (|y| → 1) that keeps its relative precision, where 1 − y·y
    would lose it to the rounding of y·y (torch uses a fused multiply-add for the same reason).
    """
    return g * ((1 - y) * (1 + y))


def relu(x: Array) -> Array:
    """ReLU(x) = max(x, 0)."""
    return np.maximum(checks.floating("relu", "input", x), 0)


def relu_backward(g: Array, y: Array) -> Array:
    """ReLU'(x) = 1 if x > 0 else 0 (0 at the kink, like torch), so dL/dx = g·1[y > 0], from the output y.

    Where g or y holds inf or NaN that product is not torch's answer (inf·0 is NaN): the branch to
    ``relu_backward_nonfinite`` gives it.
    """
    if np.isfinite(g).all() and not np.isnan(y).any():
        return g * (y > 0)
    return relu_backward_nonfinite(g, y)


def relu_backward_nonfinite(g: Array, y: Array) -> Array:
    """torch's ReLU gradient for any g and y: 0 where the unit is blocked (y ≤ 0), even where g is inf or NaN,
    and g where it is not, a NaN input included (NaN ≤ 0 is false: its gradient passes through)."""
    return np.where(y <= 0, g.dtype.type(0), g)


@np.errstate(all="ignore")
def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    """LeakyReLU(x) = x if x > 0 else negative_slope·x."""
    x = checks.floating("leaky_relu", "input", x)
    return np.where(x > 0, x, x * x.dtype.type(negative_slope))


@np.errstate(all="ignore")
def leaky_relu_backward(g: Array, x: Array, negative_slope: float = 0.01) -> Array:
    """LeakyReLU'(x) = 1 if x > 0 else negative_slope (the slope at the kink, like torch)."""
    return g * np.where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))


@np.errstate(all="ignore")
def elu(x: Array, alpha: float = 1.0) -> Array:
    """ELU(x) = x if x > 0 else α·(e^x − 1)  (expm1 keeps it accurate near 0)."""
    x = checks.floating("elu", "input", x)
    a = x.dtype.type(alpha)
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))


@np.errstate(all="ignore")
def elu_backward(g: Array, x: Array, alpha: float = 1.0) -> Array:
    """ELU'(x) = 1 if x > 0 else α·e^x — from the input, and α at x = 0 (torch's branch).

    A NaN input gives a NaN gradient, as torch's vectorised kernel does (its scalar loop, for the last few
    elements of an array, passes g through instead).
    """
    a = x.dtype.type(alpha)
    return np.where(x > 0, g, g * a * np.exp(np.minimum(x, 0)))


def implicit_softmax_dim(ndim: int) -> int:
    """torch's choice when ``dim`` is None: 0 for 0-, 1- and 3-d inputs, else 1 (a 3-d input is usually a bug)."""
    return 0 if ndim in (0, 1, 3) else 1


def resolved_dim(dim: int | None, ndim: int) -> int:
    """The dimension a softmax over ``ndim`` dimensions used: ``dim``, or torch's implicit choice when None."""
    return implicit_softmax_dim(ndim) if dim is None else dim


def check_softmax_dim(name: str, dim: Any) -> int | None:
    """``dim`` must be an int or None (torch: ``argument 'dim' must be int, not float``)."""
    if dim is None or type(dim) is int:
        return dim
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name}: dim must be an int or None, got {dim!r}")
    return int(dim)


def _softmax_dim(name: str, x: Array, dim: int | None) -> int:
    """torch's rule for ``dim=None`` (with its deprecation warning), and the range check."""
    dim = check_softmax_dim(name, dim)
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. "
            "Change the call to include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
        dim = implicit_softmax_dim(x.ndim)
    rank = max(x.ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return dim if x.ndim else 0


@np.errstate(all="ignore")
def softmax(x: Array, dim: int | None = None) -> Array:
    """softmax(x)_i = e^(x_i − m) / Σ_j e^(x_j − m) along ``dim``, m = max_j x_j (so e^· ≤ 1)."""
    x = checks.floating("softmax", "input", x)
    dim = _softmax_dim("softmax", x, dim)
    if x.ndim == 0:
        return np.ones_like(x)
    if x.size == 0:  # nothing to normalise (max over an empty dimension has no value)
        return x.copy()
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@np.errstate(all="ignore")
def softmax_backward(g: Array, y: Array, dim: int) -> Array:
    """The Jacobian-vector product of softmax: dL/dx = y ⊙ (g − Σ_j g_j y_j)."""
    return y * (g - (g * y).sum(axis=dim, keepdims=True)) if y.ndim else np.zeros_like(y)


@np.errstate(all="ignore")
def log_softmax(x: Array, dim: int | None = None) -> Array:
    """log softmax(x)_i = x_i − m − log Σ_j e^(x_j − m); never log(softmax(x)), which underflows to −inf."""
    x = checks.floating("log_softmax", "input", x)
    dim = _softmax_dim("log_softmax", x, dim)
    if x.ndim == 0:
        return np.zeros_like(x)
    if x.size == 0:
        return x.copy()
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


@np.errstate(all="ignore")
def log_softmax_backward(g: Array, y: Array, dim: int) -> Array:
    """dL/dx = g − softmax(x) ⊙ Σ_j g_j, with softmax(x) = e^y."""
    return g - np.exp(y) * g.sum(axis=dim, keepdims=True) if y.ndim else np.zeros_like(y)


def heaviside(x: Array, value_at_zero: float = 0.0) -> Array:
    """The step function: 0 for x < 0, ``value_at_zero`` at 0, 1 for x > 0 (NaN → 0, as torch.heaviside).

    It has no useful derivative (0 almost everywhere), which is why the perceptron
    is trained by Rosenblatt's rule and not by backpropagation.
    """
    x = checks.array("heaviside", "input", x)
    step = (x > 0).astype(x.dtype)
    return np.where(x == 0, x.dtype.type(value_at_zero), step)
