"""The fully connected layer (~ torch.nn.Linear)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from common import Array, checks
from scratch.nn import init
from scratch.nn.module import Module, Parameter


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features) and b of shape (out_features,).

    Backward, for an upstream gradient g = dL/dy (leading dimensions summed):
    dL/dW = gᵀ x,  dL/db = Σ g,  dL/dx = g W.

    Initialisation is torch's: W ~ U(−1/√in, 1/√in) via ``kaiming_uniform_(a=√5)``,
    then b ~ U(−1/√in, 1/√in), both drawn from the global stream, weight first.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.in_features = checks.integer("Linear", "in_features", in_features, minimum=0)
        self.out_features = checks.integer("Linear", "out_features", out_features, minimum=0)
        dtype = checks.float_dtype("Linear", np.float32 if dtype is None else dtype)
        checks.boolean("Linear", "bias", bias)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    @np.errstate(all="ignore")  # like torch, inf and NaN inputs propagate silently
    def forward(self, input: Array) -> Array:
        """y = x Wᵀ + b; x is saved for backward."""
        x = self.saved.x = self._check_input(input)
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        return y

    @np.errstate(all="ignore")
    def backward(self, grad_output: Array) -> Array:
        """dL/dW = gᵀx and dL/db = Σg, accumulated; returns dL/dx = gW."""
        x, g = self._saved_input_and_grad(grad_output)
        self.weight.accumulate_grad(g.T @ x)
        if self.bias is not None:
            self.bias.accumulate_grad(g.sum(axis=0))
        return (g @ self.weight.data).reshape(self.saved.x.shape)

    @np.errstate(all="ignore")
    def backward_params(self, grad_output: Array) -> None:
        """``backward`` without dL/dx, for a first layer whose input is data (the training loop's choice)."""
        x, g = self._saved_input_and_grad(grad_output)
        self.weight.accumulate_grad(g.T @ x)
        if self.bias is not None:
            self.bias.accumulate_grad(g.sum(axis=0))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    # ---- checks, out of the way of the maths -------------------------------------------------
    def _check_input(self, x: Any) -> Array:
        W = self.weight.data
        if not (isinstance(x, np.ndarray) and x.ndim > 0 and x.shape[-1] == self.in_features and x.dtype == W.dtype):
            x = checks.array("Linear", "input", x)
            if x.ndim == 0 or x.shape[-1] != self.in_features:
                rows = math.prod(x.shape[:-1]) if x.ndim else 1
                cols = x.shape[-1] if x.ndim else 1
                raise ValueError(
                    f"Linear: input of shape {x.shape} cannot be multiplied with weight.T: "
                    f"({rows}x{cols} and {W.shape[1]}x{W.shape[0]}); expected the last dimension to be "
                    f"in_features={self.in_features}"
                )
            raise TypeError(
                f"Linear: input dtype {x.dtype} does not match the layer's dtype {W.dtype} (cast one of them)"
            )
        return x

    def _saved_input_and_grad(self, grad_output: Array) -> tuple[Array, Array]:
        """The saved x and the checked g, as 2-d arrays: leading dimensions of (*, in) inputs are all batch."""
        x = self.saved.x
        shape = (*x.shape[:-1], self.out_features)
        g = checks.grad_output("Linear.backward", grad_output, shape, self.weight.data.dtype)
        if x.ndim != 2:  # (in,) or (N, d1, ..., in): fold every leading dimension into one batch dimension
            g, x = g.reshape(-1, self.out_features), x.reshape(-1, self.in_features)
        return x, g
