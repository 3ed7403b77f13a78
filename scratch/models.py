"""Models built from scratch.nn (~ torch_impl/models.py, line for line)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from common import Array, mlp, perceptron
from scratch import nn
from scratch.nn import functional as F

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}


class SimpleMLP(nn.Module):
    """The tutorial's network: input → Linear → ReLU → Linear → class scores (logits)."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x: Array) -> Array:
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out

    def backward(self, grad_output: Array) -> Array:
        """The forward in reverse: each layer turns dL/d(its output) into dL/d(its input)."""
        grad = self.fc2.backward(grad_output)
        grad = self.relu.backward(grad)
        return self.fc1.backward(grad)


class MLP(nn.Sequential):
    """A multilayer perceptron of any depth: Linear(sizes[0], sizes[1]), activation, ..., Linear(sizes[-2], sizes[-1]).

    There is no activation after the last layer: it outputs logits (or a regression value).
    Each hidden layer can be regularised: ``batch_norm=True`` puts a BatchNorm1d between the Linear and
    the activation, ``dropout=p`` a Dropout(p) after the activation:
    Linear → [BatchNorm1d] → activation → [Dropout] → ... → Linear.
    A Linear followed by BatchNorm1d has no bias: the normalisation subtracts the batch mean, so a bias
    there changes nothing (its gradient is zero but for rounding, which Adam would amplify into a drift).
    """

    def __init__(
        self, sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0, batch_norm: bool = False
    ) -> None:
        mlp.check_args(sizes, activation, sorted(ACTIVATIONS), dropout, batch_norm)
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            hidden = i < len(sizes) - 2
            layers.append(nn.Linear(n_in, n_out, bias=not (hidden and batch_norm)))
            if hidden:
                if batch_norm:
                    layers.append(nn.BatchNorm1d(n_out))
                layers.append(ACTIVATIONS[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        super().__init__(*layers)


class Perceptron(nn.Module):
    """Rosenblatt's perceptron: ŷ = step(x·wᵀ + b), with step(z) = 1 if z > 0 else 0 (so step(0) = 0).

    ``weight`` (1, n_features) and ``bias`` (1,) are laid out like ``Linear(n_features, 1)`` and start at
    zero, in float32 until the model is converted (``double()``).  The step function has no useful
    derivative, so there is no ``backward``: ``fit`` applies the perceptron rule instead.
    """

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.n_features: int = perceptron.check_n_features(n_features)
        self.weight: nn.Parameter = nn.Parameter(np.zeros((1, self.n_features), dtype=np.float32))
        self.bias: nn.Parameter = nn.Parameter(np.zeros(1, dtype=np.float32))

    @np.errstate(all="ignore")  # inf and NaN inputs propagate silently, as in torch
    def forward(self, X: Array) -> Array:
        """Predictions in {0, 1}, shape (N,), for X of shape (N, n_features): one matrix-vector product."""
        X = self._check_X(X)
        return F.heaviside(X @ self.weight.data[0] + self.bias.data, 0.0)

    def fit(self, X: Array, y: Array, lr: float = 1.0, max_epochs: int = 100) -> list[int]:
        """Train with the perceptron rule; return the number of mistakes in each epoch.

        Each epoch visits the samples in the given order, one at a time, and on a mistake moves the
        boundary towards the sample: w += lr·(y − ŷ)·x, b += lr·(y − ŷ).  The rule is online (each
        prediction uses the weights left by the previous sample), so this loop is sequential by nature.
        Training stops after the first epoch without a mistake — the weights then separate the data,
        which can only happen when the data are linearly separable — or after ``max_epochs``.
        It continues from the current weights, so two calls of one epoch equal one call of two.
        """
        X, y, lr_ = self._check_fit(X, y, lr, max_epochs)
        w, b = self.weight.data[0], self.bias.data  # views: updates write into the parameters
        history: list[int] = []
        for _ in range(max_epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y, strict=True):
                y_hat = F.heaviside(x_i @ w + b, 0.0)
                if y_hat != y_i:
                    error = y_i - y_hat
                    w += lr_ * error * x_i
                    b += lr_ * error
                    mistakes += 1
            history.append(mistakes)
            if mistakes == 0:
                break
        return history

    def _check_X(self, X: Any) -> Array:
        if not isinstance(X, np.ndarray):
            raise TypeError(f"Perceptron: X must be a numpy array, got {type(X).__name__}")
        perceptron.check_X(X, self.n_features, self.weight.dtype)
        return X

    def _check_fit(self, X: Any, y: Any, lr: Any, max_epochs: Any) -> tuple[Array, Array, Any]:
        X = self._check_X(X)
        if not isinstance(y, np.ndarray):
            raise TypeError(f"Perceptron.fit: y must be a numpy array of 0/1 labels, got {type(y).__name__}")
        perceptron.check_fit(X, y, lr, max_epochs)
        return X, y.astype(X.dtype), X.dtype.type(lr)

    def extra_repr(self) -> str:
        return f"n_features={self.n_features}"
