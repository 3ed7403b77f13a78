"""Activation layers (~ torch.nn.modules.activation): a forward that caches, a backward that uses it.

Each layer saves exactly what its derivative needs: the output for Sigmoid, Tanh,
ReLU, Softmax and LogSoftmax; the input for LeakyReLU and ELU.
"""

from __future__ import annotations

from scratch.nn import functional as F
from scratch.nn.module import Array, Module


class _Activation(Module):
    """An elementwise layer: ``forward`` saves one array, ``backward`` needs it."""

    _saved: Array

    def _saved_for_backward(self) -> Array:
        if "_saved" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._saved


class Sigmoid(_Activation):
    """y = σ(x) = 1/(1 + e^(−x));  dy/dx = y(1 − y)."""

    def forward(self, x: Array) -> Array:
        self._saved = F.sigmoid(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.sigmoid_backward(grad_output, self._saved_for_backward())


class Tanh(_Activation):
    """y = tanh(x);  dy/dx = 1 − y²."""

    def forward(self, x: Array) -> Array:
        self._saved = F.tanh(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.tanh_backward(grad_output, self._saved_for_backward())


class ReLU(_Activation):
    """y = max(x, 0);  dy/dx = 1 if x > 0 else 0."""

    def forward(self, x: Array) -> Array:
        self._saved = F.relu(x)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        return F.relu_backward(grad_output, self._saved_for_backward())


class LeakyReLU(_Activation):
    """y = x if x > 0 else slope·x;  dy/dx = 1 if x > 0 else slope."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Array) -> Array:
        self._saved = x
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, grad_output: Array) -> Array:
        return F.leaky_relu_backward(grad_output, self._saved_for_backward(), self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(_Activation):
    """y = x if x > 0 else α(e^x − 1);  dy/dx = 1 if x > 0 else α·e^x."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Array) -> Array:
        self._saved = x
        return F.elu(x, self.alpha)

    def backward(self, grad_output: Array) -> Array:
        return F.elu_backward(grad_output, self._saved_for_backward(), self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmax(_Activation):
    """y_i = e^(x_i) / Σ_j e^(x_j) along ``dim``;  dL/dx = y ⊙ (g − Σ_j g_j y_j)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Array) -> Array:
        self._saved = F.softmax(x, self.dim)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        y = self._saved_for_backward()
        return F.softmax_backward(grad_output, y, _resolved_dim(self.dim, y))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(_Activation):
    """y_i = x_i − log Σ_j e^(x_j) along ``dim``;  dL/dx = g − softmax(x) Σ_j g_j."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Array) -> Array:
        self._saved = F.log_softmax(x, self.dim)
        return self._saved

    def backward(self, grad_output: Array) -> Array:
        y = self._saved_for_backward()
        return F.log_softmax_backward(grad_output, y, _resolved_dim(self.dim, y))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _resolved_dim(dim: int | None, y: Array) -> int:
    """The dimension the forward used (torch's implicit choice when ``dim`` is None)."""
    if dim is not None:
        return dim
    return F.activation.implicit_softmax_dim(y.ndim)
