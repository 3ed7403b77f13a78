"""Cases of ``linear`` and ``backprop``: shapes where a transpose cannot hide, a batch of 1, the ReLU kink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, Outputs, WrongReturnError, call_returning, copy, generator, normal, shapes
from exercises._cases import vjp

TRANSPOSED_W = "the weight used untransposed: W is stored (out, in), as torch stores it, so y = x Wᵀ and dL/dx = g W"


def linear_shapes(rng: np.random.Generator) -> list[tuple[str, tuple[int, int, int], Any]]:
    named = [
        ("batch 5 ≠ in 3 ≠ out 4 (a transpose cannot hide)", (5, 3, 4), np.float64),
        ("a batch of 1", (1, 3, 2), np.float64),
        ("batch = in = out = 4 (a transpose keeps the shape)", (4, 4, 4), np.float64),
        ("float32 inputs", (6, 5, 3), np.float32),
    ]
    drawn = [(f"random (batch {n}, in {i}, out {o})", (n, i, o), np.float64) for n, i, o in shapes(rng, 3, 3)]
    return [(label, s, d) for label, s, d in named + drawn]


def linear_cases() -> list[Case]:
    import torch.nn.functional as F

    rng = generator("linear")
    cases = []
    for label, (N, n_in, n_out), dtype in linear_shapes(rng):
        x, W, b, g = (normal(rng, *s, dtype=dtype) for s in ((N, n_in), (n_out, n_in), (n_out,), (N, n_out)))
        sizes = {"N, the batch size": N}
        y, _ = vjp(F.linear, [x, W, b], [], None)
        square = n_in == n_out
        forward_mistakes = {"the bias is missing: y = x Wᵀ + b": x @ W.T}
        if square:
            forward_mistakes[TRANSPOSED_W] = x @ W + b
        args = {"x": x, "weight": W, "bias": b}
        cases.append(
            Case(
                "linear",
                label,
                args,
                {"output": y},
                call_returning(("output",), args),
                {"output": forward_mistakes},
                sizes,
            )
        )
        _, (dx, dW, db) = vjp(F.linear, [x, W, b], [0, 1, 2], g)
        mistakes: dict[str, dict[str, Array]] = {
            "grad_bias": {
                "averaged over the batch instead of summed: dL/db = Σₙ gₙ (each sample adds its own)": g.mean(axis=0)
            },
            "grad_input": {},
            "grad_weight": {},
        }
        if n_out == N:
            mistakes["grad_bias"]["summed over the outputs (axis 1) instead of over the batch (axis 0)"] = g.sum(axis=1)
        if square:
            mistakes["grad_input"][TRANSPOSED_W] = g @ W.T
            mistakes["grad_weight"]["transposed: xᵀg, where dL/dW = gᵀx has W's shape (out, in)"] = x.T @ g
        names = ("grad_input", "grad_weight", "grad_bias")
        args = {"grad_output": g, "x": x, "weight": W}
        expected = {"grad_input": dx, "grad_weight": dW, "grad_bias": db}
        cases.append(Case("linear_backward", label, args, expected, call_returning(names, args), mistakes, sizes))
    return cases


def mlp_numpy(
    x: Array,
    t: Array,
    w1: Array,
    b1: Array,
    w2: Array,
    b2: Array,
    *,
    kink: float = 0.0,
    mask: bool = True,
    bias_mean: bool = False,
) -> dict[str, Array]:
    """The MLP's loss and gradients in NumPy, with a catalogued mistake switched on (the default is torch's rule)."""
    N = len(x)
    z = x @ w1.T + b1
    h = np.maximum(z, 0)
    s = h @ w2.T + b2
    shifted = s - s.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), t].mean()
    ds = np.exp(log_p)
    ds[np.arange(N), t] -= 1
    ds /= N
    dh = ds @ w2
    dz = dh * ((z > 0) + kink * (z == 0)) if mask else dh
    reduce = np.mean if bias_mean else np.sum
    return {
        "loss": np.asarray(loss),
        "w1": dz.T @ x,
        "b1": reduce(dz, axis=0),
        "w2": ds.T @ h,
        "b2": reduce(ds, axis=0),
    }


def mlp_runner(args: dict[str, Any]) -> Callable[[Callable[..., Any]], Outputs]:
    def run(fn: Callable[..., Any]) -> Outputs:
        result = fn(*(copy(v) for v in args.values()))
        if not (isinstance(result, tuple | list) and len(result) == 2 and isinstance(result[1], dict)):
            raise WrongReturnError('should return (loss, {"w1": ..., "b1": ..., "w2": ..., "b2": ...})')
        loss, grads = result
        return {"loss": loss, **grads}

    return run


def backprop_cases() -> list[Case]:
    import torch.nn.functional as F

    rng = generator("backprop")
    named = [
        ("batch 5, in 4, hidden 6, classes 3", (5, 4, 6, 3), np.float64),
        ("a batch of 1", (1, 3, 4, 2), np.float64),
        ("pre-activations exactly 0 (the ReLU kink)", (4, 3, 5, 3), np.float64),
        ("float32 inputs", (6, 4, 5, 3), np.float32),
    ]
    drawn = [
        (f"random (batch {n}, in {i}, hidden {h}, classes {c})", (n, i, h, c), np.float64)
        for n, i, h, c in shapes(rng, 3, 4, low=2)
    ]
    cases = []
    for label, (N, n_in, hidden, C), dtype in named + drawn:
        x, w1, b1, w2, b2 = (
            normal(rng, *s, dtype=dtype) for s in ((N, n_in), (hidden, n_in), (hidden,), (C, hidden), (C,))
        )
        if "kink" in label:  # a sample of zeros and a hidden unit of zero weights: z = 0 exactly there
            x[0], w1[0], b1[:] = 0, 0, 0
        t = rng.integers(0, C, size=N)

        def f(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, t: Any = t) -> Any:
            import torch

            return F.cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), torch.tensor(t))

        loss, (dw1, db1, dw2, db2) = vjp(f, [x, w1, b1, w2, b2], [1, 2, 3, 4], None)
        expected = {"loss": loss, "w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
        mistakes: dict[str, dict[str, Array]] = {term: {} for term in expected}
        if dtype == np.float64:
            catalogue: dict[str, dict[str, Any]] = {
                "ReLU′(0) taken as 1: where a pre-activation is exactly 0, torch's ReLU passes no gradient": {
                    "kink": 1
                },
                "the gradient went through the ReLU unmasked: multiply by ReLU′(z) = [z > 0] on the way back": {
                    "mask": False
                },
                "a bias gradient averaged over the batch instead of summed (the 1/N is in the loss's gradient)": {
                    "bias_mean": True
                },
            }
            for words, flags in catalogue.items():
                for term, wrong in mlp_numpy(x, t, w1, b1, w2, b2, **flags).items():
                    if not np.allclose(wrong, expected[term], rtol=1e-6, atol=1e-9):
                        mistakes[term][words] = wrong
        args = {"x": x, "target": t, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
        cases.append(Case("mlp_gradients", label, args, expected, mlp_runner(args), mistakes, {"N, the batch size": N}))
    return cases
