"""The autograd exercise's catalogue: a learner's scalar Value with one classic mistake is caught and named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from exercises import grade
from parity_tests.test_exercises_mistakes import assert_caught


def value_class(mistake: str) -> type:
    """A learner's scalar Value (closures, as the stub has them) with one mistake."""

    class Value:
        def __init__(self, data: float, children: tuple[Any, ...] = ()) -> None:
            self.data, self.grad, self.children = float(data), 0.0, children
            self._backward: Callable[[], None] = lambda: None

        def _out(self, data: float, children: tuple[Any, ...], local: tuple[float, ...]) -> Any:
            out = Value(data, children)

            def _backward() -> None:
                for child, d in zip(children, local, strict=True):
                    part = d if mistake == "no chain" else d * out.grad
                    child.grad = part if mistake == "overwrite" else child.grad + part

            out._backward = _backward
            return out

        def __add__(self, o: Any) -> Any:
            o = o if isinstance(o, Value) else Value(o)
            return self._out(self.data + o.data, (self, o), (1.0, 1.0))

        def __mul__(self, o: Any) -> Any:
            o = o if isinstance(o, Value) else Value(o)
            return self._out(self.data * o.data, (self, o), (o.data, self.data))

        def __pow__(self, n: float) -> Any:
            return self._out(self.data**n, (self,), (n * self.data ** (n - 1),))

        def tanh(self) -> Any:
            t = np.tanh(self.data)
            return self._out(t, (self,), (1 - (np.tanh(t) if mistake == "tanh" else t) ** 2,))

        def relu(self) -> Any:
            return self._out(
                max(self.data, 0.0), (self,), (float(self.data >= 0 if mistake == "kink" else self.data > 0),)
            )

        def exp(self) -> Any:
            return self._out(np.exp(self.data), (self,), (np.exp(self.data),))

        def backward(self) -> None:
            self.grad = 1.0
            if mistake == "recursive":
                stack = [self]
                while stack:
                    node = stack.pop()
                    node._backward()
                    stack.extend(node.children)
                return
            order: list[Any] = []

            def visit(v: Any) -> None:
                if all(v is not w for w in order):
                    for c in v.children:
                        visit(c)
                    order.append(v)

            visit(self)
            for v in reversed(order):
                v._backward()

        __radd__, __rmul__ = __add__, __mul__

        def __neg__(self) -> Any:
            return self * -1

        def __sub__(self, o: Any) -> Any:
            return self + (-o)

        def __truediv__(self, o: Any) -> Any:
            return self * (o if isinstance(o, Value) else Value(o)) ** -1

    return Value


# (the Value with one mistake, the group and term it must fail, words the diagnosis must hold)
AUTOGRAD: list[tuple[type, str, str]] = [
    (value_class("overwrite"), "backward a.grad", "accumulate (+=)"),
    (value_class("no chain"), "mul a.grad", "without out.grad"),
    (value_class("tanh"), "tanh a.grad", "tanh′ taken at the wrong point"),
    (value_class("kink"), "relu a.grad", "ReLU′(0) taken as 1"),
    (value_class("recursive"), "backward a.grad", "topological order"),
]


def test_a_right_value_passes() -> None:
    report = grade("autograd", answers={"Value": value_class("")})
    assert report.passed, [(t.function, t.term, t.diagnosis) for t in report.terms if not t.passed]


@pytest.mark.parametrize(("wrong", "where", "words"), AUTOGRAD, ids=[c[2] for c in AUTOGRAD])
def test_a_known_autograd_mistake_is_caught_and_named(wrong: type, where: str, words: str) -> None:
    group, term = where.split()
    assert_caught({"Value": wrong}, "autograd", group, term, words)
