"""The Perceptron's argument checks, written once for both twins (each hands NumPy views of its arrays)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from common import Array


def check_n_features(n_features: Any) -> int:
    if isinstance(n_features, bool) or not isinstance(n_features, numbers.Integral) or n_features < 1:
        raise ValueError(f"Perceptron: n_features must be a positive int, got {n_features!r}")
    return int(n_features)


def check_X(X: Array, n_features: int, dtype: np.dtype[Any]) -> None:
    """X of shape (N, n_features) in the weights' dtype (nothing is cast silently)."""
    if X.dtype != dtype:
        raise TypeError(f"Perceptron: X has dtype {X.dtype} but the weights are {dtype} (cast X, or the model)")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"Perceptron: X must have shape (N, {n_features}), got {X.shape}")


def check_fit(X: Array, y: Array, lr: Any, max_epochs: Any) -> None:
    """Finite X, 0/1 labels, one per row, a learning rate > 0 representable in X's dtype, max_epochs ≥ 1."""
    if not np.isfinite(X).all():
        raise ValueError("Perceptron.fit: X contains NaN or infinity")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"Perceptron.fit: y must hold 0/1 labels, got dtype {y.dtype}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"Perceptron.fit: y must have shape ({len(X)},) to match X, got {y.shape}")
    if not (labels := np.isin(y, (0, 1))).all():
        raise ValueError(f"Perceptron.fit: y must hold only 0 and 1, got {np.unique(y[~labels]).tolist()[:5]}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"Perceptron.fit: lr must be a number, got {type(lr).__name__}")
    finfo = np.finfo(X.dtype)
    if not float(finfo.tiny) <= float(lr) <= float(finfo.max):
        raise ValueError(f"Perceptron.fit: lr must be positive and finite in {X.dtype}, got {lr}")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral) or max_epochs < 1:
        raise ValueError(f"Perceptron.fit: max_epochs must be a positive int, got {max_epochs!r}")
