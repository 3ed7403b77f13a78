"""Optimizer: parameter groups, per-parameter state and their state_dict (~ torch.optim.Optimizer).

An optimizer holds ``param_groups`` (each a dict: ``'params'`` plus the options
that apply to them) and ``state`` (a dict per Parameter, filled lazily by
``step``).  Subclasses implement ``step``, with the update rule written out in
torch's order.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np

from common import checks
from scratch.autograd.tensor import Tensor
from scratch.nn.module import Parameter

ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: ``params`` is an iterable of Parameters, or of dicts with per-group options.

    Options a group does not set come from ``defaults`` (the constructor's arguments).
    A parameter whose ``grad`` is None is skipped by ``step`` entirely: no decay, no
    state, no step count.
    """

    step_called = False
    """True once ``step`` has run (a scheduler stepped before it warns, as torch's does)."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, (Tensor, np.ndarray)):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Parameters or dicts, "
                f"but got {type(params).__name__}"
            )
        self.defaults = defaults
        self.state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group; options it does not set are filled in from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        param_group["params"] = params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error",
                UserWarning,
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every gradient: to None (torch's default, and then ``step`` skips the parameter) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.fill(0)

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss first."""
        raise NotImplementedError(f"{type(self).__name__} must implement step")

    def _begin_step(self, closure: Callable[[], float] | None) -> float | None:
        """What every ``step`` does first: run the closure (if any) and note that a step was taken.

        A learning-rate scheduler reads the note to warn when it is stepped before the optimizer.
        """
        self.step_called = True
        return closure() if closure is not None else None

    # ---- state_dict ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {0: {...}, ...}, 'param_groups': [{..., 'params': [0, 1]}, ...]}``, as torch.

        Parameters are replaced by their position (counted across groups).  Unlike
        torch, whose state_dict holds the live state tensors (a later ``step``
        changes them), the arrays here are copies: the dict is a snapshot.
        """
        index: dict[int, int] = {}
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
        param_groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore options and state saved by ``state_dict`` (the parameters are matched by position).

        Everything is checked before anything changes: the groups must match this optimizer's in number and
        size and carry its options; each parameter's state needs the keys this optimizer's ``step`` reads
        (``state_keys``) and arrays of the parameter's shape.  State arrays are cast to their parameter's
        dtype, except ``step`` (as torch), and copied, never shared with ``state_dict``.
        """
        saved_groups = _saved_groups(state_dict)
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups, strict=True)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        for i, saved in enumerate(saved_groups):
            missing = [key for key in self.defaults if key not in saved]
            if missing:
                raise ValueError(
                    f"loaded state dict's param group {i} lacks the options {missing} of {type(self).__name__} "
                    "(was it saved by another optimizer?)"
                )
        by_index = {
            i: (p, s)
            for g, s in zip(self.param_groups, saved_groups, strict=True)
            for i, p in zip(s["params"], g["params"], strict=True)
        }
        state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        for i, saved in state_dict["state"].items():
            if i not in by_index:
                raise ValueError(f"loaded state dict has state for parameter {i}, which no parameter group holds")
            p, group = by_index[i]
            state[p] = self._checked_state(i, p, saved, group)
        for g, s in zip(self.param_groups, saved_groups, strict=True):
            s["params"] = g["params"]
        self.state, self.param_groups = state, saved_groups

    def state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        """The state entries ``step`` needs for a parameter of ``group`` once it has taken a step."""
        return ()

    def _checked_state(self, index: int, p: Parameter, saved: Any, group: dict[str, Any]) -> dict[str, Any]:
        """Parameter ``index``'s saved state, checked and cast (a copy); ValueError naming what is wrong."""
        if not isinstance(saved, Mapping):
            raise ValueError(f"loaded state for parameter {index} is a {type(saved).__name__}, not a dict")
        missing = [key for key in self.state_keys(group) if key not in saved]
        if saved and missing:
            raise ValueError(
                f"loaded state for parameter {index} lacks {missing}, which {type(self).__name__} needs "
                f"(with these options); it has {sorted(saved)}"
            )
        return {key: _cast_state(index, key, value, p) for key, value in saved.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


def _saved_groups(state_dict: Any) -> list[dict[str, Any]]:
    """A deep copy of the saved ``param_groups``, once the dict's structure is checked."""
    if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
        raise ValueError("an optimizer state_dict is a dict with the keys 'state' and 'param_groups'")
    if not isinstance(state_dict["state"], Mapping):
        raise ValueError("the optimizer state_dict's 'state' must be a dict {parameter index: state}")
    groups = state_dict["param_groups"]
    if not isinstance(groups, (list, tuple)) or not all(
        isinstance(g, Mapping) and isinstance(g.get("params"), (list, tuple)) for g in groups
    ):
        raise ValueError("the optimizer state_dict's 'param_groups' must be a list of dicts with 'params'")
    return copy.deepcopy([dict(g) for g in groups])


def _cast_state(index: int, key: str, value: Any, p: Parameter) -> Any:
    """``step`` stays as saved (a 0-d float32 array); arrays take p's dtype, as torch casts them; None stays."""
    if value is None:  # torch's SGD may hold momentum_buffer=None
        return None
    value = np.array(value)
    if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
        raise ValueError(f"loaded state {index}/{key} holds {value.dtype} values, not numbers")
    if key == "step":
        if value.shape != ():
            raise ValueError(f"loaded state {index}/step must be a single number, got shape {value.shape}")
        return value.astype(np.float32)
    if value.shape != p.shape:
        raise ValueError(f"loaded state {index}/{key} has shape {value.shape}, the parameter {p.shape}")
    with np.errstate(over="ignore"):
        return value.astype(p.dtype)


def check_foreach_fused(where: str, foreach: Any, fused: Any) -> None:
    """torch's rules: each is True, False or None (the default, which is False on the CPU); not both True."""
    for name, value in (("foreach", foreach), ("fused", fused)):
        if value is not None:
            checks.boolean(where, name, value)
    if foreach and fused:
        raise ValueError("`fused` and `foreach` cannot be `True` together.")
