"""``linear`` answered by ``scratch.nn.Linear``."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from scratch.nn import Linear

Array = NDArray[Any]


def _layer(weight: Array, bias: Array | None = None) -> Linear:
    layer = Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype)
    layer.weight.data = weight.copy()
    if bias is not None:
        layer.bias.data = bias.copy()  # type: ignore[union-attr]
    return layer


def linear(x: Array, weight: Array, bias: Array) -> Array:
    return _layer(weight, bias)(x)


def linear_backward(grad_output: Array, x: Array, weight: Array) -> tuple[Array, Array, Array]:
    layer = _layer(weight)
    layer(x)
    grad_input = layer.backward(grad_output)
    return grad_input, layer.weight.grad, layer.bias.grad  # type: ignore[union-attr, return-value]
