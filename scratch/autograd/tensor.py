"""Reverse-mode automatic differentiation on NumPy arrays (~ torch.Tensor and torch.autograd).

Every operation on a Tensor that requires a gradient records a ``Node``: the operation's name, its inputs and
its vector-Jacobian product (VJP), a function from g = dL/d(output) to dL/d(each input).  ``loss.backward()``
orders the recorded graph topologically, walks it from the loss back to the leaves, hands each node the sum of
the gradients flowing into its output (a tensor used twice receives two), and adds (``+=``) what reaches a leaf
into the leaf's ``.grad``.  That is all ``loss.backward()`` is.

Broadcasting: an input that NumPy stretched to the output's shape receives the gradient summed back over the
stretched axes (``unbroadcast``).  ``with no_grad():`` records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from common import Array, checks

VJP = Callable[[Array], Sequence[Array | None]]
_recording = [True]


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` operations record no graph (their results do not require grad), as torch's."""
    _recording.append(False)
    try:
        yield
    finally:
        _recording.pop()


class Node:
    """One recorded operation: ``name`` (torch's, e.g. ``MulBackward0``), its ``inputs``, the ``shape`` of its
    output, and ``vjp``, which maps dL/d(output) to dL/d(input) for every input (None where none is needed)."""

    def __init__(self, name: str, inputs: tuple[Tensor, ...], shape: tuple[int, ...], vjp: VJP) -> None:
        self.name, self.inputs, self.shape = name, inputs, shape
        self.vjp: VJP | None = vjp  # None once backward has run: what it saved is freed, as in torch

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Tensor:
    """An ndarray (``.data``), whether it requires a gradient, the gradient (``.grad``, None until a backward
    reaches it) and, for the result of an operation, the ``grad_fn`` that made it."""

    __array_ufunc__ = None  # ndarray ⊕ Tensor defers to Tensor's reflected operator

    def __init__(self, data: ArrayLike, requires_grad: bool = False) -> None:
        self.data: Array = data if isinstance(data, np.ndarray) else np.array(data)
        self._grad: Array | None = None
        self.grad_fn: Node | None = None
        self._retains_grad = False
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    # ---- the gradient --------------------------------------------------------------------------
    @property
    def grad(self) -> Array | None:
        return self._grad

    @grad.setter
    def grad(self, value: Array | None) -> None:
        self._grad = None if value is None else _checked_grad(self, value)

    def accumulate_grad(self, grad: Array) -> None:
        """``.grad += g`` (created on first use, as a copy), as autograd accumulates into a leaf."""
        if grad.shape != self.data.shape:
            raise ValueError(f"accumulate_grad: a gradient of shape {grad.shape} for a tensor of shape {self.shape}")
        if self._grad is None:
            self._grad = grad.astype(self.data.dtype, copy=True)
        else:
            self._grad += grad

    @np.errstate(all="ignore")  # VJPs meet the forward's inf and NaN: they stay as quiet as it, as torch's
    def backward(self, gradient: ArrayLike | Tensor | None = None, retain_graph: bool = False) -> None:
        """dL/d(leaf) for every leaf that requires grad, added into its ``.grad``; L is this tensor, or
        Σ gradient·this when ``gradient`` (dL/d(this), of this tensor's shape) is given."""
        g = _initial_gradient(self, gradient)
        grads: dict[int, Array] = {id(self): g}
        for t in reversed(topological_order(self)):
            g = grads.pop(id(t))
            if t.grad_fn is None or t._retains_grad:
                t.accumulate_grad(g)
            node = t.grad_fn
            if node is None:
                continue
            if node.vjp is None:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed). Saved intermediate values of the graph are freed when you call "
                    ".backward(). Specify retain_graph=True if you need to backward through the graph a second time."
                )
            for parent, parent_grad in zip(node.inputs, node.vjp(g), strict=True):
                if parent_grad is not None and parent.requires_grad:
                    grads[id(parent)] = grads[id(parent)] + parent_grad if id(parent) in grads else parent_grad
            if not retain_graph:
                node.vjp = None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` too (leaves always keep theirs)."""
        self._retains_grad = self.grad_fn is not None

    # ---- leaves, detaching ---------------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        checks.boolean("requires_grad_", "requires_grad", requires_grad)
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"Only Tensors of floating point dtype can require gradients, got {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same array, outside the graph (no grad_fn, no gradient)."""
        return Tensor(self.data)

    # ---- array facts ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return self.data.size

    def item(self) -> Any:
        return self.data.item()

    def numpy(self) -> Array:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        extra = f", grad_fn={self.grad_fn!r}" if self.grad_fn else ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({np.array2string(self.data, separator=', ', prefix='tensor(')}{extra})"

    # ---- operators (each defined in ops.py beside its VJP) --------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pow__(self, exponent: float) -> Tensor:
        return ops.pow(self, exponent)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.index(self, index)

    def sum(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        return ops.sum(self, dim, checks.boolean("sum", "keepdim", keepdim))

    def mean(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        return ops.mean(self, dim, checks.boolean("mean", "keepdim", keepdim))

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return ops.max_all(self) if dim is None else ops.max_dim(self, dim, checks.boolean("max", "keepdim", keepdim))

    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return ops.transpose(self, dim0, dim1)

    @property
    def T(self) -> Tensor:
        return ops.permute(self, tuple(reversed(range(self.ndim))))


class MaxResult(NamedTuple):
    """What ``t.max(dim)`` returns, as torch's ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor the graph of ``root`` reaches, each after all the tensors it was computed from."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:  # depth-first, iterative: a long chain of operations must not hit the recursion limit
        t, inputs_done = stack.pop()
        if inputs_done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t.grad_fn is not None:
            stack.extend((p, False) for p in reversed(t.grad_fn.inputs) if p.requires_grad and id(p) not in seen)
    return order


def _initial_gradient(t: Tensor, gradient: Any) -> Array:
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return np.ones_like(t.data)
    g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != t.shape:
        raise ValueError(f"backward: gradient has shape {g.shape}, but the tensor has shape {t.shape}")
    return g.astype(t.dtype, copy=False)


def _checked_grad(t: Tensor, grad: Any) -> Array:
    """torch's rules for assigning ``t.grad``: an array (a NumPy scalar for a 0-d one), of t's shape and dtype."""
    if isinstance(grad, np.generic):
        grad = np.asarray(grad)
    if not isinstance(grad, np.ndarray):
        raise TypeError(
            f"assigned grad expected to be a numpy array or None but got grad of type {type(grad).__name__}"
        )
    if grad.shape != t.data.shape:
        raise ValueError(f"attempting to assign a gradient of shape {grad.shape} to a tensor of shape {t.data.shape}")
    if grad.dtype != t.data.dtype:
        raise TypeError(f"attempting to assign a gradient of dtype {grad.dtype} to a tensor of dtype {t.data.dtype}")
    return grad


def recording() -> bool:
    return _recording[-1]


from scratch.autograd import ops  # noqa: E402  (ops builds Tensors: imported once Tensor exists)
