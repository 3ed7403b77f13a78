"""Functions built from Tensor operations (~ torch.nn.functional): no derivative is written here.

Each is a composition of the operations in ops.py, so its gradient is whatever the graph's vector-Jacobian
products give: the chain rule, applied by ``backward``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.autograd import ops
from scratch.autograd.tensor import Tensor


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, with W of shape (out_features, in_features)."""
    y = ops.tensor(x) @ weight.T
    return y if bias is None else y + bias


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return x.relu()


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log softmax(x) = (x − m) − log Σ e^(x − m), with m the maximum along ``dim`` held constant (detached): it
    only prevents overflow, and the result does not depend on it (an empty x has no maximum, and needs none)."""
    shifted = x - (x.max(dim, keepdim=True).values.detach() if x.numel() else 0)
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """−(1/N) Σᵢ log softmax(logitsᵢ)[targetᵢ] for class-index targets: the log-probability of each row's class,
    picked by integer indexing, averaged."""
    y = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if y.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be class indices (integers), got dtype {y.dtype}")
    if logits.ndim != 2 or y.shape != (logits.shape[0],):
        raise ValueError(f"cross_entropy: expected logits (N, C) and targets (N,), got {logits.shape} and {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= logits.shape[1]):
        raise IndexError(f"cross_entropy: target {y.max() if y.max() >= 0 else y.min()} is out of bounds")
    return -log_softmax(logits, 1)[np.arange(len(y)), y].mean()


def mse_loss(input: Tensor, target: Any) -> Tensor:
    """(1/n) Σ (input − target)² over every element."""
    target = ops.tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input {input.shape} and target {target.shape} must have the same shape")
    return ((input - target) ** 2).mean()
