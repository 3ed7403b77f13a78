"""Loss modules (~ torch.nn.modules.loss): ``loss = criterion(input, target)``, then ``criterion.backward()``.

``forward`` returns the loss — a 0-d array of the input's dtype for reduction 'mean' or 'sum', one value
per element (per row for the classification losses) for 'none' — and saves input and target.
``backward(grad_output=None)`` returns dL/dinput for the latest forward: grad_output = dL/d(loss) is 1
by default for 'mean' and 'sum', and required for 'none' (an array of the loss's shape), exactly as
torch's ``loss.backward(grad)``.  The maths, each formula beside its derivative, is in
``scratch.nn.functional`` (``loss.py`` and ``cross_entropy.py``).

Arguments have torch's names and defaults; the legacy ``size_average``/``reduce`` are not supported,
so everything after ``weight`` is keyword-only (a positional call written for torch fails loudly).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from common import Array
from scratch.nn import functional as F
from scratch.nn.functional.cross_entropy import (
    check_ignore_index,
    check_label_smoothing,
    cross_entropy_from_parts,
    cross_entropy_gradient,
    cross_entropy_parts,
)
from scratch.nn.functional.loss import check_beta, check_delta
from scratch.nn.module import Module


class _Loss(Module):
    """A criterion: forward saves (input, target); backward turns grad_output into dL/dinput."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        F.check_reduction(reduction)
        self.reduction = reduction

    def _save(self, input: ArrayLike, target: ArrayLike, loss: Array) -> Array:
        self._saved = (np.asarray(input), np.asarray(target), loss.dtype)
        return loss

    def _restore(self, grad_output: ArrayLike | None) -> tuple[Array, Array, Array]:
        """The saved input and target, and grad_output (1 when None and the loss is a scalar)."""
        if "_saved" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        x, y, dtype = self._saved
        if grad_output is None:
            if self.reduction == "none":
                raise ValueError(
                    f"{type(self).__name__}.backward: grad_output is required with reduction='none' "
                    "(the loss is not a scalar; torch: 'grad can be implicitly created only for scalar outputs')"
                )
            grad_output = np.ones((), dtype)
        return x, y, np.asarray(grad_output)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A criterion with a rescaling ``weight`` (per class, or broadcast over the input for BCE), kept as a
    buffer as in torch: in ``state_dict`` when given, and cast by ``double()``/``float()``."""

    weight: Any

    def __init__(self, weight: ArrayLike | None = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _numbers(type(self).__name__, "weight", weight))


class MSELoss(_Loss):
    """Regression: ℓ = (x − y)²;  dℓ/dx = 2(x − y) (÷ numel for 'mean')."""

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        return self._save(input, target, F.mse_loss(input, target, reduction=self.reduction))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.mse_loss_backward(g, x, y, reduction=self.reduction)


class L1Loss(_Loss):
    """Regression robust to outliers: ℓ = |x − y|;  dℓ/dx = sign(x − y), 0 at x = y."""

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        return self._save(input, target, F.l1_loss(input, target, reduction=self.reduction))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.l1_loss_backward(g, x, y, reduction=self.reduction)


class HuberLoss(_Loss):
    """ℓ = ½d² if |d| < δ else δ(|d| − ½δ), d = x − y;  dℓ/dx = d if |d| < δ else δ·sign(d)."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = check_delta(delta)

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        return self._save(input, target, F.huber_loss(input, target, reduction=self.reduction, delta=self.delta))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.huber_loss_backward(g, x, y, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """ℓ = ½d²/β if |d| < β else |d| − ½β (β = 0: L1);  dℓ/dx = d/β if |d| < β else sign(d)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.beta = check_beta(beta)

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        return self._save(input, target, F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.smooth_l1_loss_backward(g, x, y, reduction=self.reduction, beta=self.beta)


class NLLLoss(_WeightedLoss):
    """Classification from log-probabilities: ℓ_i = −w[y_i]·x[i, y_i];  dℓ_i/dx[i, y_i] = −w[y_i].

    'mean' divides by Σ w[y_i] over the entries whose target is not ``ignore_index``.
    """

    def __init__(self, weight: ArrayLike | None = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction=reduction)
        self.ignore_index = check_ignore_index(ignore_index)

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        loss = F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)
        return self._save(input, target, loss)

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.nll_loss_backward(g, x, y, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Multi-class classification from logits: LogSoftmax over axis 1, then NLLLoss.

    ℓ_i = −Σ_c q_ic·log softmax(x_i)_c with q_i = w[y_i]·onehot(y_i) (index targets, optionally
    smoothed: (1 − ε)·q_i + (ε/C)·w) or q_i = w ⊙ ((1 − ε)·t_i + ε/C) (probability targets t);
    dℓ_i/dx_i = softmax(x_i)·Σ_c q_ic − q_i, i.e. p − onehot(y) in the plain case.
    """

    def __init__(
        self,
        weight: ArrayLike | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction=reduction)
        self.ignore_index = check_ignore_index(ignore_index)
        check_label_smoothing(label_smoothing)
        self.label_smoothing = label_smoothing

    def _options(self) -> dict[str, Any]:
        return {"ignore_index": self.ignore_index, "reduction": self.reduction, "label_smoothing": self.label_smoothing}

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        self._parts = cross_entropy_parts(input, target, self.weight, **self._options())  # log p, checked target
        return self._save(input, target, cross_entropy_from_parts(self._parts, self.reduction))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        """(softmax(x) − onehot(y))/N in the plain case, else p·Σ_c q_c − q; from what forward kept."""
        _, _, g = self._restore(grad_output)
        return cross_entropy_gradient(self._parts, g, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary classification from probabilities x ∈ [0, 1]: ℓ = −w[y·log x + (1 − y)·log(1 − x)].

    Each log is clamped at −100;  dℓ/dx = w(x − y) / max(x(1 − x), 1e-12).
    """

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        return self._save(input, target, F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.binary_cross_entropy_backward(g, x, y, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary classification from logits: Sigmoid + BCELoss in one stable formula.

    ℓ = −w[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], p = ``pos_weight`` (per class, on the last axis);
    dℓ/dx = w((1 + (p − 1)y)·σ(x) − p·y), i.e. w(σ(x) − y) without pos_weight.
    """

    pos_weight: Any

    def __init__(
        self, weight: ArrayLike | None = None, *, reduction: str = "mean", pos_weight: ArrayLike | None = None
    ) -> None:
        super().__init__(weight, reduction=reduction)
        self.register_buffer("pos_weight", _numbers(type(self).__name__, "pos_weight", pos_weight))

    def _options(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "pos_weight": self.pos_weight}

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        loss = F.binary_cross_entropy_with_logits(input, target, self.weight, **self._options())
        return self._save(input, target, loss)

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        x, y, g = self._restore(grad_output)
        return F.binary_cross_entropy_with_logits_backward(g, x, y, self.weight, **self._options())


def _numbers(where: str, what: str, value: ArrayLike | None) -> Array | None:
    """A weight as an array of real numbers (or None); strings, objects or complex values are a TypeError."""
    if value is None:
        return None
    a = np.asarray(value)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{where}: {what} must hold real numbers, got dtype {a.dtype}")
    return a
