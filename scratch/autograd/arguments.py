"""How the operations read their arguments, by torch's rules: the dtype of a result and the dims of a reduction.

``result_type`` is ``torch.result_type`` (the rule is spelled out in ops.py's docstring): categories
bool < integer < floating point; operands ranked tensors with dimensions, then 0-d tensors, then Python numbers,
a lower rank counting only when its category is higher.  ``wrap_dim`` and ``reduced_axes`` are torch's dim rules,
under which a 0-d tensor has one dimension to name (dims 0 and −1) but no axis to reduce.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

from scratch.autograd.tensor import Tensor

DEFAULT_DTYPE: dict[str, np.dtype[Any]] = {  # a number alone (by its NumPy kind): torch's default dtype
    "b": np.dtype(np.bool_),
    "i": np.dtype(np.int64),
    "u": np.dtype(np.int64),
    "f": np.dtype(np.float32),
    "c": np.dtype(np.complex64),
}
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(a: np.dtype[Any], b: np.dtype[Any]) -> np.dtype[Any]:
    """torch.promote_types: the higher category wins (int32 with float16 is float16, not NumPy's float32); within
    a category NumPy's promotion, which is torch's there (int8 with uint8 is int16, float32 with float64 float64)."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    return np.promote_types(a, b) if ca == cb else a if ca > cb else b


def result_type(*operands: Any) -> np.dtype[Any]:
    """torch.result_type of Tensors, ndarrays (both: tensors) and numbers (a NumPy scalar is one, as in torch)."""
    ranks: list[list[np.dtype[Any]]] = [[], [], []]  # tensors with dimensions, 0-d tensors, numbers
    for value in operands:
        if isinstance(value, (numbers.Number, np.generic)):
            ranks[2].append(DEFAULT_DTYPE[np.asarray(value).dtype.kind])
        else:
            data = value.data if isinstance(value, Tensor) else np.asarray(value)
            ranks[0 if data.ndim else 1].append(data.dtype)
    result: np.dtype[Any] | None = None
    for dtype in (functools.reduce(promote_types, rank) for rank in ranks if rank):  # highest rank first
        if result is None or _CATEGORY[dtype.kind] > _CATEGORY[result.kind]:
            result = dtype
    if result is None:
        raise ValueError("result_type: no operands")
    return result


def wrap_dim(t: Tensor, dim: Any) -> int:
    """dim d names an axis when −n ≤ d < n, as d mod n; n = ndim, or 1 for a 0-d tensor (as torch)."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"dim must be an int, got {dim!r}")
    d, n = int(dim), max(t.ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def reduced_axes(t: Tensor, dim: Any) -> tuple[int, ...]:
    """The axes a reduction over ``dim`` (an int or a sequence of them) reduces: every axis when None or empty;
    none for a 0-d tensor (whose one element is its own sum, mean and maximum); a dim named twice is a ValueError."""
    dims = () if dim is None else tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(t.ndim))
    axes = [wrap_dim(t, d) for d in dims]
    for i, axis in enumerate(axes):
        if axis in axes[:i]:
            raise ValueError(f"dim {axis} appears multiple times in the list of dims {dim!r}")
    return tuple(sorted(axes)) if t.ndim else ()
