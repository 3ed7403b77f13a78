"""Cases of ``autograd``: small expressions built from the learner's Value, backward, and each input's gradient
against torch's autograd on the same expression (torch tensors have the same operators and methods).

The catalogue comes from a reference Value that can make one mistake at a time: a gradient overwritten where it
must accumulate, the chain rule without out.grad, tanh′ at the wrong point, ReLU′(0) = 1, a recursive backward
without a topological order, the output's own gradient never set to 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, Outputs

Expr = Callable[..., Any]

CASES: list[tuple[str, str, dict[str, float], Expr]] = [
    ("add", "a + b", {"a": 1.5, "b": -2.0}, lambda a, b: a + b),
    ("add", "constants on both sides: (a + 2) + (3 + b)", {"a": 0.5, "b": 2.0}, lambda a, b: (a + 2) + (3 + b)),
    ("mul", "a·b", {"a": 1.5, "b": -2.0}, lambda a, b: a * b),
    ("mul", "3·a·b", {"a": -0.5, "b": 4.0}, lambda a, b: 3 * a * b),
    ("pow", "a³", {"a": 1.5}, lambda a: a**3),
    ("pow", "a / b (b⁻¹ by pow)", {"a": 2.0, "b": -0.8}, lambda a, b: a / b),
    ("pow", "√a·b", {"a": 2.5, "b": 1.5}, lambda a, b: a**0.5 * b),
    ("tanh", "tanh(a·b)", {"a": 0.7, "b": -1.2}, lambda a, b: (a * b).tanh()),
    ("tanh", "tanh(a) + a", {"a": 2.5}, lambda a: a.tanh() + a),
    ("relu", "relu(a)·b, a > 0", {"a": 1.5, "b": -2.0}, lambda a, b: a.relu() * b),
    ("relu", "relu(a)·b, a < 0", {"a": -1.5, "b": -2.0}, lambda a, b: a.relu() * b),
    ("relu", "relu(a)·b at the kink, a = 0", {"a": 0.0, "b": 3.0}, lambda a, b: a.relu() * b),
    ("exp", "exp(a)·b", {"a": 0.3, "b": -1.7}, lambda a, b: a.exp() * b),
    ("backward", "a used twice: a·a + b", {"a": 1.5, "b": 0.5}, lambda a, b: a * a + b),
    ("backward", "a diamond: c = a·b feeds two branches", {"a": 0.8, "b": -0.6}, lambda a, b: diamond(a * b)),
    ("backward", "a deep chain", {"a": 0.4, "b": 0.9}, lambda a, b: ((a * b + a).tanh() * b).exp() - a),
    (
        "backward",
        "a neuron: tanh(w·x + bias)",
        {"x": 1.2, "w": -0.7, "bias": 0.3},
        lambda x, w, bias: (w * x + bias).tanh(),
    ),
]
MISTAKES = {
    "overwrite": "a gradient overwritten (=) where it must accumulate (+=): a Value used twice gets both contributions",
    "no chain": "the local derivative without out.grad: the chain rule multiplies by the gradient flowing in",
    "tanh": "tanh′ taken at the wrong point: 1 − out.data², since out.data is tanh(self) already, not 1 − tanh(out)²",
    "kink": "ReLU′(0) taken as 1: at the kink torch's gradient is 0 (it passes only where self > 0)",
    "recursive": "backward without a topological order: a Value must pass its gradient on once, after every use has "
    "added to it (a recursive walk passes it on early, or twice)",
    "no root": "every gradient is 0: backward must start with the output's own gradient, 1",
}


ORDER = (
    "here a Value is used more than once: its gradient is complete only when every use has added to it (+=), and "
    "its _backward must run once, after that (a topological order, not a recursive walk)"
)


def diamond(c: Any) -> Any:
    return c.tanh() + c * c


class Ref:
    """A scalar autograd with one optional mistake (a key of MISTAKES), the catalogue's reference."""

    mistake = ""

    def __init__(self, data: float, children: tuple[Ref, ...] = ()) -> None:
        self.data, self.grad, self.children = float(data), 0.0, children
        self.local: tuple[float, ...] = ()

    def _op(self, data: float, children: tuple[Ref, ...], local: tuple[float, ...]) -> Ref:
        out = Ref(data, children)
        out.local = local
        return out

    def __add__(self, other: Any) -> Ref:
        other = other if isinstance(other, Ref) else Ref(other)
        return self._op(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other: Any) -> Ref:
        other = other if isinstance(other, Ref) else Ref(other)
        return self._op(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def __pow__(self, n: float) -> Ref:
        return self._op(self.data**n, (self,), (n * self.data ** (n - 1),))

    def __neg__(self) -> Ref:
        return self * -1

    def __sub__(self, other: Any) -> Ref:
        return self + (-other)

    def __truediv__(self, other: Any) -> Ref:
        return self * (other if isinstance(other, Ref) else Ref(other)) ** -1

    def tanh(self) -> Ref:
        t = math.tanh(self.data)
        return self._op(t, (self,), (1 - (math.tanh(t) if Ref.mistake == "tanh" else t) ** 2,))

    def relu(self) -> Ref:
        kink = Ref.mistake == "kink" and self.data == 0
        return self._op(max(self.data, 0.0), (self,), (1.0 if self.data > 0 or kink else 0.0,))

    def exp(self) -> Ref:
        e = math.exp(self.data)
        return self._op(e, (self,), (e,))

    def pass_back(self) -> None:
        for child, d in zip(self.children, self.local, strict=True):
            part = d if Ref.mistake == "no chain" else d * self.grad
            child.grad = part if Ref.mistake == "overwrite" else child.grad + part

    def backward(self) -> None:
        self.grad = 0.0 if Ref.mistake == "no root" else 1.0
        if Ref.mistake == "recursive":
            self.walk()
            return
        order: list[Ref] = []
        seen: set[int] = set()

        def visit(v: Ref) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for c in v.children:
                    visit(c)
                order.append(v)

        visit(self)
        for v in reversed(order):
            v.pass_back()

    def walk(self) -> None:
        self.pass_back()
        for c in self.children:
            c.walk()


def gradients(make: Callable[[float], Any], inputs: dict[str, float], expr: Expr) -> Outputs:
    values = {k: make(v) for k, v in inputs.items()}
    expr(**values).backward()
    return {f"{k}.grad": np.asarray(getattr(v, "grad", None) or 0.0, dtype=np.float64) for k, v in values.items()}


def torch_gradients(inputs: dict[str, float], expr: Expr) -> Outputs:
    import torch

    values = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
    expr(**values).backward()
    return {f"{k}.grad": np.asarray(0.0 if v.grad is None else float(v.grad)) for k, v in values.items()}


def cases() -> list[Case]:
    out = []
    for group, label, inputs, expr in CASES:
        expected = torch_gradients(inputs, expr)
        mistakes: dict[str, dict[str, Array]] = {term: {} for term in expected}
        for mistake, words in MISTAKES.items():
            Ref.mistake = mistake
            try:
                wrong = gradients(Ref, inputs, expr)
            finally:
                Ref.mistake = ""
            for term, value in wrong.items():
                if not np.isclose(value, expected[term], rtol=1e-9, atol=1e-12):
                    mistakes[term][words] = value

        def run(V: Callable[..., Any], inputs: dict[str, float] = inputs, expr: Expr = expr) -> Outputs:
            return gradients(V, inputs, expr)

        note = ORDER if group == "backward" else None
        out.append(Case(group, label, dict(inputs), expected, run, mistakes, note=note))
    return out
