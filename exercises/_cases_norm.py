"""Cases of ``batchnorm`` (training mode, batch statistics) and ``dropout`` (the keep-mask given)."""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, call_returning, generator, normal, shapes
from exercises._cases import vjp


def bn_numpy(x: Array, gamma: Array, beta: Array, g: Array, eps: float, mistake: str = "") -> dict[str, Array]:
    """Batch norm's output and gradients in NumPy; ``mistake`` switches on one catalogued mistake."""
    m = len(x)
    axis = 1 if mistake == "axis" else 0
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=1 if mistake == "unbiased" else 0)
    std = np.sqrt(var) + eps if mistake == "eps outside" else np.sqrt(var + eps)
    x_hat = (x - mean) / std
    gh = g * gamma
    terms = {"eval": (0, 0), "no mean term": (0, 1), "no variance term": (1, 0)}.get(mistake, (1, 1))
    dx = (m * gh - terms[0] * gh.sum(axis=0) - terms[1] * x_hat * (gh * x_hat).sum(axis=0)) / (m * std)
    dgamma = (g * x).sum(axis=0) if mistake == "gamma from x" else (g * x_hat).sum(axis=0)
    dbeta = g.mean(axis=0) if mistake == "mean" else g.sum(axis=0)
    return {"output": gamma * x_hat + beta, "grad_input": dx, "grad_gamma": dgamma, "grad_beta": dbeta}


BN_MISTAKES = {
    "unbiased": "the unbiased variance (divided by N − 1): batch norm normalises with the biased one, Σ(x − μ)²/N",
    "eps outside": "eps outside the square root: torch divides by √(σ² + ε), not √σ² + ε",
    "axis": "the statistics taken over the features (axis 1) instead of over the batch (axis 0)",
    "eval": "only γ·g/√(σ² + ε): both terms through the batch mean and variance are missing (that is the gradient "
    "with fixed statistics, as in evaluation)",
    "no mean term": "the term through the batch mean, −Σĝ/m, is missing (ĝ = γ·g)",
    "no variance term": "the term through the batch variance, −x̂·Σ(ĝ·x̂)/m, is missing (ĝ = γ·g)",
    "gamma from x": "Σ g·x where dL/dγ = Σ g·x̂, the normalised input",
    "mean": "averaged over the batch instead of summed (dL/dβ = Σₙ gₙ)",
}


def batchnorm_cases() -> list[Case]:
    import torch.nn.functional as F

    rng = generator("batchnorm")
    named: list[tuple[str, tuple[int, int], Any, float]] = [
        ("batch 6 ≠ features 3", (6, 3), np.float64, 1e-5),
        ("a batch of 2 (the smallest with a variance)", (2, 4), np.float64, 1e-5),
        ("eps 0.1 (where eps sits shows)", (5, 3), np.float64, 0.1),
        ("a constant feature (variance 0: only eps keeps it finite)", (4, 3), np.float64, 1e-5),
        ("float32 inputs", (5, 4), np.float32, 1e-5),
    ]
    drawn = [(f"random {s}", s, np.float64, 1e-5) for s in shapes(rng, 2, 2, low=2)]
    out: list[Case] = []
    for label, (N, C), dtype, eps in named + drawn:
        x, g = normal(rng, N, C, dtype=dtype) * 2 + 1, normal(rng, N, C, dtype=dtype)
        gamma, beta = normal(rng, C, dtype=dtype), normal(rng, C, dtype=dtype)
        if "constant" in label:
            x[:, 1] = 3.0

        def f(x: Any, gamma: Any, beta: Any, eps: float = eps) -> Any:
            return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)

        y, (dx, dgamma, dbeta) = vjp(f, [x, gamma, beta], [0, 1, 2], g)
        expected = {"output": y, "grad_input": dx, "grad_gamma": dgamma, "grad_beta": dbeta}
        mistakes: dict[str, dict[str, Array]] = {term: {} for term in expected}
        for mistake, words in BN_MISTAKES.items() if dtype == np.float64 else ():
            for term, wrong in bn_numpy(x, gamma, beta, g, eps, mistake).items():
                mistakes[term][words] = wrong
        sizes = {"N, the batch size": N}
        kw = {"eps": eps}
        args = {"x": x, "gamma": gamma, "beta": beta}
        run = call_returning(("output",), args, **kw)
        out.append(Case("batch_norm", label, {**args, **kw}, {"output": y}, run, mistakes, sizes))
        args = {"grad_output": g, "x": x, "gamma": gamma}
        names = ("grad_input", "grad_gamma", "grad_beta")
        run = call_returning(names, args, **kw)
        backward = {k: expected[k] for k in names}
        out.append(Case("batch_norm_backward", label, {**args, **kw}, backward, run, mistakes, sizes))
    return out


DROPOUT_MISTAKES = {
    "unscaled": "the scale 1/(1 − p) is missing: inverted dropout scales what it keeps, so that E[y] = x",
    "times": "multiplied by 1 − p instead of divided by it",
    "over p": "scaled by 1/p instead of 1/(1 − p): p is the probability to drop, not to keep",
    "inverted": "the mask inverted: True marks the elements kept",
    "no mask": "the mask is not applied: only the scale",
}


def dropout_numpy(a: Array, mask: Array, p: float, mistake: str) -> Array:
    keep = ~mask if mistake == "inverted" else mask
    kept = a if mistake == "no mask" else a * keep
    return {"unscaled": kept, "times": kept * (1 - p), "over p": kept / p}.get(mistake, kept / (1 - p))


def dropout_cases() -> list[Case]:
    import torch

    rng = generator("dropout")
    named: list[tuple[str, tuple[int, ...], Any, float]] = [
        ("p 0.2", (4, 5), np.float64, 0.2),
        ("p 0.5", (3, 6), np.float64, 0.5),
        ("p 0 (the identity)", (2, 3), np.float64, 0.0),
        ("float32, p 0.3", (4, 3), np.float32, 0.3),
    ]
    drawn = [(f"random {s}, p 0.7", s, np.float64, 0.7) for s in shapes(rng, 2, 3, low=1, high=5)]
    out: list[Case] = []
    for label, shape, dtype, p in named + drawn:
        x, g = normal(rng, *shape, dtype=dtype), normal(rng, *shape, dtype=dtype)
        mask = rng.uniform(size=shape) >= p
        scale = 1 / (1 - p)

        def oracle(a: Array, mask: Array = mask, scale: float = scale) -> Array:
            t = torch.ops.aten.native_dropout_backward(torch.tensor(a), torch.tensor(mask), scale)
            return np.array(t.numpy(), copy=True)

        for fn, first, a in (("dropout", "x", x), ("dropout_backward", "grad_output", g)):
            term = "output" if fn == "dropout" else "grad_input"
            wrong = (
                {w: dropout_numpy(a, mask, p, k) for k, w in DROPOUT_MISTAKES.items()}
                if p and dtype == np.float64
                else {}
            )
            args = {first: a, "mask": mask, "p": p}
            out.append(Case(fn, label, args, {term: oracle(a)}, call_returning((term,), args), {term: wrong}))
    return out
