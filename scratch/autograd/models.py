"""The tutorial's models with their forward written in autograd Tensors and no backward at all (~ torch_impl).

The parameters are ``scratch.nn.Parameter``s (Tensors), created and initialised exactly as scratch.nn.Linear's,
so the same seed gives the same weights as scratch.models and torch_impl.models, under the same state_dict keys.
Training reads as torch's, line for line: ``loss = F.cross_entropy(model(x), y); optimizer.zero_grad();
loss.backward(); optimizer.step()``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from common import checks, mlp
from scratch import nn
from scratch.autograd import functional as F
from scratch.autograd.tensor import Tensor


class AutogradModule(nn.Module):
    """A Module that only has a forward, as a torch module: ``loss.backward()`` differentiates what it computed."""

    def backward(self, grad_output: Any) -> Any:
        raise RuntimeError(
            f"{type(self).__name__} is differentiated by autograd and has no manual backward: compute a loss from "
            "its output and call loss.backward()"
        )


class Linear(AutogradModule):
    """y = x Wᵀ + b, with W of shape (out_features, in_features), as Tensor operations.

    Initialisation is scratch.nn.Linear's (torch's): W by ``kaiming_uniform_(a=√5)``, i.e. U(−1/√in, 1/√in),
    then b ~ U(−1/√in, 1/√in), both drawn from the global stream, weight first.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.in_features = checks.integer("Linear", "in_features", in_features, minimum=0)
        self.out_features = checks.integer("Linear", "out_features", out_features, minimum=0)
        dtype = checks.float_dtype("Linear", np.float32 if dtype is None else dtype)
        self.weight = nn.Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = nn.Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(AutogradModule):
    def forward(self, input: Tensor) -> Tensor:
        return input.relu()


class Tanh(AutogradModule):
    def forward(self, input: Tensor) -> Tensor:
        return input.tanh()


class Sigmoid(AutogradModule):
    def forward(self, input: Tensor) -> Tensor:
        return input.sigmoid()


ACTIVATIONS: dict[str, type[AutogradModule]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class SimpleMLP(AutogradModule):
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


class MLP(AutogradModule, nn.Sequential):
    """Linear(sizes[0], sizes[1]), activation, ..., Linear(sizes[-2], sizes[-1]): no activation after the last
    layer, which outputs logits.  A Sequential (children "0", "1", ..., as torch's) whose forward is its layers'."""

    def __init__(self, sizes: Sequence[int], activation: str = "relu") -> None:
        mlp.check_args(sizes, activation, sorted(ACTIVATIONS), 0.0, False)
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out))
            if i < len(sizes) - 2:  # a hidden layer
                layers.append(ACTIVATIONS[activation]())
        super().__init__(*layers)
