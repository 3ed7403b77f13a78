"""The grader's catalogue of mistakes: each wrong answer a learner is known to write is caught, and named.

Each entry replaces one function of scratch's own answers (parity_tests/exercise_solutions) by a version with one
classic mistake; the grade must fail that function's term and say, in words, what was done.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from exercises import grade
from exercises._grader import Report

Fn = Callable[..., Any]


def solution(name: str) -> dict[str, Any]:
    return dict(vars(importlib.import_module(f"parity_tests.exercise_solutions.{name}")))


S = {name: solution(name) for name in ("linear", "activations", "losses", "optimizers", "backprop", "batchnorm")}
S["dropout"] = solution("dropout")


def sig(a: Any) -> Any:
    return 1 / (1 + np.exp(-a))


def mlp_wrong(change: str) -> Fn:
    """mlp_gradients with one mistake: 'kink' (ReLU′(0) = 1), 'mask' (no ReLU mask), 'bias' (averaged), 'N'."""

    def fn(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        N = len(x)
        z = x @ w1.T + b1
        h = np.maximum(z, 0)
        s = h @ w2.T + b2
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(N), t]).mean()
        ds = p.copy()
        ds[np.arange(N), t] -= 1
        ds = ds if change == "N" else ds / N
        dz = ds @ w2 if change == "mask" else ds @ w2 * ((z >= 0) if change == "kink" else (z > 0))
        r = np.mean if change == "bias" else np.sum
        return np.asarray(loss), {"w1": dz.T @ x, "b1": r(dz, axis=0), "w2": ds.T @ h, "b2": r(ds, axis=0)}

    return fn


def sgd_wrong(change: str) -> Fn:
    def fn(
        param: Any,
        grad: Any,
        buf: Any,
        *,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> Any:
        if change == "decoupled":
            param *= 1 - lr * weight_decay
        g = grad if change == "decoupled" else grad + weight_decay * param
        if momentum == 0:
            param -= lr * g
            return np.zeros_like(param) if change == "buffer" else None
        first = (1 - dampening) * g if change == "first" else g.copy()
        buf = first if buf is None else momentum * buf + (1 - dampening) * g
        param -= lr * (g + momentum * buf if nesterov and change != "nesterov" else buf)
        return buf

    return fn


def adam_wrong(change: str) -> Fn:
    def fn(
        param: Any,
        grad: Any,
        m: Any,
        v: Any,
        step: int,
        *,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        g = grad + weight_decay * param
        m[...] = beta1 * m + (1 - beta1) * g
        v[...] = beta2 * v + (1 - beta2) * g * g
        t = {"late": step - 1, "early": step + 1}.get(change, step)
        bc1, bc2 = (1.0, 1.0) if change == "none" else (1 - beta1**t, 1 - beta2**t)
        denom = np.sqrt(v / bc2 + eps) if change == "eps" else np.sqrt(v / bc2) + eps
        param -= lr * (m / bc1) / denom

    return fn


def bn_backward_wrong(change: str) -> Fn:
    def fn(g: Any, x: Any, gamma: Any, eps: float = 1e-5) -> Any:
        m = len(x)
        std = np.sqrt(x.var(axis=0) + eps)
        x_hat = (x - x.mean(axis=0)) / std
        gh = g * gamma
        mean_term = 0 if change in ("mean", "eval") else gh.sum(axis=0)
        var_term = 0 if change in ("var", "eval") else x_hat * (gh * x_hat).sum(axis=0)
        dbeta = g.mean(axis=0) if change == "beta" else g.sum(axis=0)
        return (m * gh - mean_term - var_term) / (m * std), (g * x_hat).sum(axis=0), dbeta

    return fn


# (exercise, function, wrong answer, the term it must fail, words the diagnosis must hold)
CATALOGUE: list[tuple[str, str, Fn, str, str]] = [
    ("linear", "linear", lambda x, W, b: x @ W.T, "output", "bias is missing"),
    ("linear", "linear", lambda x, W, b: x @ W + b, "output", "untransposed"),
    ("linear", "linear_backward", lambda g, x, W: (g @ W, x.T @ g, g.sum(0)), "grad_weight", "transposed"),
    ("linear", "linear_backward", lambda g, x, W: (g @ W, g.T @ x, g.mean(0)), "grad_bias", "averaged over the batch"),
    ("linear", "linear_backward", lambda g, x, W: (g @ W / len(x), g.T @ x, g.sum(0)), "grad_input", "once too often"),
    ("linear", "linear", lambda x, W, b: (x @ W.T + b).astype(np.float64), "output", "dtype float64"),
    ("activations", "sigmoid", lambda x: np.exp(x) / (1 + np.exp(x)), "output", "inf/NaN"),
    ("activations", "sigmoid_backward", lambda g, y: g * sig(y) * (1 - sig(y)), "grad_input", "wrong point"),
    ("activations", "sigmoid_backward", lambda g, y: y * (1 - y), "grad_input", "grad_output is not multiplied"),
    ("activations", "tanh", lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), "output", "np.tanh"),
    ("activations", "tanh_backward", lambda g, y: g * (1 - np.tanh(y) ** 2), "grad_input", "wrong point"),
    ("activations", "relu_backward", lambda g, y: g * (y >= 0), "grad_input", "ReLU′(0) = 0"),
    ("activations", "leaky_relu", lambda x, s: np.where(x > 0, x, 0.01 * x), "output", "0.01 hard-coded"),
    ("activations", "leaky_relu_backward", lambda g, x, s: np.where(x >= 0, g, s * g), "grad_input", "kink convention"),
    (
        "activations",
        "softmax",
        lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
        "output",
        "subtract each row's max",
    ),
    ("activations", "softmax_backward", lambda g, y: g * y * (1 - y), "grad_input", "Jacobian's diagonal"),
    ("losses", "mse_loss", lambda x, t: ((x - t) ** 2).sum(), "loss", "too many"),
    ("losses", "mse_loss_backward", lambda x, t: (x - t) / x.size, "grad_input", "a factor of 2 is missing"),
    ("losses", "mse_loss_backward", lambda x, t: 2 * (t - x) / x.size, "grad_input", "wrong sign"),
    (
        "losses",
        "mse_loss_backward",
        lambda x, t: 2 * (x - t) / len(x),
        "grad_input",
        "rows where the mean runs over all",
    ),
    (
        "losses",
        "cross_entropy",
        lambda x, t: np.mean(np.log(np.exp(x).sum(1)) - x[np.arange(len(x)), t]),
        "loss",
        "log-sum-exp",
    ),
    (
        "losses",
        "cross_entropy_backward",
        lambda x, t: S["losses"]["cross_entropy_backward"](x, t) * len(x),
        "grad_input",
        "too many",
    ),
    (
        "losses",
        "binary_cross_entropy_with_logits",
        lambda x, y: np.mean(-(y * np.log(sig(x)) + (1 - y) * np.log(1 - sig(x)))),
        "loss",
        "stable form",
    ),
    ("losses", "binary_cross_entropy_with_logits_backward", lambda x, y: (y - sig(x)) / x.size, "grad_input", "sign"),
    ("backprop", "mlp_gradients", mlp_wrong("kink"), "w1", "ReLU′(0) taken as 1"),
    ("backprop", "mlp_gradients", mlp_wrong("mask"), "w1", "unmasked"),
    ("backprop", "mlp_gradients", mlp_wrong("bias"), "b2", "averaged over the batch"),
    ("backprop", "mlp_gradients", mlp_wrong("N"), "w2", "too many"),
    ("optimizers", "sgd_step", sgd_wrong("first"), "param after 1 step", "first step dampened"),
    ("optimizers", "sgd_step", sgd_wrong("nesterov"), "param after 5 steps", "Nesterov ignored"),
    ("optimizers", "sgd_step", sgd_wrong("decoupled"), "param after 1 step", "decoupled"),
    ("optimizers", "sgd_step", sgd_wrong("buffer"), "momentum_buffer after 5 steps", "should be None"),
    ("optimizers", "adam_step", adam_wrong("none"), "param after 1 step", "bias correction missing"),
    ("optimizers", "adam_step", adam_wrong("late"), "param after 1 step", "a step late"),
    ("optimizers", "adam_step", adam_wrong("early"), "param after 1 step", "a step early"),
    ("optimizers", "adam_step", adam_wrong("eps"), "param after 1 step", "eps inside the square root"),
    (
        "batchnorm",
        "batch_norm",
        lambda x, g, b, eps=1e-5: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
        "output",
        "unbiased variance",
    ),
    (
        "batchnorm",
        "batch_norm",
        lambda x, g, b, eps=1e-5: g * (x - x.mean(0)) / (x.std(0) + eps) + b,
        "output",
        "eps outside",
    ),
    ("batchnorm", "batch_norm_backward", bn_backward_wrong("eval"), "grad_input", "both terms"),
    ("batchnorm", "batch_norm_backward", bn_backward_wrong("mean"), "grad_input", "through the batch mean"),
    ("batchnorm", "batch_norm_backward", bn_backward_wrong("var"), "grad_input", "through the batch variance"),
    ("batchnorm", "batch_norm_backward", bn_backward_wrong("beta"), "grad_beta", "averaged over the batch"),
    ("dropout", "dropout", lambda x, m, p: x * m, "output", "scale 1/(1 − p) is missing"),
    ("dropout", "dropout", lambda x, m, p: x / (1 - p), "output", "mask is not applied"),
    ("dropout", "dropout_backward", lambda g, m, p: g * m * (1 - p), "grad_input", "multiplied by 1 − p"),
    ("dropout", "dropout_backward", lambda g, m, p: g * ~m / (1 - p), "grad_input", "mask inverted"),
]


@pytest.mark.parametrize(("exercise", "function", "wrong", "term", "words"), CATALOGUE, ids=[c[4] for c in CATALOGUE])
def test_a_known_mistake_is_caught_and_named(exercise: str, function: str, wrong: Fn, term: str, words: str) -> None:
    report = assert_caught({**S[exercise], function: wrong}, exercise, function, term, words)
    assert all(u.passed for u in report.terms if u.function != function), "only the function with the mistake fails"


def assert_caught(answers: dict[str, Any], exercise: str, function: str, term: str, words: str) -> Report:
    """The grade of ``answers`` fails ``term`` of ``function`` and names the mistake with ``words``."""
    report = grade(exercise, answers=answers)
    assert not report.passed
    t = next(t for t in report.terms if (t.function, t.term) == (function, term))
    assert not t.passed, f"{function} {term} passed with the mistake '{words}'"
    assert t.diagnosis is not None and words in t.diagnosis, f"{function} {term}: {t.diagnosis}"
    assert t.example and "torch's" in t.example
    return report


def test_an_input_changed_in_place_is_named() -> None:
    def relu(x: Any) -> Any:
        np.maximum(x, 0, out=x)
        return x

    t = next(t for t in grade("activations", answers={**S["activations"], "relu": relu}).terms if t.function == "relu")
    assert not t.passed and t.diagnosis is not None and "in place" in t.diagnosis


def test_an_exception_is_reported_with_its_line() -> None:
    def linear(x: Any, W: Any, b: Any) -> Any:
        return x @ W + b[:, None]

    t = grade("linear", answers={**S["linear"], "linear": linear}).terms[0]
    assert not t.passed and t.max_error is None and t.diagnosis is not None and "raised ValueError" in t.diagnosis


def test_a_wrong_return_form_is_named() -> None:
    report = grade("backprop", answers={"mlp_gradients": lambda *a: S["backprop"]["mlp_gradients"](*a)[1]})
    assert all(not t.passed and t.diagnosis and "should return (loss" in t.diagnosis for t in report.terms)
