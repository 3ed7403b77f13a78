"""A module's state: the entries of ``state_dict`` and how ``load_state_dict`` checks and copies them in.

The keys are torch's: each parameter and persistent buffer under its path (``fc1.weight``, ``1.running_mean``),
a module's own parameters first, then its buffers, then each child's in the order it was assigned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from common import Array

if TYPE_CHECKING:
    from scratch.nn.module import Module


def named_state(module: Module, prefix: str = "") -> Iterator[tuple[str, Module, str]]:
    """(key, owning module, attribute name) for every entry of state_dict, in torch's order."""
    for name, param in module.__dict__["_parameters"].items():
        if param is not None:
            yield prefix + name, module, name
    for name, buffer in module.__dict__["_buffers"].items():
        if buffer is not None and name not in module.__dict__["_non_persistent_buffers"]:
            yield prefix + name, module, name
    for name, child in module.named_children():
        yield from named_state(child, f"{prefix}{name}.")


def value(module: Module, name: str) -> Array:
    """The array behind a state_dict entry: a parameter's data or a buffer."""
    param = module.__dict__["_parameters"].get(name)
    return param.data if param is not None else module.__dict__["_buffers"][name]


def load_state_dict(root: Module, state_dict: Mapping[str, ArrayLike], strict: bool = True) -> None:
    """Copy values into the parameters and buffers of ``root``, cast to each one's dtype.

    Everything is checked before anything is written, so a bad state leaves the module as it was: missing or
    unexpected keys (when ``strict``) raise ``KeyError``, shape mismatches ``ValueError`` naming every one (as
    torch lists them), values that are not real numbers ``TypeError``.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
    own = {key: (module, name) for key, module, name in named_state(root)}
    missing = [k for k, (module, name) in own.items() if k not in state_dict and name not in module._optional_state]
    unexpected = [k for k in state_dict if k not in own]
    if strict and (missing or unexpected):
        raise KeyError(
            f"Error(s) in loading state_dict for {type(root).__name__}: "
            f"missing keys {missing}, unexpected keys {unexpected}"
        )
    mismatched = [
        f"size mismatch for {key}: copying a param with shape {np.shape(state_dict[key])}, "
        f"the shape in the current model is {value(module, name).shape}"
        for key, (module, name) in own.items()
        if key in state_dict and np.shape(state_dict[key]) != value(module, name).shape
    ]
    if mismatched:
        raise ValueError(f"Error(s) in loading state_dict for {type(root).__name__}:\n\t" + "\n\t".join(mismatched))
    new_values = {
        key: _cast(key, state_dict[key], value(module, name).dtype)
        for key, (module, name) in own.items()
        if key in state_dict
    }
    for key, new in new_values.items():
        module, name = own[key]
        if name in module.__dict__["_parameters"]:
            module.__dict__["_parameters"][name].data = new
        else:
            value(module, name)[...] = new  # in place, as torch's copy_ into a buffer


def _cast(key: str, loaded: ArrayLike, dtype: np.dtype[Any]) -> Array:
    """A loaded value as a new array of ``dtype``; only real numbers (or booleans) are state."""
    a = np.asarray(loaded)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"state_dict[{key!r}] holds {a.dtype} values, expected real numbers")
    with np.errstate(over="ignore", invalid="ignore"):  # 1e300 into float32 becomes inf, as torch's copy_
        return a.astype(dtype, copy=True)
