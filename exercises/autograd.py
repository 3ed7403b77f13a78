"""Exercise: autograd for scalars, what ``loss.backward()`` does, on one screen (tutorial section 8).

A Value holds a number, the Values it was computed from, and ``_backward``: a function that passes the gradient
of its result back to its inputs.  The forward arithmetic is written; write each operation's ``_backward`` (its
local derivative times ``out.grad``, added with ``+=``: a Value used twice receives both) and ``backward``, which
visits the graph in topological order.  Graded against torch's autograd: ``python -m exercises check autograd``;
solution: ``python -m exercises solution autograd``.
"""

from __future__ import annotations

import math
from collections.abc import Callable


class Value:
    """A scalar that remembers how it was computed; ``grad`` is dL/d(this value) after ``backward``."""

    def __init__(self, data: float, children: tuple[Value, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.children = children
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward() -> None:
            """out = self + other: add d(out)/d(self)·out.grad to self.grad, and the same for other."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward() -> None:
            """out = self · other: each input's gradient gets the other input's value times out.grad."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Value:
        out = Value(self.data**exponent, (self,))

        def _backward() -> None:
            """out = selfⁿ for a constant n: d(out)/d(self) = n·selfⁿ⁻¹."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,))

        def _backward() -> None:
            """out = tanh(self): tanh′ = 1 − tanh², and tanh(self) is out.data already."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,))

        def _backward() -> None:
            """out = max(self, 0): the gradient passes where self > 0 (torch's ReLU′(0) = 0)."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,))

        def _backward() -> None:
            """out = e^self: d(out)/d(self) = e^self = out.data."""
            raise NotImplementedError

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Fill in ``grad`` of every Value this one was computed from, as ``loss.backward()`` does.

        Order the graph so that each Value comes after all the Values it was computed from (a topological order,
        by a depth-first walk over ``children``), set this Value's grad to 1, then call ``_backward`` of each
        Value in the reverse of that order: a Value passes its gradient on only once every use has added to it.
        """
        raise NotImplementedError

    # Derived operations: nothing to write here.
    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        return Value(other) - self

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
