"""The checks both checkpoint loaders run before they write anything (the format is common/checkpoint.py's).

A checkpoint must fit what it is loaded into: the model's keys and shapes, the optimizer's type, groups and
options, the state each parameter's step needs; and every value must fit the dtype it is loaded into (1e300
does not fit float32: torch would load inf; 2.5 does not fit an integer count).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from common import Array
from common.checkpoint import CheckpointError

Shape = tuple[int, ...]
Spec = tuple[Shape, np.dtype[Any]]
"""What an entry is loaded into: its shape and dtype."""


def check_model_state(path: Any, state: Mapping[str, Array], expected: Mapping[str, Spec]) -> None:
    """Raise CheckpointError unless ``state`` has exactly the expected keys, shapes and values that fit."""
    missing, unexpected = [k for k in expected if k not in state], [k for k in state if k not in expected]
    if missing or unexpected:
        raise CheckpointError(f"{path} does not fit the model: missing keys {missing}, unexpected keys {unexpected}")
    for key, spec in expected.items():
        check_entry(path, key, state[key], spec, "the model")


def check_optimizer_state(
    path: Any, saved: dict[str, Any] | None, name: str, params: Sequence[Sequence[Spec]], current: Sequence[Any]
) -> dict[str, Any]:
    """The saved state of an optimizer of class ``name``, its groups merged into the ``current`` ones.

    ``params`` holds the shape and dtype of each group's parameters, ``current`` the optimizer's param_groups.
    Raises CheckpointError unless everything fits.
    """
    if saved is None:
        raise CheckpointError(f"{path} holds no optimizer state")
    if saved["type"] != name:
        raise CheckpointError(f"{path} holds the state of an optimizer of type {saved['type']}, not {name}")
    groups = saved["param_groups"]
    if [len(g["params"]) for g in groups] != [len(s) for s in params]:
        raise CheckpointError(
            f"{path}: parameter groups of sizes {[len(g['params']) for g in groups]} "
            f"do not fit the optimizer's {[len(s) for s in params]}"
        )
    groups = merge_param_groups(groups, current)
    for i, (group, now) in enumerate(zip(groups, current, strict=True)):
        for key in group.keys() - {"params"}:
            if not _same_kind(group[key], now[key]):
                raise CheckpointError(
                    f"{path}: option {key!r} of parameter group {i} is {group[key]!r}, not a value of the kind "
                    f"{name} takes ({now[key]!r})"
                )
    spec_of = {i: spec for g, s in zip(groups, params, strict=True) for i, spec in zip(g["params"], s, strict=True)}
    group_of = {i: g for g in groups for i in g["params"]}
    for index, param_state in saved["state"].items():
        if index not in spec_of:
            raise CheckpointError(f"{path}: optimizer state for parameter {index}, which no group holds")
        missing = [key for key in required_state(name, group_of[index]) if key not in param_state]
        if missing:
            raise CheckpointError(f"{path}: optimizer state {index} lacks {missing}, which {name} needs")
        for key, value in param_state.items():  # step: one number, in float32 (torch's, without capturable)
            spec = ((), np.dtype(np.float32)) if key == "step" else spec_of[index]
            what = f"optimizer state {index}/{key}"
            check_entry(path, what, value, spec, "the step" if key == "step" else "the parameter")
            if key == "step" and not (np.isfinite(value) and value >= 0):  # NaN or inf would make every update NaN
                raise CheckpointError(f"{path}: {what} holds {value.item()!r}, not a count of steps taken")
    return {"state": saved["state"], "param_groups": groups}


def check_entry(path: Any, what: str, value: Array, spec: Spec, owner: str) -> None:
    """Raise CheckpointError unless ``value`` has the shape and its values fit the dtype of ``spec``.

    A finite value beyond a float dtype's range would load as ±inf, silently; an integer entry takes whole
    numbers in its range only (a cast would wrap them, or drop a fraction).
    """
    shape, dtype = spec
    if value.dtype.kind not in "iuf":
        raise CheckpointError(f"{path}: {what} holds {value.dtype} values, not real numbers")
    if tuple(value.shape) != tuple(shape):
        raise CheckpointError(
            f"{path}: size mismatch for {what}: the checkpoint has shape {tuple(value.shape)}, {owner} {tuple(shape)}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype.kind == "f":
            bad = np.isfinite(value) & ~np.isfinite(value.astype(dtype))
            reason = f"beyond the range of {dtype} (largest {np.finfo(dtype).max:.4g}): it would load as inf"
        else:
            bad = (value != np.round(value)) | (value < np.iinfo(dtype).min) | (value > np.iinfo(dtype).max)
            reason = f"not a whole number that {dtype} holds"
    if bad.any():
        raise CheckpointError(f"{path}: {what} holds {value[bad].flat[0].item()!r}, {reason}")


def _same_kind(saved: Any, current: Any) -> bool:
    """Whether a saved option is of the current one's kind: a flag, a flag or None, a number, a tuple of them."""
    if current is None or isinstance(current, bool):
        return isinstance(saved, bool) or (saved is None and current is None)
    if isinstance(current, numbers.Real):
        return isinstance(saved, numbers.Real) and not isinstance(saved, bool) and not math.isnan(saved)
    if isinstance(current, tuple):
        return (
            isinstance(saved, tuple)
            and len(saved) == len(current)
            and all(_same_kind(s, c) for s, c in zip(saved, current, strict=True))
        )
    return True  # another kind (a tensor lr in torch): the optimizer's own checks decide


def check_constructor_options(
    path: Any, optimizer_class: type, groups: Sequence[Mapping[str, Any]], stand_in: Callable[[], list[Any]]
) -> None:
    """Build ``optimizer_class(stand_in(), **options)`` from each group's options: its checks of lr, betas, ...
    hold for a loaded state too.  Skipped for a constructor that needs an argument the groups lack."""
    accepted = list(inspect.signature(optimizer_class).parameters.values())[1:]  # all but params
    required = [
        p.name for p in accepted if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    for i, group in enumerate(groups):
        options = {p.name: group[p.name] for p in accepted if p.name in group}
        if any(name not in options for name in required):
            return
        try:
            optimizer_class(stand_in(), **options)
        except (TypeError, ValueError, RuntimeError) as error:
            raise CheckpointError(
                f"{path}: parameter group {i} holds options {optimizer_class.__name__} refuses: {error}"
            ) from error


def required_state(name: str, group: Mapping[str, Any]) -> tuple[str, ...]:
    """The state entries an optimizer's step reads for a parameter that has taken a step (torch's and scratch's)."""
    if name in ("Adam", "AdamW"):
        return ("step", "exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if group.get("amsgrad") else ()))
    if name == "SGD":
        return ("momentum_buffer",) if group.get("momentum") else ()
    return ()


def merge_param_groups(saved: Sequence[Mapping[str, Any]], current: Sequence[Any]) -> list[dict[str, Any]]:
    """The saved options the current optimizer knows, over its current ones (``params`` as saved).

    The two implementations' groups differ only in options one side lacks
    (torch's ``foreach``, ``fused``, ...), which keep their current values.
    """
    return [
        {**{k: v for k, v in c.items() if k != "params"}, **{k: v for k, v in s.items() if k in c}}
        for s, c in zip(saved, current, strict=True)
    ]
