"""The tutorial's models with their forward written in autograd Tensors and no backward at all (~ torch_impl).

The parameters are ``scratch.nn.Parameter``s (Tensors), created and initialised exactly as scratch.nn.Linear's,
so the same seed gives the same weights as scratch.models and torch_impl.models, under the same state_dict keys.
Training reads as torch's, line for line: ``loss = F.cross_entropy(model(x), y); optimizer.zero_grad();
loss.backward(); optimizer.step()``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from scratch import nn
from scratch.autograd import functional as F
from scratch.autograd.tensor import Tensor


class Linear(nn.Linear):
    """y = x Wᵀ + b as Tensor operations; ``loss.backward()`` differentiates it (no manual backward)."""

    def forward(self, x: Any) -> Tensor:  # type: ignore[override]
        return F.linear(x, self.weight, self.bias)

    def backward(self, grad_output: Any) -> Any:
        raise RuntimeError("an autograd layer has no manual backward: call loss.backward()")

    backward_params = backward


class ReLU(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Tanh(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class SimpleMLP(nn.Module):
    """The tutorial's network: input → Linear → ReLU → Linear → class scores (logits)."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int) -> None:
        super().__init__()
        self.fc1 = Linear(input_size, hidden_size)
        self.relu = ReLU()
        self.fc2 = Linear(hidden_size, num_classes)

    def forward(self, x: Any) -> Tensor:
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out


class MLP(nn.Sequential):
    """Linear(sizes[0], sizes[1]), activation, ..., Linear(sizes[-2], sizes[-1]); logits out."""

    def __init__(self, sizes: Sequence[int], activation: str = "relu") -> None:
        if len(sizes) < 2 or activation not in ACTIVATIONS:
            raise ValueError(f"MLP: sizes {list(sizes)} and activation {activation!r} (one of {sorted(ACTIVATIONS)})")
        layers: list[nn.Module] = []
        for n_in, n_out in itertools.pairwise(sizes):
            layers += [Linear(n_in, n_out), ACTIVATIONS[activation]()]
        super().__init__(*layers[:-1])
