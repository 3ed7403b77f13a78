"""Small data sets as NumPy arrays, shared by both implementations.

Every generator is seeded (``np.random.default_rng(seed)``), so the scratch and
the torch side train on identical arrays.  Features are float32 by default
(``dtype=np.float64`` for float64 runs); class labels are int64, as
``CrossEntropyLoss`` expects; regression targets have shape (n, 1), the shape of
the model's output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from common import Array, checks

Labels = NDArray[np.int64]


def xor(n_samples: int = 4, noise: float = 0.0, seed: int = 0, dtype: DTypeLike = np.float32) -> tuple[Array, Labels]:
    """The XOR problem: corners of the unit square, label = x1 XOR x2 (not linearly separable).

    The defaults give the four-row truth table; more samples repeat the corners
    with Gaussian noise of standard deviation ``noise``.
    """
    _check("xor", n_samples, noise, seed, dtype)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    X = np.tile(corners, (-(-n_samples // 4), 1))[:n_samples]
    y = (X[:, 0] != X[:, 1]).astype(np.int64)
    X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X.astype(dtype), y


def blobs(
    n_samples: int = 300,
    centers: int | ArrayLike = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Labels]:
    """Gaussian blobs: points split evenly over the centres (drawn in [-10, 10]² if ``centers`` is an int)."""
    _check("blobs", n_samples, cluster_std, seed, dtype, noise_name="cluster_std")
    n_features = checks.integer("blobs", "n_features", n_features, minimum=1)
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        centres = rng.uniform(-10.0, 10.0, size=(checks.integer("blobs", "centers", centers, minimum=1), n_features))
    else:
        centres = np.asarray(centers, dtype=np.float64)
        if centres.ndim != 2 or len(centres) == 0 or not np.isfinite(centres).all():
            raise ValueError(
                f"blobs: centers must be a positive int or a (k, d) array of finite centres, got {centers!r}"
            )
    y = np.arange(n_samples, dtype=np.int64) % len(centres)
    X = centres[y] + cluster_std * rng.standard_normal((n_samples, centres.shape[1]))
    return X.astype(dtype), y


def moons(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0, dtype: DTypeLike = np.float32
) -> tuple[Array, Labels]:
    """Two interleaving half circles (class 0 on top, class 1 below, shifted)."""
    _check("moons", n_samples, noise, seed, dtype)
    rng = np.random.default_rng(seed)
    n_top = n_samples - n_samples // 2
    t_top, t_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n_samples // 2)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_top, np.int64), np.ones(n_samples // 2, np.int64)])
    return X.astype(dtype), y


def circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0, dtype: DTypeLike = np.float32
) -> tuple[Array, Labels]:
    """Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``."""
    _check("circles", n_samples, noise, seed, dtype)
    if not 0 <= checks.real("circles", "factor", factor) < 1:
        raise ValueError(f"circles: factor must be in [0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_outer = n_samples - n_samples // 2
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_samples // 2, endpoint=False)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_samples // 2, np.int64)])
    return X.astype(dtype), y


def spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0, dtype: DTypeLike = np.float32
) -> tuple[Array, Labels]:
    """Interleaved spiral arms, one per class, turned 2π/K apart: point i of n has class k = i mod K and

        r_i = i/(n − 1),   t_i = 4·r_i + 2πk/K + noise·N(0, 1),   x_i = (r_i sin t_i, r_i cos t_i),

    so the classes take turns along one radius from 0 to 1 and each arm winds 4 radians.  CS231n's spirals
    (``cs231n_spirals``) are laid out otherwise: each arm has its own N points over the whole radius, and each
    starts 4 radians after the one before.
    """
    _check("spirals", n_samples, noise, seed, dtype)
    checks.integer("spirals", "n_classes", n_classes, minimum=1)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples, dtype=np.int64) % n_classes
    radius = np.linspace(0.0, 1.0, n_samples)
    angle = 4.0 * radius + y * (2 * np.pi / n_classes) + noise * rng.standard_normal(n_samples)
    X = radius[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return X.astype(dtype), y


def cs231n_spirals(
    points_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0, dtype: DTypeLike = np.float32
) -> tuple[Array, Labels]:
    """The spirals of Stanford's CS231n notes: arm k holds N points, rows kN … (k + 1)N − 1, with

        r = linspace(0, 1, N),   t = linspace(4k, 4(k + 1), N) + noise·N(0, 1),   x = (r sin t, r cos t).

    Their recipe and distribution; the noise comes from ``default_rng(seed)``, so not their exact numbers.
    """
    _check("cs231n_spirals", points_per_class, noise, seed, dtype, n_name="points_per_class")
    n_classes = checks.integer("cs231n_spirals", "n_classes", n_classes, minimum=1)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), points_per_class)
    radius = np.tile(np.linspace(0.0, 1.0, points_per_class), n_classes)
    start = 4.0 * np.arange(n_classes)
    angle = np.linspace(start, start + 4.0, points_per_class, axis=1).ravel()
    angle = angle + noise * rng.standard_normal(len(y))
    X = radius[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return X.astype(dtype), y


def sine(
    n_samples: int = 200,
    noise: float = 0.1,
    low: float = -np.pi,
    high: float = np.pi,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """1-D regression: x ~ U(low, high), y = sin(x) + N(0, noise²); both of shape (n, 1)."""
    _check("sine", n_samples, noise, seed, dtype)
    if not checks.real("sine", "low", low, finite=True) < checks.real("sine", "high", high, finite=True):
        raise ValueError(f"sine: low must be below high, got low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=(n_samples, 1))
    y = np.sin(x) + noise * rng.standard_normal((n_samples, 1))
    return x.astype(dtype), y.astype(dtype)


def load_digits(dtype: DTypeLike = np.float32) -> tuple[Array, Labels]:
    """scikit-learn's bundled 8×8 handwritten digits: X (1797, 64) scaled to [0, 1], y (1797,) in 0..9.

    The images ship inside scikit-learn (no download); install it with
    ``pip install 'nnfundamentals[data]'``.
    """
    dtype = checks.float_dtype("load_digits", dtype)  # an integer dtype would truncate the scaled pixels
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            "load_digits needs scikit-learn: pip install 'nnfundamentals[data]' (or pip install scikit-learn)"
        ) from error
    digits = sklearn_load_digits()
    return (digits.data / 16.0).astype(dtype), digits.target.astype(np.int64)


def standardize(train: Array, *others: Array, eps: float = 0.1) -> list[Array]:
    """(x − mean) / (std + eps) per feature, with the mean and std of ``train``; returns every array so scaled.

    ``eps`` keeps near-constant features (the digits' border pixels) from being
    blown up; a feature with std + eps = 0 (constant, and eps = 0) is only centred.
    The dtype of each array is kept.
    """
    arrays = [checks.floating("standardize", "every array", a) for a in (train, *others)]
    if arrays[0].ndim != 2 or len(arrays[0]) == 0:
        raise ValueError(f"standardize: train must have shape (n_samples, n_features) with n ≥ 1, got {train.shape}")
    widths = [a.shape[1:] for a in arrays]
    if any(a.ndim != 2 or width != widths[0] for a, width in zip(arrays, widths, strict=True)):
        raise ValueError(f"standardize: every array needs the train array's features {widths[0]}, got {widths}")
    checks.real("standardize", "eps", eps, minimum=0.0)
    mean, std = arrays[0].mean(axis=0, dtype=np.float64), arrays[0].std(axis=0, dtype=np.float64)
    scale = std + eps
    scale[scale == 0] = 1.0
    return [((a - mean) / scale).astype(a.dtype) for a in arrays]


def train_test_split(*arrays: Array, test_size: float = 0.25, seed: int = 0) -> list[Array]:
    """Shuffle the rows (the same permutation for every array) and split them.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` like scikit-learn's
    function; ``test_size`` is a fraction in (0, 1) or a number of rows.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    arrays = tuple(checks.array("train_test_split", "every array", a) for a in arrays)
    if any(a.ndim == 0 for a in arrays):
        raise ValueError("train_test_split: every array needs a first (sample) dimension; got a 0-d array")
    checks.integer("train_test_split", "seed", seed, minimum=0)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.integer, np.floating)):
        raise TypeError(f"train_test_split: test_size must be a fraction or a number of rows, got {test_size!r}")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"train_test_split: arrays of different lengths {[len(a) for a in arrays]}")
    n_test = int(np.ceil(test_size * n)) if isinstance(test_size, (float, np.floating)) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves no train or no test rows out of {n}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return [part for a in arrays for part in (a[train], a[test])]


def _check(
    where: str,
    n_samples: Any,
    noise: Any,
    seed: Any,
    dtype: DTypeLike,
    noise_name: str = "noise",
    n_name: str = "n_samples",
) -> None:
    """The arguments every generator takes: a number of points ≥ 0, a noise level ≥ 0, a seed ≥ 0, a float dtype."""
    checks.integer(where, n_name, n_samples, minimum=0)
    checks.real(where, noise_name, noise, minimum=0.0, finite=True)
    checks.integer(where, "seed", seed, minimum=0)
    checks.float_dtype(where, dtype)
