"""``backprop`` answered by scratch's layers: two ``scratch.nn.Linear``, ReLU and cross-entropy, backward by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from parity_tests.exercise_solutions.linear import _layer
from scratch.nn import functional as F

Array = NDArray[Any]


def mlp_gradients(
    x: Array, target: Array, w1: Array, b1: Array, w2: Array, b2: Array
) -> tuple[Array, dict[str, Array]]:
    first, second = _layer(w1, b1), _layer(w2, b2)
    h = F.relu(first(x))
    logits = second(h)
    loss = F.cross_entropy(logits, target)
    grad_h = second.backward(F.cross_entropy_backward(np.ones((), x.dtype), logits, target))
    first.backward(F.relu_backward(grad_h, h))
    assert first.bias is not None and second.bias is not None
    grads = {"w1": first.weight.grad, "b1": first.bias.grad, "w2": second.weight.grad, "b2": second.bias.grad}
    return loss, grads  # type: ignore[return-value]
