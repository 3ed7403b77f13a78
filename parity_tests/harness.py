"""The parity harness: one helper compares a scratch component with its torch twin.

``check_module`` runs the same input through both, then the same upstream
gradient back, and compares shape, dtype, forward values, the input gradient and
every parameter gradient.  ``check_rejects`` asserts that both sides refuse the
same bad input.  Every comparison is recorded, and the session ends with the
parity report: the worst error seen per component and dtype.

The metric and the tolerances are common/parity.py's: |scratch − torch| ≤ tol · max(1, |torch|)
elementwise, tol = 1e-10 in float64 and 1e-5 in float32 (NaN must meet NaN, ±inf the same inf).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
import torch

from common.parity import ParityReport, as_array
from scratch.nn import Module

BAD_INPUT_ERRORS = (ValueError, TypeError, IndexError, KeyError)
REPORT = ParityReport()

TORCH_DTYPES = {
    torch.float32: np.dtype(np.float32),
    torch.float64: np.dtype(np.float64),
    torch.int64: np.dtype(np.int64),
}


def to_numpy(value: Any) -> np.ndarray[Any, Any]:
    return as_array(value)


def assert_close(component: str, what: str, actual: Any, expected: Any, tol: float | None = None) -> float:
    """Assert scratch's ``actual`` equals torch's ``expected`` in shape, dtype and value; record the error."""
    return REPORT.check(component, what, actual, expected, tol)


def sync_weights(scratch_module: Module, torch_module: torch.nn.Module) -> None:
    """Give the torch module the scratch module's exact values."""
    state = {k: torch.from_numpy(v) for k, v in scratch_module.state_dict().items()}
    torch_module.load_state_dict(state)


def check_module(
    component: str,
    scratch_module: Module,
    torch_module: torch.nn.Module,
    x: np.ndarray[Any, Any],
    grad_output: np.ndarray[Any, Any] | None = None,
    copy_weights: bool = True,
) -> None:
    """Forward and backward through both twins; compare the output, dL/dx and every dL/dθ."""
    if copy_weights:
        sync_weights(scratch_module, torch_module)
    y = scratch_module(x.copy())
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_module(xt)
    assert_close(component, "forward", y, yt)
    if grad_output is None:
        grad_output = np.random.default_rng(0).standard_normal(y.shape).astype(y.dtype)
    dx = scratch_module.backward(grad_output.copy())
    yt.backward(torch.from_numpy(grad_output.copy()))
    assert_close(component, "input gradient", dx, xt.grad)
    torch_params = dict(torch_module.named_parameters())
    scratch_params = dict(scratch_module.named_parameters())
    assert list(scratch_params) == list(torch_params), "parameter names/order differ"
    for name, p in scratch_params.items():
        assert p.grad is not None, f"{component}: {name}.grad is None after backward"
        assert_close(component, f"{name}.grad", p.grad, torch_params[name].grad)


def check_rejects(
    scratch_call: Callable[[], Any],
    torch_call: Callable[[], Any],
    match: str | None = None,
    scratch_errors: type[BaseException] | tuple[type[BaseException], ...] = BAD_INPUT_ERRORS,
) -> BaseException:
    """Both sides raise on the same bad input; scratch raises a clear Python error (``match`` in its message)."""
    with pytest.raises((RuntimeError, *BAD_INPUT_ERRORS)):
        torch_call()
    with pytest.raises(scratch_errors, match=match) as info:
        scratch_call()
    return info.value


def check_state(component: str, scratch_state: Mapping[str, Any], torch_state: Mapping[str, Any]) -> None:
    """Compare two state dicts key by key (same keys, same order)."""
    assert list(scratch_state) == list(torch_state), f"{component}: keys {list(scratch_state)} != {list(torch_state)}"
    for key in scratch_state:
        assert_close(component, key, scratch_state[key], torch_state[key])
