"""``dropout`` answered by ``scratch.nn.functional.dropout_backward``: both directions multiply by mask/(1 − p)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratch.nn import functional as F

Array = NDArray[Any]


def _noise(mask: Array, p: float, dtype: Any) -> Array:
    one = np.dtype(dtype).type(1)
    return np.where(mask, one / np.dtype(dtype).type(1 - p), np.dtype(dtype).type(0))


def dropout(x: Array, mask: Array, p: float) -> Array:
    return F.dropout_backward(x, _noise(mask, p, x.dtype))


def dropout_backward(grad_output: Array, mask: Array, p: float) -> Array:
    return F.dropout_backward(grad_output, _noise(mask, p, grad_output.dtype))
