"""Check a manual backward, or autograd's, against finite differences (~ torch.autograd.gradcheck).

For every output element k, ``backward`` with the unit vector e_k gives row k of
the analytical Jacobian.  For every input element j, central differences
(f(x + ε e_j) − f(x − ε e_j)) / 2ε give column j of the numerical Jacobian.  They
must agree elementwise: |analytical − numerical| ≤ atol + rtol·|numerical|.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from common import Array, checks
from scratch.autograd.tensor import Tensor
from scratch.nn.module import Module, Parameter


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians disagree."""


@np.errstate(all="ignore")  # inf − inf where f overflows: a NaN Jacobian that fails the check, as in torch
def _numerical_jacobian(f: Callable[[], Array], x: Array, eps: float) -> Array:
    """Columns (f(x + ε e_j) − f(x − ε e_j)) / 2ε; ``x`` is perturbed in place and restored."""
    flat = x.reshape(-1)
    columns = []
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + eps
        plus = np.array(f(), dtype=np.float64).reshape(-1)
        flat[j] = original - eps
        minus = np.array(f(), dtype=np.float64).reshape(-1)
        flat[j] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _agree(name: str, rows: list[Array], numerical: Array, atol: float, rtol: float, raise_exception: bool) -> bool:
    """|analytical − numerical| ≤ atol + rtol·|numerical| everywhere; the analytical Jacobian's rows are ``rows``."""
    a = np.stack(rows) if rows else np.zeros((0, numerical.shape[1] if numerical.ndim == 2 else 0))
    n = numerical.reshape(a.shape)
    with np.errstate(invalid="ignore"):
        agree = bool(np.all(np.abs(a - n) <= atol + rtol * np.abs(n)))
    if not agree and raise_exception:
        raise GradcheckError(
            f"Jacobian mismatch for output 0 with respect to {name},\nnumerical:\n{n}\nanalytical:\n{a}"
        )
    return agree


def gradcheck(
    fn: Module,
    inputs: Array | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare ``fn.backward`` with central differences, for ``inputs[0]`` and every parameter of ``fn``.

    ``fn`` is anything with ``fn(*inputs)`` and ``fn.backward(grad_output) -> dL/d inputs[0]``:
    a layer, a model or a loss (the other inputs, such as a target, are held fixed).
    Or, as torch's, ``fn`` is a function of autograd Tensors (``inputs`` a Tensor or a tuple of them): every
    input that requires grad is checked, its Jacobian rows coming from ``backward`` of the output.
    Like torch, it needs float64 values: float32 differences are too coarse.
    Returns True, or raises GradcheckError (returns False with ``raise_exception=False``).
    """
    _check_tolerances(eps, atol, rtol, raise_exception)
    tensors = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    if any(isinstance(t, Tensor) and not isinstance(t, Parameter) for t in tensors):
        return _gradcheck_autograd(fn, tensors, eps, atol, rtol, raise_exception)
    if not (callable(fn) and callable(getattr(fn, "backward", None))):
        raise TypeError(
            f"gradcheck checks a manual backward: fn must have fn(*inputs) and fn.backward(grad_output) "
            f"(a layer, a model, a loss), got {type(fn).__name__}"
        )
    args = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    if not args:
        raise ValueError("gradcheck: inputs is empty; inputs[0] is the array to differentiate")
    x = args[0]
    params: list[Parameter] = list(fn.parameters()) if isinstance(fn, Module) else []
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"gradcheck needs float64 arrays; inputs[0] is {getattr(x, 'dtype', type(x))}")
    for i, p in enumerate(params):
        if p.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 arrays; parameter {i} is {p.dtype} (call .double())")

    saved_grads = [p.grad for p in params]
    try:
        out = np.asarray(fn(*args))
        analytical: list[list[Array]] = [[] for _ in range(1 + len(params))]
        for k in range(out.size):
            for p in params:
                p.grad = None
            fn(*args)
            unit = np.zeros(out.size, dtype=out.dtype)
            unit[k] = 1
            dx = fn.backward(unit.reshape(out.shape))
            analytical[0].append(np.asarray(dx, dtype=np.float64).reshape(-1))
            for i, p in enumerate(params, start=1):
                analytical[i].append(np.zeros(p.size) if p.grad is None else p.grad.reshape(-1))
        targets = [("input 0", x)] + [(f"parameter {i}", p.data) for i, p in enumerate(params)]
        for (name, array), rows in zip(targets, analytical, strict=True):
            if not _agree(name, rows, _numerical_jacobian(lambda: fn(*args), array, eps), atol, rtol, raise_exception):
                return False
    finally:
        for p, grad in zip(params, saved_grads, strict=True):
            p.grad = grad
    return True


def _check_tolerances(eps: Any, atol: Any, rtol: Any, raise_exception: Any) -> None:
    """eps > 0 and finite (eps = 0 would give 0/0, a NaN Jacobian that torch reports as a mismatch); atol, rtol ≥ 0."""
    checks.real("gradcheck", "eps", eps, positive=True, finite=True)
    checks.real("gradcheck", "atol", atol, minimum=0.0)
    checks.real("gradcheck", "rtol", rtol, minimum=0.0)
    checks.boolean("gradcheck", "raise_exception", raise_exception)


def _gradcheck_autograd(
    fn: Callable[..., Tensor], inputs: list[Any], eps: float, atol: float, rtol: float, raise_exception: bool
) -> bool:
    """gradcheck of a function of Tensors: row k of the Jacobian is the inputs' .grad after out.backward(e_k)."""
    checked = [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True."
        )
    for i, t in checked:
        if t.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 tensors; input {i} is {t.dtype}")
    saved_grads = [t.grad for _, t in checked]
    try:
        out = fn(*inputs)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        rows: list[list[Array]] = [[] for _ in checked]
        for k in range(out.numel()):
            for _, t in checked:
                t.grad = None
            unit = np.zeros(out.numel(), dtype=out.dtype)
            unit[k] = 1
            result = fn(*inputs)
            if result.requires_grad:
                result.backward(unit.reshape(out.shape))
            for row, (_, t) in zip(rows, checked, strict=True):
                row.append(np.zeros(t.numel()) if t.grad is None else t.grad.reshape(-1).copy())
        for row, (i, t) in zip(rows, checked, strict=True):
            numerical = _numerical_jacobian(lambda: fn(*inputs).data, t.data, eps)
            if not _agree(f"input {i}", row, numerical, atol, rtol, raise_exception):
                return False
    finally:
        for (_, t), grad in zip(checked, saved_grads, strict=True):
            t.grad = grad
    return True
