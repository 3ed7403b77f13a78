"""Exercise: inverted dropout, forward and backward, with the keep-mask given (tutorial section 10).

``mask`` is a boolean array of x's shape, True where the element is kept (drawn with probability 1 − p); p is the
probability to drop, in [0, 1).  Check with ``python -m exercises check dropout``; solution: ``python -m exercises
solution dropout``.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def dropout(x: Array, mask: Array, p: float) -> Array:
    """y = x·mask/(1 − p): the kept elements scaled so that E[y] = x, as ``torch.nn.functional.dropout`` in training."""
    raise NotImplementedError


def dropout_backward(grad_output: Array, mask: Array, p: float) -> Array:
    """dL/dx for y = dropout(x, mask, p), given g = dL/dy."""
    raise NotImplementedError
