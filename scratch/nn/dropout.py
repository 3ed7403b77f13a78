"""Dropout (~ torch.nn.Dropout): a layer that behaves differently in training and in evaluation."""

from __future__ import annotations

import numpy as np

from common import Array, checks
from scratch.nn import functional as F
from scratch.nn.module import Module


class Dropout(Module):
    """In training: y = x·m/(1 − p), each element kept (m = 1) with probability 1 − p, else zeroed;
    dL/dx = g·m/(1 − p), the same mask.  In evaluation (``model.eval()``): y = x, dL/dx = g.

    Zeroing random units stops them from co-adapting (Srivastava et al., 2014); scaling the survivors
    by 1/(1 − p) keeps E[y] = x, so nothing needs rescaling at evaluation time.  The mask comes from
    the global stream, as torch's does: the same seed gives the same mask.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = checks.dropout_p("Dropout", p)
        self.inplace = checks.boolean("Dropout", "inplace", inplace)

    @np.errstate(all="ignore")  # inf·0 is NaN, silently, as in torch
    def forward(self, input: Array) -> Array:
        x = checks.floating("Dropout", "input", input)
        self.saved.shape, self.saved.dtype, self.saved.noise = x.shape, x.dtype, None
        if not self.training or self.p == 0 or x.size == 0:
            return x  # the identity: evaluation mode, p = 0 or an empty input
        noise = self.saved.noise = F.dropout_noise(x, self.p)  # m/(1 − p): 0 or 1/(1 − p)
        return np.multiply(x, noise, out=x if self.inplace else None)

    @np.errstate(all="ignore")
    def backward(self, grad_output: Array) -> Array:
        saved = self.saved
        g = checks.grad_output("Dropout.backward", grad_output, saved.shape, saved.dtype)
        return g if saved.noise is None else F.dropout_backward(g, saved.noise)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
