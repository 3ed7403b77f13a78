"""The cases of every exercise, and torch as the oracle: one place that turns NumPy inputs into torch's answers.

torch is imported here, lazily (``import exercises`` stays light); the inputs are NumPy arrays and the answers
come back as NumPy arrays of the inputs' dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, as_numpy


def build(name: str) -> list[Case]:
    """Every case of exercise ``name``, in a fixed order (the named edge cases, then the seeded random ones)."""
    from exercises import _cases_activations, _cases_autograd, _cases_linear, _cases_losses, _cases_norm, _cases_optim

    builders: dict[str, Callable[[], list[Case]]] = {
        "linear": _cases_linear.linear_cases,
        "backprop": _cases_linear.backprop_cases,
        "autograd": _cases_autograd.cases,
        "activations": _cases_activations.cases,
        "losses": _cases_losses.cases,
        "optimizers": _cases_optim.cases,
        "batchnorm": _cases_norm.batchnorm_cases,
        "dropout": _cases_norm.dropout_cases,
    }
    with np.errstate(all="ignore"):  # the catalogued wrong answers may overflow, as the mistakes they show do
        return builders[name]()


def vjp(
    f: Callable[..., Any], inputs: list[Any], wrt: list[int], grad_output: Array | None
) -> tuple[Array, list[Array]]:
    """torch's output of ``f(*inputs)`` and the gradients of the inputs at ``wrt`` for the upstream ``grad_output``
    (None: the output is a scalar loss, upstream gradient 1)."""
    import torch

    tensors = [torch.tensor(a) if hasattr(a, "dtype") else a for a in inputs]
    for i in wrt:
        tensors[i].requires_grad_(True)
    out = f(*tensors)
    if wrt:
        upstream = None if grad_output is None else torch.tensor(grad_output)
        grads = torch.autograd.grad(out, [tensors[i] for i in wrt], upstream)
    else:
        grads = ()
    return as_numpy(out), [as_numpy(g) for g in grads]
