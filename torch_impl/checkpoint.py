"""Checkpoints of a torch model and optimizer (~ scratch/checkpoint.py).

``save_checkpoint`` uses ``torch.save``'s format for a ``.pt`` path and the shared ``.npz``
format of common/checkpoint.py for a ``.npz`` path; ``load_checkpoint`` reads either, whatever
the file's name.  The ``.npz`` format is how a run crosses between the implementations:

* scratch → torch: ``scratch.checkpoint.save_checkpoint("run.npz", ...)``, then
  ``torch_impl.checkpoint.load_checkpoint("run.npz", model, optimizer)``;
* torch → scratch: ``torch_impl.checkpoint.save_checkpoint("run.npz", model, optimizer)``,
  then ``scratch.checkpoint.load_checkpoint("run.npz", ...)``.

Both formats are checked the same way before anything is written (common/checkpoint.py's
checks, on the shapes): a bad file raises ``CheckpointError`` and leaves the
model and the optimizer as they were.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from common.checkpoint import (
    FORMAT,
    CheckpointError,
    atomic_write,
    checked_groups,
    digest,
    is_npz,
    read_npz,
    write_npz,
    written_by_torch,
)
from common.checkpoint_checks import check_constructor_options, check_model_state, check_optimizer_state

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(
    path: str | os.PathLike[str], model: nn.Module, optimizer: torch.optim.Optimizer | None = None
) -> None:
    """Write the model's (and the optimizer's) state: torch.save for ``.pt``, the shared format for ``.npz``."""
    _check_arguments("save_checkpoint", path, model, optimizer)
    optimizer_state = None if optimizer is None else (type(optimizer).__name__, optimizer.state_dict())
    if Path(path).suffix == ".npz":
        write_npz(path, _to_numpy(model.state_dict()), None if optimizer_state is None else _to_numpy(optimizer_state))
    else:
        content = {"format": FORMAT, "model": model.state_dict(), "optimizer": optimizer_state}
        content["sha256"] = digest(_to_numpy(content))
        atomic_write(path, lambda file: torch.save(content, file))


def load_checkpoint(
    path: str | os.PathLike[str], model: nn.Module, optimizer: torch.optim.Optimizer | None = None
) -> None:
    """Load a checkpoint (``.pt`` from torch, ``.npz`` from either implementation) into ``model`` and ``optimizer``."""
    _check_arguments("load_checkpoint", path, model, optimizer)
    shared = not written_by_torch(path) and (Path(path).suffix == ".npz" or is_npz(path))
    model_state, optimizer_state = read_npz(path) if shared else _read_pt(path)
    check_model_state(path, model_state, {k: _spec(v) for k, v in model.state_dict().items()})
    if optimizer is not None:
        params = [[_spec(p) for p in group["params"]] for group in optimizer.param_groups]
        name = type(optimizer).__name__
        saved = check_optimizer_state(path, optimizer_state, name, params, optimizer.param_groups)
        stand_in = [torch.zeros(1, requires_grad=True)]
        check_constructor_options(path, type(optimizer), saved["param_groups"], lambda: stand_in)
        saved["state"] = {i: {k: torch.from_numpy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    previous = _clone(model.state_dict()), None if optimizer is None else _clone(optimizer.state_dict())
    try:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in model_state.items()})
        if optimizer is not None:
            optimizer.load_state_dict(saved)
    except BaseException:  # nothing changes on a failed call: put back what was written
        model.load_state_dict(previous[0])
        if optimizer is not None and previous[1] is not None:
            optimizer.load_state_dict(previous[1])
        raise


def _check_arguments(where: str, path: Any, model: Any, optimizer: Any) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{where}: path must be a str or a pathlib.Path, got {type(path).__name__}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: model must be a torch.nn.Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"{where}: optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")


def _spec(tensor: torch.Tensor) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and NumPy dtype of a tensor (what a checkpoint's entry must fit)."""
    return tuple(tensor.shape), torch.empty((), dtype=tensor.dtype).numpy().dtype


def _clone(value: Any) -> Any:
    """A copy of a nested state in which every tensor is cloned (torch's state dicts hold the live tensors)."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value)
    return value


def _read_pt(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A ``.pt`` checkpoint as read_npz returns an ``.npz`` one: NumPy arrays and plain groups."""
    try:
        with open(path, "rb") as file:
            content = torch.load(file, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as error:  # unpickling damaged bytes can fail in many ways
        raise CheckpointError(f"{path} is not a readable checkpoint: {error}") from error
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} file (its 'format' entry is missing or different)")
    saved_digest = content.pop("sha256", None)
    if saved_digest != digest(_to_numpy(content)):
        raise CheckpointError(f"{path} is not a readable checkpoint: its checksum does not match (damaged file)")
    try:  # the structure torch_impl writes: {key: tensor}, and (name, {'state': {i: {key: tensor}}, 'param_groups'})
        model_state = {k: np.asarray(v) for k, v in _to_numpy(dict(content["model"])).items()}
        if content.get("optimizer") is None:
            return model_state, None
        name, state = _to_numpy(content["optimizer"])
        param_state = {i: {k: np.asarray(v) for k, v in s.items() if v is not None} for i, s in state["state"].items()}
        groups = state["param_groups"]
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: its entries are not a checkpoint's: {error}") from error
    return model_state, {"type": str(name), "state": param_state, "param_groups": checked_groups(path, groups)}


def _to_numpy(value: Any) -> Any:
    """The same nested structure with every tensor replaced by a NumPy array (a copy)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value if not isinstance(value, np.ndarray) else value.copy()
