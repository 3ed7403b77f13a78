"""Exercise: three losses and their gradients (tutorial section 6; ~ torch.nn.functional).

Mean reduction, as torch's default: each loss returns a 0-d array, and each ``*_backward`` returns dL/d(input) for
the upstream gradient 1, in the input's shape and dtype.  Check with ``python -m exercises check losses``;
solution: ``python -m exercises solution losses``.  Logits may be ±1000: only the stable forms survive.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]


def mse_loss(input: Array, target: Array) -> Array:
    """L = mean((input − target)²) over all entries (``torch.nn.functional.mse_loss``), a 0-d array."""
    raise NotImplementedError


def mse_loss_backward(input: Array, target: Array) -> Array:
    """dL/d(input) of ``mse_loss``, input's shape: derive it, the mean's 1/(number of entries) included."""
    raise NotImplementedError


def cross_entropy(logits: Array, target: Array) -> Array:
    """L = −(1/N) Σ_n log softmax(logits_n)[target_n], for logits (N, C) and integer class indices target (N,)
    (``torch.nn.functional.cross_entropy``), a 0-d array.  Use log-sum-exp: finite at logits of ±1000."""
    raise NotImplementedError


def cross_entropy_backward(logits: Array, target: Array) -> Array:
    """dL/d(logits) of ``cross_entropy``, shape (N, C): softmax and the log combine into a short formula."""
    raise NotImplementedError


def binary_cross_entropy_with_logits(logits: Array, target: Array) -> Array:
    """L = mean(−[y log σ(x) + (1 − y) log(1 − σ(x))]) for logits x and targets y in [0, 1] of the same shape
    (``torch.nn.functional.binary_cross_entropy_with_logits``), a 0-d array.  Finite at logits of ±1000."""
    raise NotImplementedError


def binary_cross_entropy_with_logits_backward(logits: Array, target: Array) -> Array:
    """dL/d(logits) of ``binary_cross_entropy_with_logits``, logits' shape."""
    raise NotImplementedError
