"""Exercise: activation functions and their derivatives (tutorial section 3; ~ torch.nn.functional).

Each ``*_backward`` gets g = dL/dy (the upstream gradient, y's shape) and the array its forward saved, and returns
dL/dx = g · (the local derivative), elementwise except for softmax.  Check with ``python -m exercises check
activations``; solution: ``python -m exercises solution activations``.  Inputs may hold ±1000: a formula that
overflows there is wrong where torch is not.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def sigmoid(x: Array) -> Array:
    """σ(x) = 1/(1 + e^(−x)), elementwise (``torch.sigmoid``); finite for every finite x."""
    raise NotImplementedError


def sigmoid_backward(grad_output: Array, output: Array) -> Array:
    """dL/dx for y = σ(x), from the saved output y: σ′(x) written in terms of y."""
    raise NotImplementedError


def tanh(x: Array) -> Array:
    """tanh(x) = (e^x − e^(−x))/(e^x + e^(−x)), elementwise (``torch.tanh``); finite for every finite x."""
    raise NotImplementedError


def tanh_backward(grad_output: Array, output: Array) -> Array:
    """dL/dx for y = tanh(x), from the saved output y: tanh′(x) written in terms of y."""
    raise NotImplementedError


def relu(x: Array) -> Array:
    """y = max(x, 0), elementwise (``torch.relu``): any shape, in x's dtype."""
    raise NotImplementedError


def relu_backward(grad_output: Array, output: Array) -> Array:
    """dL/dx for y = relu(x), from the saved output y.  At the kink x = 0, torch takes ReLU′(0) = 0."""
    raise NotImplementedError


def leaky_relu(x: Array, negative_slope: float) -> Array:
    """x where x > 0, negative_slope·x elsewhere (``torch.nn.functional.leaky_relu(x, negative_slope)``)."""
    raise NotImplementedError


def leaky_relu_backward(grad_output: Array, x: Array, negative_slope: float) -> Array:
    """dL/dx for y = leaky_relu(x), from the saved input x; torch's derivative at x = 0 is negative_slope."""
    raise NotImplementedError


def softmax(x: Array) -> Array:
    """softmax over the last axis: y_i = e^(x_i) / Σ_j e^(x_j) (``torch.softmax(x, dim=-1)``).

    Any shape (…, C).  Finite for logits of ±1000: use softmax(x) = softmax(x − max_j x_j).
    """
    raise NotImplementedError


def softmax_backward(grad_output: Array, output: Array) -> Array:
    """dL/dx for y = softmax(x) over the last axis, from the saved output y.

    The Jacobian is ∂y_i/∂x_j = y_i(δ_ij − y_j): every output depends on every input of its row, so dL/dx_j =
    Σ_i g_i ∂y_i/∂x_j.  Write it without building the (C, C) matrix.
    """
    raise NotImplementedError
