"""Cases of ``optimizers``: several steps each, with dampening, Nesterov, weight decay, and hyper-parameters under
which the bias correction and the place of eps show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, Outputs, generator, normal

STEPS = 5
SGD_HINT = "an update went inf/NaN: a division by a zero buffer, or a buffer that was never initialised?"
ADAM_HINT = (
    "inf or NaN after the first update: a bias correction 1 − βᵗ computed with t = 0 (a step late) divides by 0; "
    "step is 1 on the first update"
)


def sgd_rule(
    p: Array,
    grads: list[Array],
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    mistake: str = "",
) -> list[tuple[Array, Array | None]]:
    """torch's SGD in NumPy, one (param, buffer) per step; ``mistake`` switches on one catalogued mistake."""
    p, buf, out = p.copy(), None, []
    for grad in grads:
        if mistake == "decoupled":
            p = p * (1 - lr * weight_decay)
        g = grad + weight_decay * p if mistake not in ("decoupled", "decay after") else grad
        if momentum != 0:
            if buf is None:
                buf = (1 - dampening) * g if mistake == "first dampened" else g.copy()
                buf = (1 - momentum) * g if mistake == "average" else buf
            else:
                buf = momentum * buf + ((1 - momentum) if mistake == "average" else (1 - dampening)) * g
            g = g + momentum * buf if nesterov and mistake != "no nesterov" else buf
        if mistake == "decay after":
            g = g + weight_decay * p
        p = p - lr * g
        out.append((p, None if buf is None else buf * (lr if mistake == "lr in buffer" else 1)))
    return out


def adam_rule(
    p: Array,
    grads: list[Array],
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    mistake: str = "",
) -> list[tuple[Array, Array, Array]]:
    """torch's Adam in NumPy, one (param, m, v) per step; ``mistake`` switches on one catalogued mistake."""
    p, m, v, out = p.copy(), np.zeros_like(p), np.zeros_like(p), []
    for t, grad in enumerate(grads, start=1):
        if mistake == "decoupled":
            p = p * (1 - lr * weight_decay)
        g = grad if mistake == "decoupled" else grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        k = t + 1 if mistake == "early" else t
        bc1 = 1 if mistake in ("no correction", "no first correction") else 1 - beta1**k
        bc2 = 1 if mistake in ("no correction", "no second correction") else 1 - beta2**k
        denom = np.sqrt(v / bc2 + eps) if mistake == "eps inside" else np.sqrt(v / bc2) + eps
        p = p - lr * (m / bc1) / denom
        out.append((p, m, v))
    return out


SGD_MISTAKES = {
    "first dampened": "the first step dampened (or the buffer started at 0): torch's first buffer is g itself, "
    "and dampening applies from the second step on",
    "average": "momentum as an average, buf = μ·buf + (1 − μ)·g: torch's buffer is μ·buf + (1 − dampening)·g, "
    "starting from g",
    "no nesterov": "Nesterov ignored: with nesterov=True the step is g + μ·buf, not buf",
    "decoupled": "weight decay applied to the parameter directly (decoupled): torch adds λ·p to the gradient, "
    "before the momentum buffer",
    "decay after": "weight decay added after the momentum buffer: torch adds λ·p to the gradient first",
    "lr in buffer": "the buffer holds lr·v: torch keeps the learning rate outside it (p ← p − lr·buf)",
}
ADAM_MISTAKES = {
    "no correction": "bias correction missing: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ (t = step, 1 on the first update)",
    "no first correction": "the first moment's bias correction 1 − β₁ᵗ is missing",
    "no second correction": "the second moment's bias correction 1 − β₂ᵗ is missing",
    "early": "bias correction a step early (βᵗ⁺¹): step is already 1 on the first update",
    "eps inside": "eps inside the square root: torch divides by √v̂ + ε, not √(v̂ + ε)",
    "decoupled": "weight decay decoupled (AdamW's rule): Adam adds λ·p to the gradient, so it enters both moments",
}


def run_sgd(p0: Array, grads: list[Array], hyper: dict[str, Any]) -> Callable[[Callable[..., Any]], Outputs]:
    def run(fn: Callable[..., Any]) -> Outputs:
        param, buf, out = p0.copy(), None, {}  # type: Array, Any, Outputs
        for k, g in enumerate(grads, start=1):
            buf = fn(param, g.copy(), buf, **hyper)
            if k == 1:
                out["param after 1 step"] = param.copy()
        out[f"param after {STEPS} steps"] = param
        out[f"momentum_buffer after {STEPS} steps"] = buf
        return out

    return run


def run_adam(p0: Array, grads: list[Array], hyper: dict[str, Any]) -> Callable[[Callable[..., Any]], Outputs]:
    def run(fn: Callable[..., Any]) -> Outputs:
        param, m, v, out = p0.copy(), np.zeros_like(p0), np.zeros_like(p0), {}
        for k, g in enumerate(grads, start=1):
            fn(param, g.copy(), m, v, k, **hyper)
            if k == 1:
                out["param after 1 step"] = param.copy()
        out.update({f"param after {STEPS} steps": param, f"exp_avg after {STEPS} steps": m})
        out[f"exp_avg_sq after {STEPS} steps"] = v
        return out

    return run


def torch_run(kind: str, p0: Array, grads: list[Array], hyper: dict[str, Any]) -> list[tuple[Any, ...]]:
    import torch

    p = torch.nn.Parameter(torch.tensor(p0))
    if kind == "sgd":
        opt: Any = torch.optim.SGD([p], **hyper)
    else:
        h = dict(hyper)
        opt = torch.optim.Adam([p], betas=(h.pop("beta1", 0.9), h.pop("beta2", 0.999)), **h)
    out = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        state = opt.state[p]
        keys = ("momentum_buffer",) if kind == "sgd" else ("exp_avg", "exp_avg_sq")
        values = tuple(None if state.get(key) is None else state[key].numpy().copy() for key in keys)
        out.append((p.detach().numpy().copy(), *values))
    return out


def cases() -> list[Case]:
    rng = generator("optimizers")
    sgd: list[tuple[str, dict[str, Any]]] = [
        ("lr 0.1, no momentum (the buffer stays None)", {"lr": 0.1}),
        ("momentum 0.9", {"lr": 0.1, "momentum": 0.9}),
        (
            "momentum 0.9, dampening 0.5 (the first step is not dampened)",
            {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
        ),
        ("Nesterov, momentum 0.9", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("momentum 0.9, weight decay 0.1", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
        (
            "Nesterov, momentum 0.8, weight decay 0.05",
            {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
        ),
        ("float32, momentum 0.9, dampening 0.1", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}),
    ]
    adam: list[tuple[str, dict[str, Any]]] = [
        ("defaults", {"lr": 1e-3}),
        ("lr 0.1, betas (0.5, 0.8) (the bias correction shows)", {"lr": 0.1, "beta1": 0.5, "beta2": 0.8}),
        ("eps 0.1 (where eps sits shows)", {"lr": 0.1, "eps": 0.1}),
        ("weight decay 0.1", {"lr": 0.1, "weight_decay": 0.1}),
        ("float32, lr 0.01", {"lr": 0.01}),
    ]
    out: list[Case] = []
    for kind, table in (("sgd", sgd), ("adam", adam)):
        for label, hyper in table:
            dtype = np.float32 if label.startswith("float32") else np.float64
            shape = tuple(int(n) for n in rng.integers(2, 6, size=2))
            p0, grads = normal(rng, *shape, dtype=dtype), [normal(rng, *shape, dtype=dtype) for _ in range(STEPS)]
            steps = torch_run(kind, p0, grads, hyper)
            args = {"param": p0, "grads": grads, **hyper}
            rule: Callable[..., list[tuple[Any, ...]]]
            if kind == "sgd":
                expected = {"param after 1 step": steps[0][0], f"param after {STEPS} steps": steps[-1][0]}
                expected[f"momentum_buffer after {STEPS} steps"] = steps[-1][1]
                rule, catalogue, runner, hint = sgd_rule, SGD_MISTAKES, run_sgd, SGD_HINT
            else:
                expected = {"param after 1 step": steps[0][0], f"param after {STEPS} steps": steps[-1][0]}
                expected.update(
                    {f"exp_avg after {STEPS} steps": steps[-1][1], f"exp_avg_sq after {STEPS} steps": steps[-1][2]}
                )
                rule, catalogue, runner, hint = adam_rule, ADAM_MISTAKES, run_adam, ADAM_HINT
            mistakes: dict[str, dict[str, Array]] = {term: {} for term in expected}
            for mistake, words in catalogue.items() if dtype == np.float64 else ():
                wrong = rule(p0, grads, mistake=mistake, **hyper)
                for i, term in enumerate(expected):
                    value = wrong[0][0] if i == 0 else wrong[-1][i - 1]
                    if value is not None:
                        mistakes[term][words] = value
            fn = "sgd_step" if kind == "sgd" else "adam_step"
            out.append(Case(fn, label, args, expected, runner(p0, grads, hyper), mistakes, hint=hint))
    return out
