"""``batchnorm`` answered by ``scratch.nn.BatchNorm1d`` in training mode."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scratch.nn import BatchNorm1d

Array = NDArray[Any]


def _layer(gamma: Array, beta: Array, eps: float) -> BatchNorm1d:
    layer = BatchNorm1d(len(gamma), eps=eps, dtype=gamma.dtype)
    layer.weight.data, layer.bias.data = gamma.copy(), beta.copy()  # type: ignore[union-attr]
    return layer


def batch_norm(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    return _layer(gamma, beta, eps)(x)


def batch_norm_backward(grad_output: Array, x: Array, gamma: Array, eps: float = 1e-5) -> tuple[Array, Array, Array]:
    layer = _layer(gamma, np.zeros_like(gamma), eps)
    layer(x)
    grad_input = layer.backward(grad_output)
    return grad_input, layer.weight.grad, layer.bias.grad  # type: ignore[union-attr, return-value]
