"""common.datasets: seeded, shaped and typed the way both implementations expect."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from common import datasets

CLASSIFICATION: list[tuple[Callable[..., Any], int]] = [
    (datasets.xor, 2),
    (datasets.blobs, 3),
    (datasets.moons, 2),
    (datasets.circles, 2),
    (datasets.spirals, 3),
    (datasets.cs231n_spirals, 3),
]


@pytest.mark.parametrize(("make", "n_classes"), CLASSIFICATION)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_classification_sets(make: Callable[..., Any], n_classes: int, dtype: Any) -> None:
    n = 4 if make is datasets.xor else 102 if make is datasets.cs231n_spirals else 101
    size = {"points_per_class": n // 3} if make is datasets.cs231n_spirals else {"n_samples": n}
    X, y = make(**size, seed=3, dtype=dtype)
    assert X.shape == (n, 2)
    assert X.dtype == dtype
    assert y.shape == (n,)
    assert y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(n_classes))
    assert np.isfinite(X).all()
    X2, y2 = make(**size, seed=3, dtype=dtype)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize(
    "make",
    [datasets.blobs, datasets.moons, datasets.circles, datasets.spirals, datasets.cs231n_spirals, datasets.sine],
)
def test_another_seed_gives_other_data(make: Callable[..., Any]) -> None:
    assert not np.array_equal(make(seed=0)[0], make(seed=1)[0])


def test_xor_is_the_truth_table() -> None:
    X, y = datasets.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    X, y = datasets.xor(n_samples=10, noise=0.1)
    assert y.tolist() == [0, 1, 1, 0] * 2 + [0, 1]
    assert np.abs(X - np.round(X)).max() < 0.5


def polar(X: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(r, t) of points (r sin t, r cos t), t in (−π, π]."""
    return np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 0], X[:, 1])


def same_angle(t: np.ndarray[Any, Any], expected: np.ndarray[Any, Any]) -> None:
    np.testing.assert_allclose(np.angle(np.exp(1j * (t - expected))), 0, atol=1e-12)


def test_spirals_follow_their_formula() -> None:
    """Point i: class i mod K, r = i/(n − 1), t = 4r + 2πk/K (+ noise), at (r sin t, r cos t)."""
    X, y = datasets.spirals(n_samples=61, n_classes=3, noise=0.0, dtype=np.float64)
    np.testing.assert_array_equal(y, np.arange(61) % 3)
    r, t = polar(X)
    np.testing.assert_allclose(r, np.linspace(0, 1, 61), atol=1e-15)
    same_angle(t[1:], (4 * r + 2 * np.pi * y / 3)[1:])
    noisy, _ = datasets.spirals(n_samples=61, n_classes=3, noise=0.2, dtype=np.float64)
    np.testing.assert_allclose(polar(noisy)[0], r, atol=1e-15)  # the noise turns the points, keeps the radius


def test_cs231n_spirals_follow_the_notes() -> None:
    """Arm k: rows kN … (k + 1)N − 1, r = linspace(0, 1, N), t = linspace(4k, 4(k + 1), N) (+ noise)."""
    X, y = datasets.cs231n_spirals(points_per_class=50, n_classes=4, noise=0.0, dtype=np.float64)
    assert X.shape == (200, 2)
    np.testing.assert_array_equal(y, np.repeat(np.arange(4), 50))
    r, t = polar(X)
    for k in range(4):
        arm = slice(50 * k, 50 * (k + 1))
        np.testing.assert_allclose(r[arm], np.linspace(0, 1, 50), atol=1e-15)
        same_angle(t[arm][1:], np.linspace(4 * k, 4 * (k + 1), 50)[1:])
    noisy, _ = datasets.cs231n_spirals(points_per_class=50, n_classes=4, noise=0.2, dtype=np.float64)
    np.testing.assert_allclose(polar(noisy)[0], r, atol=1e-15)
    turned = np.angle(np.exp(1j * (polar(noisy)[1] - t)))[r > 0]
    assert 0.15 < turned.std() < 0.25  # noise·N(0, 1) radians, noise = 0.2


def test_cs231n_spirals_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="points_per_class"):
        datasets.cs231n_spirals(points_per_class=-1)
    with pytest.raises(ValueError, match="n_classes"):
        datasets.cs231n_spirals(n_classes=0)
    with pytest.raises(ValueError, match="noise"):
        datasets.cs231n_spirals(noise=-0.1)


def test_blobs_with_given_centres() -> None:
    X, y = datasets.blobs(n_samples=400, centers=[[0, 0, 0], [10, 10, 10]], cluster_std=0.5)
    assert X.shape == (400, 3)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10, 10], atol=0.2)


def test_sine_regression() -> None:
    x, y = datasets.sine(n_samples=50, noise=0.0)
    assert x.shape == y.shape == (50, 1)
    assert x.dtype == y.dtype == np.float32
    np.testing.assert_allclose(y, np.sin(x), atol=1e-6)
    assert -np.pi <= x.min() and x.max() < np.pi


def test_train_test_split() -> None:
    X, y = datasets.spirals(n_samples=100)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.2, seed=1)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (80, 20, 80, 20)
    rows, train_rows, test_rows = (
        {(*r, c) for r, c in zip(a.tolist(), b.tolist(), strict=True)}
        for a, b in [(X, y), (X_train, y_train), (X_test, y_test)]
    )
    assert train_rows | test_rows == rows
    assert not train_rows & test_rows
    again = datasets.train_test_split(X, y, test_size=0.2, seed=1)
    np.testing.assert_array_equal(again[1], X_test)
    assert len(datasets.train_test_split(X, test_size=30)[1]) == 30


def test_train_test_split_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        datasets.train_test_split(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="test_size"):
        datasets.train_test_split(np.zeros(3), test_size=3)
    with pytest.raises(ValueError, match="at least one"):
        datasets.train_test_split()


def test_load_digits() -> None:
    X, y = datasets.load_digits()
    assert X.shape == (1797, 64)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert X.min() == 0.0
    assert X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_load_digits_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"nnfundamentals\[data\]"):
        datasets.load_digits()


def test_standardize_uses_the_train_statistics() -> None:
    X, _ = datasets.load_digits()
    train_part, test_part = X[:1000], X[1000:]
    scaled_train, scaled_test = datasets.standardize(train_part, test_part, eps=1e-12)
    assert scaled_train.dtype == scaled_test.dtype == np.float32
    varying = train_part.std(axis=0) > 0
    np.testing.assert_allclose(scaled_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled_train.std(axis=0)[varying], 1, rtol=1e-4)
    mean, std = train_part.mean(axis=0, dtype=np.float64), train_part.std(axis=0, dtype=np.float64)
    np.testing.assert_allclose(scaled_test, (test_part - mean) / (std + 1e-12), rtol=1e-5, atol=1e-5)
