"""Cases of ``activations``: random values, values exactly at the kink, saturated sigmoids, logits of ±1000."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, call_returning, generator, normal, shapes
from exercises._cases import vjp

SLOPE = 0.2  # not torch's default 0.01, so that a hard-coded slope shows
NO_UPSTREAM = "grad_output is not multiplied in: the chain rule gives dL/dx = grad_output · (the local derivative)"
HINTS = {
    "sigmoid": "e^x/(1 + e^x) is inf/inf = NaN at x = 1000: use 1/(1 + e^(−x)) for x ≥ 0 and e^x/(1 + e^x) for x < 0",
    "tanh": "(e^x − e^(−x))/(e^x + e^(−x)) is inf/inf at |x| = 1000: use np.tanh, or 1 − 2/(e^(2x) + 1)",
    "softmax": "e^x overflows at x = 1000: subtract each row's max first, as softmax(x) = softmax(x − max x)",
}


def draws(rng: np.random.Generator, name: str) -> list[tuple[str, Array]]:
    """The inputs: named edge values, a float32 draw, and seeded random shapes (one of rank 3)."""
    edges = np.array([[-1000.0, -50.0, -1.0, 0.0], [0.0, 1.0, 50.0, 1000.0]])
    named = [("values at ±1000, ±50, ±1 and exactly 0 (kinks, saturation, overflow)", edges)]
    if name.startswith("softmax"):
        named += [("a single class (C = 1)", normal(rng, 3, 1)), ("rows of equal logits", np.zeros((2, 3)))]
    named.append(("float32 inputs", normal(rng, 4, 3, dtype=np.float32) * 3))
    drawn = [(f"random {s}", normal(rng, *s) * 3) for s in [*shapes(rng, 2, 2, low=2), *shapes(rng, 1, 3, low=2)]]
    return named + drawn


def sigmoid(a: Array) -> Array:
    return 1 / (1 + np.exp(-a))


def softmax(a: Array, axis: int = -1) -> Array:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def leaky(a: Array, slope: float) -> Array:
    return np.where(a > 0, a, slope * a)


def forward_mistakes(name: str, x: Array) -> dict[str, Array]:
    if name == "leaky_relu":
        return {"the slope 0.01 hard-coded where negative_slope = 0.2 is given": leaky(x, 0.01)}
    if name == "softmax" and x.ndim == 2:
        return {"normalised over the batch (axis 0) instead of over the last axis": softmax(x, axis=0)}
    return {}


def backward_mistakes(name: str, g: Array, saved: Array) -> dict[str, Array]:
    """The catalogue for each backward: what each known mistake returns for upstream g and the saved array."""
    y = saved
    if name == "sigmoid":
        return {
            "the derivative taken at the wrong point: σ′ = y(1 − y) from the saved output y, not σ(y)(1 − σ(y))": g
            * sigmoid(y)
            * (1 - sigmoid(y)),
            NO_UPSTREAM: y * (1 - y),
        }
    if name == "tanh":
        return {
            "the derivative taken at the wrong point: tanh′ = 1 − y² from the saved output y, not 1 − tanh(y)²": g
            * (1 - np.tanh(y) ** 2),
            "1 − y where the derivative is 1 − y² (y the saved output)": g * (1 - y),
            NO_UPSTREAM: 1 - y**2,
        }
    if name == "relu":
        return {
            "the gradient passes everywhere: ReLU′ is 0 where the output is 0, the kink x = 0 included (torch's "
            "convention ReLU′(0) = 0); a mask y ≥ 0 is always true for ReLU's output": g.copy(),
            NO_UPSTREAM: (y > 0).astype(y.dtype),
        }
    if name == "leaky_relu":
        return {
            "the kink convention: at x = 0 torch's derivative is negative_slope (1 only where x > 0), not 1": np.where(
                y >= 0, g, SLOPE * g
            ),
            "the slope 0.01 hard-coded where negative_slope = 0.2 is given": np.where(y > 0, g, 0.01 * g),
        }
    if name == "softmax":
        out = {
            "only the Jacobian's diagonal: g·y(1 − y) drops ∂yᵢ/∂xⱼ = −yᵢyⱼ for i ≠ j; the whole product is "
            "y ⊙ (g − Σⱼ gⱼyⱼ)": g * y * (1 - y),
            NO_UPSTREAM: y * (1 - y),
        }
        if y.ndim == 2:
            out["the sum Σⱼ gⱼyⱼ runs over the batch (axis 0) instead of over the last axis"] = y * (
                g - (g * y).sum(axis=0, keepdims=True)
            )
        return out
    return {}


def torch_forward(name: str) -> Callable[[Any], Any]:
    import torch
    import torch.nn.functional as F

    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, SLOPE),
        "softmax": lambda t: torch.softmax(t, dim=-1),
    }[name]


def cases() -> list[Case]:
    out: list[Case] = []
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "softmax"):
        rng = generator(name)
        for label, x in draws(rng, name):
            g = normal(rng, *x.shape, dtype=x.dtype)
            y, (dx,) = vjp(torch_forward(name), [x], [0], g)
            extra = {"negative_slope": SLOPE} if name == "leaky_relu" else {}
            args = {"x": x, **extra}
            f64 = x.dtype == np.float64
            wrong = forward_mistakes(name, x) if f64 else {}
            forward = call_returning(("output",), args)
            out.append(Case(name, label, args, {"output": y}, forward, {"output": wrong}, hint=HINTS.get(name)))
            saved = x if name == "leaky_relu" else y  # leaky_relu_backward gets the input, the others the output
            args = {"grad_output": g, ("x" if name == "leaky_relu" else "output"): saved, **extra}
            wrong = backward_mistakes(name, g, saved) if f64 else {}
            backward = call_returning(("grad_input",), args)
            hint = HINTS.get(name)
            out.append(
                Case(f"{name}_backward", label, args, {"grad_input": dx}, backward, {"grad_input": wrong}, hint=hint)
            )
    return out
