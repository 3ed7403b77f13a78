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
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    @np.errstate(all="ignore")  # like torch, inf and NaN inputs propagate silently
    def forward(self, x: Array) -> Array:
        W, bias = self.weight.data, self.bias
        self._x = self._check_input(x, W)
        y = x @ W.T
        if bias is not None:
            y += bias.data
        return y

    @np.errstate(all="ignore")
    def backward_params(self, grad_output: Array) -> None:
        """dL/dW = gᵀx and dL/db = Σg, accumulated; dL/dx is not computed."""
        x = self.__dict__.get("_x")
        if x is None:
            raise RuntimeError("Linear.backward called before forward")
        g = self._check_grad_output(grad_output, x)
        if x.ndim != 2:  # leading dimensions are all batch dimensions: fold them into one
            g, x = g.reshape(-1, self.out_features), x.reshape(-1, self.in_features)
        weight, bias = self.weight, self.bias
        weight.accumulate_grad(g.T @ x)
        if bias is not None:
            bias.accumulate_grad(g.sum(axis=0))

    @np.errstate(all="ignore")
    def backward(self, grad_output: Array) -> Array:
        self.backward_params(grad_output)
        return self._check_grad_output(grad_output, self._x) @ self.weight.data

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    # ---- checks, out of the way of the maths -------------------------------------------------
    def _check_input(self, x: Any, W: Array) -> Array:
        x = checks.array("Linear", "input", x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            rows = math.prod(x.shape[:-1]) if x.ndim else 1
            cols = x.shape[-1] if x.ndim else 1
            raise ValueError(
                f"Linear: input of shape {x.shape} cannot be multiplied with weight.T: "
                f"({rows}x{cols} and {W.shape[1]}x{W.shape[0]}); expected the last dimension to be "
                f"in_features={self.in_features}"
            )
        if x.dtype != W.dtype:
            raise TypeError(
                f"Linear: input dtype {x.dtype} does not match the layer's dtype {W.dtype} (cast one of them)"
            )
        return x

    def _check_grad_output(self, grad_output: Array, x: Array) -> Array:
        shape = (*x.shape[:-1], self.out_features)
        return checks.grad_output("Linear.backward", grad_output, shape, self.weight.dtype)
