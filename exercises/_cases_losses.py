"""Cases of ``losses`` (mean reduction, upstream gradient 1): random values, a batch of 1, logits of ±1000."""

from __future__ import annotations

from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, call_returning, generator, normal, shapes
from exercises._cases import vjp

CE_HINT = (
    "logits of ±1000 overflow e^x: use the log-sum-exp form, log softmax(x) = x − m − log Σⱼ e^(xⱼ − m) with m the "
    "row's max, and never log(softmax(x)) (a probability that rounds to 0 gives log 0 = −inf)"
)
BCE_HINT = (
    "logits of ±1000 overflow e^x or give log 0: use the stable form max(x, 0) − x·y + log(1 + e^(−|x|)), "
    "and σ(x) − y for the gradient"
)


def logits(rng: np.random.Generator, N: int, C: int, dtype: Any = np.float64) -> Array:
    return (rng.standard_normal((N, C)) * 3).astype(dtype)


def sizes(x: Array) -> dict[str, int]:
    N = x.shape[0] if x.ndim else 1
    out = {"N, the batch size": N, "N·C, the number of entries": x.size}
    if x.ndim == 2:
        out["C, the number of columns"] = x.shape[1]
    return out


def cases() -> list[Case]:
    import torch.nn.functional as F

    rng = generator("losses")
    out: list[Case] = []
    drawn = shapes(rng, 3, 2, low=2)

    def add(name: str, label: str, args: dict[str, Any], f: Any, mistakes: dict[str, Array], hint: str | None) -> None:
        x, t = args["input"] if "input" in args else args["logits"], args["target"]
        loss, (dx,) = vjp(f, [x, t], [0], None)
        cases_sizes = sizes(x)
        out.append(Case(name, label, args, {"loss": loss}, call_returning(("loss",), args), {}, cases_sizes, hint))
        grad = call_returning(("grad_input",), args)
        wrong = mistakes if x.dtype == np.float64 else {}
        out.append(
            Case(f"{name}_backward", label, args, {"grad_input": dx}, grad, {"grad_input": wrong}, cases_sizes, hint)
        )

    mse = [*((f"random {s}", s) for s in drawn), ("a batch of 1", (1, 3)), ("float32 inputs", (4, 3))]
    for label, shape in mse:
        dtype = np.float32 if "float32" in label else np.float64
        x, t = normal(rng, *shape, dtype=dtype), normal(rng, *shape, dtype=dtype)
        n = x.size
        wrong = {
            f"divided by N = {x.shape[0]} rows where the mean runs over all N·C = {n} entries": 2 * (x - t) / len(x)
        }
        add("mse_loss", label, {"input": x, "target": t}, F.mse_loss, wrong if len(x) != n else {}, None)

    ce: list[tuple[str, Array, Array]] = [
        (
            "logits of ±1000 (only the stable form survives)",
            np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]]),
            np.array([1, 0]),
        ),
        ("a batch of 1", logits(rng, 1, 4), np.array([2])),
        ("float32 logits", logits(rng, 5, 3, np.float32), rng.integers(0, 3, 5)),
    ]
    ce += [(f"random {s}", logits(rng, *s), rng.integers(0, s[1], s[0])) for s in drawn]
    for label, x, t in ce:
        p = np.exp(x - x.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        onehot = np.eye(x.shape[1])[t]
        wrong = {
            "the one-hot target is added instead of subtracted: dL/dx = (softmax(x) − onehot(y))/N": (p + onehot)
            / len(x)
        }
        add("cross_entropy", label, {"logits": x, "target": t}, F.cross_entropy, wrong, CE_HINT)

    bce: list[tuple[str, Array, Array]] = [
        (
            "logits of ±1000 (only the stable form survives)",
            np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]),
            np.array([[0.0, 1.0], [0.0, 1.0]]),
        ),
        ("a batch of 1", logits(rng, 1, 3), rng.uniform(size=(1, 3))),
        ("float32 logits", logits(rng, 4, 2, np.float32), rng.integers(0, 2, (4, 2)).astype(np.float32)),
    ]
    bce += [(f"random {s}", logits(rng, *s), rng.uniform(size=s)) for s in drawn]
    for label, x, t in bce:
        wrong = {"y − σ(x) where the gradient is (σ(x) − y)/(N·C): the sign": (t - 1 / (1 + np.exp(-x))) / x.size}
        add(
            "binary_cross_entropy_with_logits",
            label,
            {"logits": x, "target": t},
            F.binary_cross_entropy_with_logits,
            wrong,
            BCE_HINT,
        )
    return out
