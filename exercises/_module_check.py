"""check_module: one's own scratch-style module against its torch twin, with the grader's comparisons and report.

The module is called as ``module(x)`` (or ``module.forward(x)``), its ``backward(grad_output)`` returns dL/dx, and
its parameters (``named_parameters()``, as scratch's Module has) hold ``.data`` and ``.grad``.  The torch twin gets
the module's parameter values (by name, else in order), and both run on the same inputs: seeded random values and
edge values (0, ±1, ±30, ±1000), in float64 and in float32.  Terms: the output, the input gradient, and each
parameter's gradient.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from common import Array
from exercises._case import Case, Outputs, as_numpy
from exercises._grader import Report, grade_function
from exercises._report import render

EDGES = np.array([0.0, 1.0, -1.0, 30.0, -30.0, 1000.0, -1000.0, 1e-8])


def named_parameters(module: Any) -> list[tuple[str, Any]]:
    return list(module.named_parameters()) if hasattr(module, "named_parameters") else []


def twin_for(torch_module: Any, params: list[tuple[str, Any]], dtype: Any) -> tuple[Any, dict[str, Any]]:
    """A copy of the torch module in ``dtype`` holding the learner's parameter values, and which of its
    parameters holds which of the learner's (by name, else in order)."""
    import torch

    twin = copy.deepcopy(torch_module).to(torch.float64 if dtype == np.float64 else torch.float32)
    theirs = dict(twin.named_parameters())
    if set(theirs) != {name for name, _ in params}:
        theirs = dict(zip((name for name, _ in params), twin.parameters(), strict=False))
    with torch.no_grad():
        for name, p in params:
            if name not in theirs or tuple(theirs[name].shape) != p.data.shape:
                raise ValueError(f"check_module: the torch module has no parameter matching {name} {p.data.shape}")
            theirs[name].copy_(torch.tensor(p.data))
    return twin, theirs


def check_module(
    module: Any,
    torch_module: Any,
    input_shape: tuple[int, ...],
    *,
    seed: int = 0,
    verbose: bool = True,
) -> Report:
    """Compare ``module`` with ``torch_module`` (output, input gradient, parameter gradients; float64 and float32,
    random and edge inputs); print the report unless ``verbose=False``, and return it (``report.passed``)."""
    import torch

    check_arguments(module, torch_module, input_shape)
    rng = np.random.default_rng(seed)
    master = {name: np.array(p.data, dtype=np.float64) for name, p in named_parameters(module)}
    base = rng.standard_normal(input_shape)
    edges = np.resize(EDGES, base.size).reshape(input_shape)
    cases = []
    for dtype in (np.float64, np.float32):
        for label, x64 in (("random values", base), ("edge values (0, ±1, ±30, ±1000, 1e-8)", edges)):
            prepare(module, master, dtype)
            x = x64.astype(dtype)
            twin, theirs = twin_for(torch_module, named_parameters(module), dtype)
            xt = torch.tensor(x, requires_grad=True)
            yt = twin(xt)
            g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
            yt.backward(torch.tensor(g))
            expected: Outputs = {"output": as_numpy(yt), "grad_input": as_numpy(xt.grad)}
            for name in master:
                expected[f"{name}.grad"] = as_numpy(theirs[name].grad)
            sizes = {"N, the batch size": input_shape[0]} if input_shape else {}
            run = runner(module, master, dtype, x, g)
            args = {"x": x, "grad_output": g}
            cases.append(
                Case(type(module).__name__, f"{label}, {np.dtype(dtype).name}", args, expected, run, sizes=sizes)
            )
    report = Report(type(module).__name__, f"against {type(torch_module).__name__}")
    backward = getattr(module, "backward", None)
    report.terms = grade_function(type(module).__name__, module if callable(backward) else None, cases, "the module")
    prepare(module, master, np.float64)
    if verbose:
        print(render(report))
    return report


def prepare(module: Any, master: dict[str, Array], dtype: Any) -> None:
    """The module in ``dtype`` with its original parameter values and no gradients."""
    if hasattr(module, "to") and master:
        module.to(dtype)
    for name, p in named_parameters(module):
        p.grad = None
        p.data = master[name].astype(dtype)


def runner(module: Any, master: dict[str, Array], dtype: Any, x: Array, g: Array) -> Callable[[Any], Outputs]:
    def run(_: Any) -> Outputs:
        prepare(module, master, dtype)
        y = module(x.copy()) if callable(module) else module.forward(x.copy())
        dx = module.backward(g.copy())
        out: Outputs = {"output": y, "grad_input": dx}
        for name, p in named_parameters(module):
            out[f"{name}.grad"] = p.grad
        return out

    return run


def check_arguments(module: Any, torch_module: Any, input_shape: Any) -> None:
    import torch

    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"check_module: torch_module must be a torch.nn.Module, got {type(torch_module).__name__}")
    if not (callable(module) or hasattr(module, "forward")):
        raise TypeError(f"check_module: module must be callable or have a forward, got {type(module).__name__}")
    shape_ok = isinstance(input_shape, tuple) and all(isinstance(n, int) and n > 0 for n in input_shape)
    if not shape_ok or not input_shape:
        raise ValueError(f"check_module: input_shape must be a tuple of positive ints, got {input_shape!r}")
