"""``activations`` answered by ``scratch.nn.functional``."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from scratch.nn import functional as F

Array = NDArray[Any]

sigmoid, sigmoid_backward = F.sigmoid, F.sigmoid_backward
tanh, tanh_backward = F.tanh, F.tanh_backward
relu, relu_backward = F.relu, F.relu_backward
leaky_relu, leaky_relu_backward = F.leaky_relu, F.leaky_relu_backward


def softmax(x: Array) -> Array:
    return F.softmax(x, dim=-1)


def softmax_backward(grad_output: Array, output: Array) -> Array:
    return F.softmax_backward(grad_output, output, -1)
