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
    check_label_smoothing,
    cross_entropy_from_parts,
    cross_entropy_gradient,
    cross_entropy_parts,
)
from scratch.nn.functional.loss import check_beta, check_delta
from scratch.nn.functional.nll import check_ignore_index
from scratch.nn.module import Module


class _Loss(Module):
    """A criterion: forward saves (input, target) in ``self.saved``; backward turns grad_output into dL/dinput."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        F.check_reduction(reduction)
        self.reduction = reduction

    def _save(self, input: ArrayLike, target: ArrayLike, loss: Array) -> Array:
        self.saved.input, self.saved.target, self.saved.dtype = input, target, loss.dtype
        return loss

    def _restore(self, grad_output: ArrayLike | None) -> tuple[Any, Any, Array]:
        """The saved input and target, and dL/d(loss): grad_output, or 1 when None and the loss is a scalar."""
        saved = self.saved
        if grad_output is None:
            if self.reduction == "none":
                raise ValueError(
                    f"{type(self).__name__}.backward: grad_output is required with reduction='none' "
                    "(the loss is not a scalar; torch: 'grad can be implicitly created only for scalar outputs')"
                )
            grad_output = np.ones((), saved.dtype)
        return saved.input, saved.target, np.asarray(grad_output)

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
    """Multi-class classification from logits x (N, C) and class indices y (N,): LogSoftmax, then NLL.

    ℓ = −(1/N) Σ_i log p_i[y_i] with p_i = softmax(x_i);  dℓ/dx_i = (p_i − onehot(y_i))/N.

    torch's options take the general path of ``scratch.nn.functional.cross_entropy``: class ``weight``,
    ``ignore_index`` rows, ``label_smoothing``, class-probability targets, ``reduction`` 'sum' or 'none',
    and inputs of shape (C,) or (N, C, d1, ...).
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

    @np.errstate(all="ignore")  # inf and NaN logits propagate silently, as in torch
    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        if not self._plain(input, target):
            return self._forward_with_options(input, target)
        x, y = np.asarray(input), np.asarray(target)
        log_p = F.log_softmax(x, dim=1)
        self.saved.log_p, self.saved.target, self.saved.parts = log_p, y, None
        N = len(y)
        return np.asarray((-log_p[np.arange(N), y]).sum() / log_p.dtype.type(N))

    def backward(self, grad_output: ArrayLike | None = None) -> Array:
        if self.saved.parts is not None:
            return cross_entropy_gradient(self.saved.parts, self._restore(grad_output)[2], self.reduction)
        log_p = self.saved.log_p
        g = np.ones((), log_p.dtype) if grad_output is None else grad_output
        return F.softmax_minus_onehot(g, log_p, self.saved.target)

    def _plain(self, x: Any, y: Any) -> bool:
        """The textbook case: (N, C) floating logits, N class indices in [0, C), and no option set."""
        return (
            self.weight is None
            and self.reduction == "mean"
            and self.label_smoothing == 0
            and isinstance(x, np.ndarray)
            and isinstance(y, np.ndarray)
            and x.ndim == 2
            and x.dtype.kind == "f"
            and y.dtype.kind in "iu"
            and y.shape == x.shape[:1]
            and len(y) > 0
            and y.min() >= 0
            and y.max() < x.shape[1]
            and not 0 <= self.ignore_index < x.shape[1]
        )

    def _forward_with_options(self, input: ArrayLike, target: ArrayLike) -> Array:
        """torch's further cases, through the general parts of the loss (functional/cross_entropy.py)."""
        parts = cross_entropy_parts(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
        self.saved.parts = parts
        return self._save(input, target, cross_entropy_from_parts(parts, self.reduction))


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
