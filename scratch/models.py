"""Models built from scratch.nn (~ torch_impl/models.py, line for line)."""

from __future__ import annotations

from collections.abc import Sequence

from scratch import nn
from scratch.nn.module import Array

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

    def backward_params(self, grad_output: Array) -> None:
        grad = self.fc2.backward(grad_output)
        grad = self.relu.backward(grad)
        self.fc1.backward_params(grad)


class MLP(nn.Sequential):
    """A multilayer perceptron of any depth: Linear(sizes[0], sizes[1]), activation, ..., Linear(sizes[-2], sizes[-1]).

    There is no activation after the last layer: it outputs logits (or a regression value).
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu") -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {list(sizes)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
        super().__init__(*layers[:-1])
