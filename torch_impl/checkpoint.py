"""Checkpoints of a torch model and optimizer (~ scratch/checkpoint.py).

``save_checkpoint``/``load_checkpoint`` use ``torch.save``'s format for a ``.pt``
path and the shared ``.npz`` format of common/checkpoint.py for a ``.npz`` path,
which is how a run crosses between the implementations:

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
    check_model_state,
    check_optimizer_state,
    digest,
    merge_param_groups,
    read_npz,
    write_npz,
)

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(
    path: str | os.PathLike[str], model: nn.Module, optimizer: torch.optim.Optimizer | None = None
) -> None:
    """Write the model's (and the optimizer's) state: torch.save for ``.pt``, the shared format for ``.npz``."""
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
    model_state, optimizer_state = read_npz(path) if Path(path).suffix == ".npz" else _read_pt(path)
    check_model_state(path, model_state, {k: tuple(v.shape) for k, v in model.state_dict().items()})
    if optimizer is not None:
        shapes = [[tuple(p.shape) for p in group["params"]] for group in optimizer.param_groups]
        saved = check_optimizer_state(path, optimizer_state, type(optimizer).__name__, shapes)
        saved["param_groups"] = merge_param_groups(saved["param_groups"], optimizer.param_groups)
        saved["state"] = {i: {k: torch.from_numpy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    previous = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict({k: torch.from_numpy(v) for k, v in model_state.items()})
    if optimizer is not None:
        try:
            optimizer.load_state_dict(saved)
        except Exception:
            model.load_state_dict(previous)
            raise


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
    model_state = _to_numpy(dict(content["model"]))
    if content.get("optimizer") is None:
        return model_state, None
    name, state = _to_numpy(content["optimizer"])
    param_state = {i: {k: np.asarray(v) for k, v in s.items() if v is not None} for i, s in state["state"].items()}
    return model_state, {"type": name, "state": param_state, "param_groups": state["param_groups"]}


def _to_numpy(value: Any) -> Any:
    """The same nested structure with every tensor replaced by a NumPy array (a copy)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value if not isinstance(value, np.ndarray) else value.copy()
