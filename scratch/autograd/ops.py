"""The operations a Tensor records, each forward beside its vector-Jacobian product (g = dL/d(output)).

Binary operations broadcast as NumPy does; ``unbroadcast`` sums a gradient back to the shape of the input it
belongs to.  An operand may be a Tensor, an ndarray or a Python number, on either side.

The dtype of a result is torch's (``torch.result_type``), not NumPy's.  Dtypes fall into categories,
bool < integer < floating point, and the operands into three ranks: tensors with dimensions, 0-d tensors, Python
numbers.  The highest category among all operands decides; an operand of a lower rank counts only when its
category is higher than every higher-ranked operand's.  Within the deciding rank and category dtypes promote as
usual (float32 with float64 is float64, int8 with uint8 is int16); a Python number alone gives torch's default
dtype for its category (float → float32, int → int64, bool → bool).  So float32 ⊕ a 0-d float64 tensor or a Python
float is float32, int32 ⊕ a Python float is float32, int32 ⊕ a 0-d float64 tensor is float64, and an integer
divided by an integer is float32 (true division).  Both operands are cast to the result's dtype before the
operation, and each input's gradient comes back in that input's own dtype.  An ndarray counts as a tensor, a
NumPy scalar as a Python number (as torch reads them).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from common import Array
from scratch.autograd.arguments import DEFAULT_DTYPE, reduced_axes, result_type, wrap_dim
from scratch.autograd.tensor import VJP, MaxResult, Node, Tensor, recording


def record(name: str, data: Array, inputs: Sequence[Tensor], vjp: VJP) -> Tensor:
    """A Tensor holding ``data`` that, when an input requires grad (and ``no_grad`` is off), records its Node."""
    out = Tensor(data)
    if recording() and any(t.requires_grad for t in inputs):
        out.requires_grad = True
        out.grad_fn = Node(name, tuple(inputs), data.shape, vjp)
    return out


def tensor(value: Any) -> Tensor:
    """An operand as a Tensor: a Tensor as it is, an array or a number wrapped (no gradient)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, numbers.Number)):
        return Tensor(np.asarray(value))
    raise TypeError(f"unsupported operand: expected a Tensor, a numpy array or a number, got {type(value).__name__}")


def unbroadcast(g: Array, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Array:
    """Σ of g over the axes NumPy broadcast an input of ``shape`` along: its gradient, in its dtype."""
    extra = g.ndim - len(shape)
    stretched = tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
    g = g.sum(axis=tuple(range(extra)) + stretched, keepdims=True) if extra or stretched else g
    return g.reshape(shape).astype(dtype, copy=False)


def _operands(name: str, a: Any, b: Any, true_division: bool = False) -> tuple[Tensor, Tensor, Array, Array]:
    """Both operands as Tensors, and their values cast to the result's dtype (torch's promotion, above; true
    division of integers gives float32); shapes that do not broadcast are a ValueError naming both."""
    x, y = tensor(a), tensor(b)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {x.shape} and {y.shape} do not broadcast") from None
    dtype = result_type(a, b)
    if true_division and dtype.kind in "biu":
        dtype = DEFAULT_DTYPE["f"]
    return x, y, x.data.astype(dtype, copy=False), y.data.astype(dtype, copy=False)


@np.errstate(all="ignore")  # inf and NaN propagate silently, as in torch
def add(a: Any, b: Any) -> Tensor:
    """a + b;  dL/da = g, dL/db = g (each summed back to its shape)."""
    x, y, u, v = _operands("add", a, b)
    return record(
        "AddBackward0",
        np.asarray(u + v),
        (x, y),
        lambda g: (unbroadcast(g, x.shape, x.dtype), unbroadcast(g, y.shape, y.dtype)),
    )


@np.errstate(all="ignore")
def sub(a: Any, b: Any) -> Tensor:
    """a − b;  dL/da = g, dL/db = −g."""
    x, y, u, v = _operands("sub", a, b)
    if np.bool_ in (x.dtype, y.dtype):
        raise TypeError("sub: subtraction with a bool operand is not supported (as in torch); use logical_xor/not")
    return record(
        "SubBackward0",
        np.asarray(u - v),
        (x, y),
        lambda g: (unbroadcast(g, x.shape, x.dtype), unbroadcast(-g, y.shape, y.dtype)),
    )


@np.errstate(all="ignore")
def mul(a: Any, b: Any) -> Tensor:
    """a·b;  dL/da = g·b, dL/db = g·a."""
    x, y, u, v = _operands("mul", a, b)
    return record(
        "MulBackward0",
        np.asarray(u * v),
        (x, y),
        lambda g: (unbroadcast(g * v, x.shape, x.dtype), unbroadcast(g * u, y.shape, y.dtype)),
    )


@np.errstate(all="ignore")
def div(a: Any, b: Any) -> Tensor:
    """a/b;  dL/da = g/b, dL/db = −g·(a/b)/b (torch's order of operations)."""
    x, y, u, v = _operands("div", a, b, true_division=True)
    return record(
        "DivBackward0",
        np.asarray(u / v),
        (x, y),
        lambda g: (unbroadcast(g / v, x.shape, x.dtype), unbroadcast(-g * ((u / v) / v), y.shape, y.dtype)),
    )


def neg(a: Tensor) -> Tensor:
    """−a;  dL/da = −g."""
    if a.dtype == np.bool_:
        raise TypeError("neg: negation of a bool tensor is not supported (as in torch); use logical_not")
    return record("NegBackward0", -a.data, (a,), lambda g: (-g,))


@np.errstate(all="ignore")
def pow(a: Tensor, c: Any) -> Tensor:
    """a^c for a constant c;  dL/da = g·c·a^(c−1) (0 when c = 0)."""
    if isinstance(c, bool) or not isinstance(c, numbers.Real):
        raise TypeError(f"pow: the exponent must be a number (a constant), got {type(c).__name__}")
    c = c.item() if isinstance(c, np.generic) else c  # a NumPy scalar is a Python number, as in torch
    x = a.data.astype(result_type(a, c), copy=False)
    return record(
        "PowBackward0", _power(x, c), (a,), lambda g: (np.zeros_like(g) if c == 0 else g * (c * _power(x, c - 1)),)
    )


def _power(x: Array, c: float) -> Array:
    """x^c as torch computes it: x^(−1/2) as 1/√x (so (−0)^(−1/2) = −inf and (−inf)^(−1/2) = NaN, not C's pow)."""
    return 1 / np.sqrt(x) if c == -0.5 else x**c


@np.errstate(all="ignore")
def matmul(a: Any, b: Any) -> Tensor:
    """a @ b;  dL/da = g @ bᵀ, dL/db = aᵀ @ g (a 1-D operand is a row or a column, as in NumPy and torch)."""
    x, y = tensor(a), tensor(b)
    if x.ndim == 0 or y.ndim == 0 or x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} cannot be multiplied")
    if x.dtype != y.dtype:
        raise TypeError(f"matmul: expected both operands to have the same dtype, got {x.dtype} and {y.dtype}")
    A = x.data[None, :] if x.ndim == 1 else x.data  # 1-D operands as matrices, then back
    B = y.data[:, None] if y.ndim == 1 else y.data

    def vjp(g: Array) -> tuple[Array, Array]:
        G = np.expand_dims(g, -1) if y.ndim == 1 else g
        G = np.expand_dims(G, -2) if x.ndim == 1 else G
        dA, dB = G @ np.swapaxes(B, -1, -2), np.swapaxes(A, -1, -2) @ G
        dA = dA[..., 0, :] if x.ndim == 1 else dA
        dB = dB[..., 0] if y.ndim == 1 else dB
        return unbroadcast(dA, x.shape, x.dtype), unbroadcast(dB, y.shape, y.dtype)

    return record("MmBackward0", np.asarray(x.data @ y.data), (x, y), vjp)


def _expand(g: Array, t: Tensor, axes: tuple[int, ...], keepdim: bool) -> Array:
    """g, the gradient of a reduction over ``axes``, spread back over t's shape."""
    return np.broadcast_to(g if keepdim else np.expand_dims(g, axes), t.shape)


@np.errstate(all="ignore")
def sum(t: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
    """Σ over ``dim`` (every axis when None or empty);  dL/dt = g copied to every summed element."""
    axes = reduced_axes(t, dim)
    return record(
        "SumBackward0",
        np.asarray(t.data.sum(axis=axes, keepdims=keepdim)),
        (t,),
        lambda g: (_expand(g, t, axes, keepdim),),
    )


@np.errstate(all="ignore")
def mean(t: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
    """(1/n) Σ over ``dim``, n the number of elements averaged (0/0 = NaN over none);  dL/dt = g/n for each."""
    axes = reduced_axes(t, dim)
    if t.dtype.kind not in "fc":
        raise TypeError(f"mean: input must be floating point (as in torch), got dtype {t.dtype}")
    n = t.dtype.type(math.prod(t.shape[a] for a in axes))
    return record(
        "MeanBackward0",
        np.asarray(t.data.sum(axis=axes, keepdims=keepdim) / n),
        (t,),
        lambda g: (_expand(g, t, axes, keepdim) / n,),
    )


def max_dim(t: Tensor, dim: int, keepdim: bool = False) -> MaxResult:
    """(values, indices) of the maximum along ``dim`` (the first one among ties);  dL/dt = g at those indices."""
    axis = wrap_dim(t, dim)
    x = t.data.reshape(1) if t.ndim == 0 else t.data  # a 0-d tensor: its one element, along dim 0
    if x.shape[axis] == 0:
        raise IndexError(f"max(): Expected reduction dim {axis} to have non-zero size.")
    kept = np.expand_dims(x.argmax(axis=axis), axis)
    shape = (kept.shape if keepdim else kept.shape[:axis] + kept.shape[axis + 1 :]) if t.ndim else ()

    def vjp(g: Array) -> tuple[Array]:
        grad = np.zeros_like(x)
        np.put_along_axis(grad, kept, g.reshape(kept.shape), axis)
        return (grad.reshape(t.shape),)

    values = np.take_along_axis(x, kept, axis).reshape(shape)
    return MaxResult(record("MaxBackward0", values, (t,), vjp), Tensor(kept.reshape(shape)))


def max_all(t: Tensor) -> Tensor:
    """The largest element;  dL/dt = g shared evenly among the elements that attain it (torch's rule)."""
    if t.numel() == 0:
        raise ValueError("max(): the input has no elements; give the reduction dim (max(dim)) as torch requires")
    top = t.data.max()
    ties = np.isnan(t.data) if np.isnan(top) else t.data == top  # a NaN maximum: the NaNs share g
    return record("MaxBackward1", np.asarray(top), (t,), lambda g: (np.where(ties, g / ties.sum(), 0).astype(t.dtype),))


@np.errstate(all="ignore")
def exp(t: Tensor) -> Tensor:
    """e^t;  dL/dt = g·e^t (the output itself)."""
    y = np.exp(_floating(t))
    return record("ExpBackward0", y, (t,), lambda g: (g * y,))


@np.errstate(all="ignore")
def log(t: Tensor) -> Tensor:
    """ln t;  dL/dt = g/t."""
    return record("LogBackward0", np.log(_floating(t)), (t,), lambda g: (g / t.data,))


@np.errstate(all="ignore")
def tanh(t: Tensor) -> Tensor:
    """tanh t;  dL/dt = g·(1 − y²), written (1 − y)(1 + y) to keep its precision near |y| = 1."""
    y = np.tanh(_floating(t))
    return record("TanhBackward0", y, (t,), lambda g: (g * ((1 - y) * (1 + y)),))


@np.errstate(all="ignore")
def sigmoid(t: Tensor) -> Tensor:
    """σ(t) = 1/(1 + e^(−t)), without overflow;  dL/dt = g·(1 − y)·y."""
    x = _floating(t)
    z = np.exp(-np.abs(x))
    y = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return record("SigmoidBackward0", y, (t,), lambda g: (g * (1 - y) * y,))


def relu(t: Tensor) -> Tensor:
    """max(t, 0);  dL/dt = g where the output is positive, else 0 (0 at the kink, as torch)."""
    y = np.maximum(t.data, 0)
    return record("ReluBackward0", y, (t,), lambda g: (np.where(y <= 0, 0, g).astype(t.dtype, copy=False),))


def _floating(t: Tensor) -> Array:
    """t's values for a function such as exp: integers and booleans as float32, torch's default dtype."""
    return t.data if t.dtype.kind in "fc" else t.data.astype(DEFAULT_DTYPE["f"])


def reshape(t: Tensor, shape: Sequence[int]) -> Tensor:
    """The same elements in another shape;  dL/dt = g in t's shape."""
    try:
        y = t.data.reshape(tuple(shape))
    except ValueError:
        raise ValueError(f"reshape: shape {tuple(shape)} is invalid for a tensor of {t.numel()} elements") from None
    return record("ViewBackward0", y, (t,), lambda g: (g.reshape(t.shape),))


def permute(t: Tensor, axes: Sequence[int]) -> Tensor:
    """The axes reordered;  dL/dt = g with the inverse order."""
    return record("PermuteBackward0", t.data.transpose(axes), (t,), lambda g: (g.transpose(np.argsort(axes)),))


def transpose(t: Tensor, dim0: int, dim1: int) -> Tensor:
    """Two axes swapped;  dL/dt = g with them swapped back."""
    axes = list(range(t.ndim))
    i, j = wrap_dim(t, dim0), wrap_dim(t, dim1)
    if t.ndim:  # a 0-d tensor has dim 0 (and −1) to name, but nothing to swap
        axes[i], axes[j] = axes[j], axes[i]
    return permute(t, axes)


def index(t: Tensor, key: Any) -> Tensor:
    """t[key] (integers, slices, integer arrays such as t[rows, cols]);  dL/dt = g added back at the picked
    positions (twice where a position is picked twice)."""
    key = tuple(k.data if isinstance(k, Tensor) else k for k in (key if isinstance(key, tuple) else (key,)))

    def vjp(g: Array) -> tuple[Array]:
        grad = np.zeros_like(t.data)
        np.add.at(grad, key, g)
        return (grad,)

    return record("IndexBackward0", np.asarray(t.data[key]), (t,), vjp)
