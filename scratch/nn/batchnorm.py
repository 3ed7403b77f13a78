"""Batch normalisation (~ torch.nn.BatchNorm1d): batch statistics in training, running ones in evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from common import Array, checks
from scratch.nn import functional as F
from scratch.nn.functional import normalization as N
from scratch.nn.module import Module, Parameter


class BatchNorm1d(Module):
    """y = γ·(x − μ)/√(σ² + ε) + β per channel, for x of shape (N, C) or (N, C, L) (Ioffe & Szegedy, 2015).

    Training: μ and σ² are the batch's mean and biased variance over the m = N (or N·L) values of each
    channel, and the running estimates move towards them:
        running_mean ← (1 − momentum)·running_mean + momentum·μ,
        running_var  ← (1 − momentum)·running_var  + momentum·(m/(m − 1))·σ²  (the unbiased variance),
    or, with ``momentum=None``, to their cumulative average (momentum = 1/num_batches_tracked).
    Evaluation: μ and σ² are the running estimates (the batch's own when ``track_running_stats=False``).
    An (N, C, L) input has N·L values per channel: ``rows`` lays it out as (N·L, C) and back.

    Backward (g = dL/dy, ĝ = γ·g, x̂ = (x − μ)/√(σ² + ε)):  dL/dγ = Σ g·x̂,  dL/dβ = Σ g, and
        dL/dx = (1/√(σ² + ε))·(ĝ − mean ĝ − x̂·mean ĝ·x̂)   with batch statistics (μ and σ² depend on x),
        dL/dx = ĝ/√(σ² + ε)                             with running statistics (constants).
    """

    running_mean: Array | None
    running_var: Array | None
    num_batches_tracked: Array | None
    _optional_state = ("num_batches_tracked",)  # a state saved before torch had it keeps the current count

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = _check_options(num_features, eps, momentum)
        self.affine = checks.boolean("BatchNorm1d", "affine", affine)
        self.track_running_stats = checks.boolean("BatchNorm1d", "track_running_stats", track_running_stats)
        checks.boolean("BatchNorm1d", "bias", bias)
        dtype = checks.float_dtype("BatchNorm1d", np.float32 if dtype is None else dtype)
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.running_mean is not None and self.running_var is not None and self.num_batches_tracked is not None:
            self.running_mean.fill(0)
            self.running_var.fill(1)
            self.num_batches_tracked.fill(0)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.data.fill(1)
        if self.bias is not None:
            self.bias.data.fill(0)

    @np.errstate(all="ignore")  # inf and NaN propagate silently, as in torch
    def forward(self, input: Array) -> Array:
        x = self._check_input(input)
        count = self.num_batches_tracked
        if self.training and count is not None:
            count += 1  # in place: the buffer itself
        r = N.rows(x) if x.ndim == 3 else x  # (N, C, L) → (N·L, C)
        if not self.training and self.running_mean is not None and self.running_var is not None:
            mean, var = self.running_mean, self.running_var
        elif r.size == 0:  # no values, no statistics
            mean, var = np.zeros(self.num_features, x.dtype), np.ones(self.num_features, x.dtype)
        else:
            mean, var = N.batch_statistics(r)
            if self.training and count is not None and self.running_mean is not None and self.running_var is not None:
                momentum = 1 / int(count) if self.momentum is None else self.momentum  # None: a cumulative average
                N.update_running(self.running_mean, self.running_var, mean, var, len(r), momentum)
        invstd = 1 / np.sqrt(var + x.dtype.type(self.eps))
        x_hat = (r - mean) * invstd
        self.saved.x_hat, self.saved.invstd, self.saved.shape = x_hat, invstd, x.shape
        self.saved.batch_stats = self.training or self.running_mean is None
        y = x_hat if self.weight is None else x_hat * self.weight.data
        y = y if self.bias is None else y + self.bias.data
        return N.unrows(y, x.shape) if x.ndim == 3 else y

    @np.errstate(all="ignore")
    def backward(self, grad_output: Array) -> Array:
        saved = self.saved
        g = checks.grad_output("BatchNorm1d.backward", grad_output, saved.shape, saved.x_hat.dtype)
        weight = None if self.weight is None else self.weight.data
        r = N.rows(g) if g.ndim == 3 else g
        dx, dweight, dbias = F.batch_norm_backward(r, saved.x_hat, saved.invstd, weight, saved.batch_stats)
        if self.weight is not None:
            self.weight.accumulate_grad(dweight)
        if self.bias is not None:
            self.bias.accumulate_grad(dbias)
        return N.unrows(dx, saved.shape) if g.ndim == 3 else dx

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

    # ---- checks and bookkeeping, out of the way of the maths -------------------------------------
    def _check_input(self, x: Any) -> Array:
        x = N.check_input("BatchNorm1d", x, self.num_features, self.training or self.running_mean is None, self.eps)
        reference = self.weight.data if self.weight is not None else self.running_mean
        if reference is not None and x.dtype != reference.dtype:
            raise TypeError(f"BatchNorm1d: input dtype {x.dtype} does not match the layer's dtype {reference.dtype}")
        return x


def _check_options(num_features: Any, eps: Any, momentum: Any) -> tuple[int, float, float | None]:
    num_features = checks.integer("BatchNorm1d", "num_features", num_features, minimum=0)
    eps = checks.real("BatchNorm1d", "eps", eps, minimum=0.0, finite=True)
    if momentum is not None:
        momentum = checks.real("BatchNorm1d", "momentum", momentum, finite=True)
    return num_features, eps, momentum
