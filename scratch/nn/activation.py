"""Activation layers (~ torch.nn.modules.activation): a forward that caches, a backward that uses it.

Each layer saves exactly what its derivative needs: the output for Sigmoid, Tanh,
ReLU, Softmax and LogSoftmax; the input for LeakyReLU and ELU.
"""

from __future__ import annotations

from typing import Any

from common import Array, checks
from scratch.nn import functional as F
from scratch.nn.module import Module


class _Activation(Module):
    """An elementwise layer: ``forward`` saves one array, ``backward`` needs it."""

    _saved: Array

    def _restore(self, grad_output: Any) -> tuple[Array, Array]:
        """(grad_output, the saved array), once grad_output is checked against the forward's output."""
        if "_saved" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        saved = self._saved  # the output, or the input of an elementwise map: the output's shape and dtype
        return checks.grad_output(f"{type(self).__name__}.backward", grad_output, saved.shape, saved.dtype), saved


class Sigmoid(_Activation):
    """y = σ(x) = 1/(1 + e^(−x));  dy/dx = y(1 − y)."""

    def forward(self, x: Array) -> Array:
        self._saved = F.sigmoid(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.sigmoid_backward(*self._restore(grad_output))


class Tanh(_Activation):
    """y = tanh(x);  dy/dx = 1 − y²."""

    def forward(self, x: Array) -> Array:
        self._saved = F.tanh(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.tanh_backward(*self._restore(grad_output))


class ReLU(_Activation):
    """y = max(x, 0);  dy/dx = 1 if x > 0 else 0."""

    def forward(self, x: Array) -> Array:
        self._saved = F.relu(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.relu_backward(*self._restore(grad_output))


class LeakyReLU(_Activation):
    """y = x if x > 0 else slope·x;  dy/dx = 1 if x > 0 else slope."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = checks.real("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x: Array) -> Array:
        self._saved = checks.floating("LeakyReLU", "input", x)
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, grad_output: Array) -> Array:
        return F.leaky_relu_backward(*self._restore(grad_output), self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(_Activation):
    """y = x if x > 0 else α(e^x − 1);  dy/dx = 1 if x > 0 else α·e^x."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = checks.real("ELU", "alpha", alpha)

    def forward(self, x: Array) -> Array:
        self._saved = checks.floating("ELU", "input", x)
        return F.elu(x, self.alpha)

    def backward(self, grad_output: Array) -> Array:
        return F.elu_backward(*self._restore(grad_output), self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmax(_Activation):
    """y_i = e^(x_i) / Σ_j e^(x_j) along ``dim``;  dL/dx = y ⊙ (g − Σ_j g_j y_j)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = F.activation.check_softmax_dim(type(self).__name__, dim)

    def forward(self, x: Array) -> Array:
        self._saved = F.softmax(x, self.dim)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        g, y = self._restore(grad_output)
        return F.softmax_backward(g, y, _resolved_dim(self.dim, y))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(_Activation):
    """y_i = x_i − log Σ_j e^(x_j) along ``dim``;  dL/dx = g − softmax(x) Σ_j g_j."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = F.activation.check_softmax_dim(type(self).__name__, dim)

    def forward(self, x: Array) -> Array:
        self._saved = F.log_softmax(x, self.dim)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        g, y = self._restore(grad_output)
        return F.log_softmax_backward(g, y, _resolved_dim(self.dim, y))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _resolved_dim(dim: int | None, y: Array) -> int:
    """The dimension the forward used (torch's implicit choice when ``dim`` is None)."""
    if dim is not None:
        return dim
    return F.activation.implicit_softmax_dim(y.ndim)
