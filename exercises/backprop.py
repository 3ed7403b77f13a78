"""Exercise: backpropagation through a whole network, by hand (tutorial section 8; what ``loss.backward()`` does).

The network: h = relu(x W1ᵀ + b1), logits = h W2ᵀ + b2, L = cross_entropy(logits, target) with the mean over the
batch, as ``torch.nn.functional.cross_entropy``.  Check with ``python -m exercises check backprop``; solution:
``python -m exercises solution backprop``.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def mlp_gradients(
    x: Array, target: Array, w1: Array, b1: Array, w2: Array, b2: Array
) -> tuple[Array, dict[str, Array]]:
    """(L, {"w1": dL/dW1, "b1": dL/db1, "w2": dL/dW2, "b2": dL/db2}): the loss as a 0-d array and each gradient in
    its parameter's shape.

    x: (N, in), integer target: (N,), w1: (hidden, in), b1: (hidden,), w2: (C, hidden), b2: (C,).
    Go forward keeping what backward needs, then back layer by layer: the loss's gradient, the second linear
    layer, the ReLU (torch's ReLU′(0) = 0), the first linear layer.
    """
    raise NotImplementedError
