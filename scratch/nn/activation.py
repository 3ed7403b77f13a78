"""Activation layers (~ torch.nn.modules.activation): a forward that saves, a backward that uses it.

Each layer saves exactly what its derivative needs: the output for Sigmoid, Tanh, ReLU, Softmax and
LogSoftmax; the input for LeakyReLU and ELU.  The formulas and their derivatives are in
``scratch.nn.functional`` (activation.py), one function beside the other.
"""

from __future__ import annotations

from common import Array, checks
from scratch.nn import functional as F
from scratch.nn.module import Module


class Sigmoid(Module):
    """y = σ(x) = 1/(1 + e^(−x));  dy/dx = y(1 − y)."""

    def forward(self, input: Array) -> Array:
        y = self.saved.y = F.sigmoid(input)
        return y

    def backward(self, grad_output: Array) -> Array:
        y = self.saved.y
        return F.sigmoid_backward(checks.grad_output("Sigmoid.backward", grad_output, y.shape, y.dtype), y)


class Tanh(Module):
    """y = tanh(x);  dy/dx = 1 − y²."""

    def forward(self, input: Array) -> Array:
        y = self.saved.y = F.tanh(input)
        return y

    def backward(self, grad_output: Array) -> Array:
        y = self.saved.y
        return F.tanh_backward(checks.grad_output("Tanh.backward", grad_output, y.shape, y.dtype), y)


class ReLU(Module):
    """y = max(x, 0);  dy/dx = 1 if x > 0 else 0 (0 at x = 0, as torch)."""

    def forward(self, input: Array) -> Array:
        y = self.saved.y = F.relu(input)
        return y

    def backward(self, grad_output: Array) -> Array:
        y = self.saved.y
        return F.relu_backward(checks.grad_output("ReLU.backward", grad_output, y.shape, y.dtype), y)


class LeakyReLU(Module):
    """y = x if x > 0 else slope·x;  dy/dx = 1 if x > 0 else slope (the slope at x = 0, as torch)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = checks.real("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, input: Array) -> Array:
        x = self.saved.x = checks.floating("LeakyReLU", "input", input)
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, grad_output: Array) -> Array:
        x = self.saved.x
        g = checks.grad_output("LeakyReLU.backward", grad_output, x.shape, x.dtype)
        return F.leaky_relu_backward(g, x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """y = x if x > 0 else α(e^x − 1);  dy/dx = 1 if x > 0 else α·e^x (α at x = 0, as torch)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = checks.real("ELU", "alpha", alpha)

    def forward(self, input: Array) -> Array:
        x = self.saved.x = checks.floating("ELU", "input", input)
        return F.elu(x, self.alpha)

    def backward(self, grad_output: Array) -> Array:
        x = self.saved.x
        return F.elu_backward(checks.grad_output("ELU.backward", grad_output, x.shape, x.dtype), x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmax(Module):
    """y_i = e^(x_i) / Σ_j e^(x_j) along ``dim``;  dL/dx = y ⊙ (g − Σ_j g_j y_j)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = F.activation.check_softmax_dim(type(self).__name__, dim)

    def forward(self, input: Array) -> Array:
        y = self.saved.y = F.softmax(input, self.dim)
        return y

    def backward(self, grad_output: Array) -> Array:
        y = self.saved.y
        g = checks.grad_output("Softmax.backward", grad_output, y.shape, y.dtype)
        return F.softmax_backward(g, y, F.activation.resolved_dim(self.dim, y.ndim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """y_i = x_i − log Σ_j e^(x_j) along ``dim``;  dL/dx = g − softmax(x) Σ_j g_j."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = F.activation.check_softmax_dim(type(self).__name__, dim)

    def forward(self, input: Array) -> Array:
        y = self.saved.y = F.log_softmax(input, self.dim)
        return y

    def backward(self, grad_output: Array) -> Array:
        y = self.saved.y
        g = checks.grad_output("LogSoftmax.backward", grad_output, y.shape, y.dtype)
        return F.log_softmax_backward(g, y, F.activation.resolved_dim(self.dim, y.ndim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
