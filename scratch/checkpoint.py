"""Checkpoints: a model's and an optimizer's state in one ``.npz`` file (~ torch_impl/checkpoint.py).

The file format is common/checkpoint.py's, which torch_impl's ``save_checkpoint``/``load_checkpoint`` read
and write too (a path ending in ``.npz``), so a run trained for k steps here can be continued in torch, and back.

Loading checks everything before it writes anything: a missing or unexpected
key, a wrong shape, another optimizer type, state an optimizer needs but the file
lacks, or an unreadable or damaged file raises ``CheckpointError`` and leaves the
model and the optimizer as they were.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from common.checkpoint import CheckpointError, read_npz, write_npz
from common.checkpoint_checks import check_constructor_options, check_model_state, check_optimizer_state
from scratch.nn.module import Module, Parameter
from scratch.optim import Optimizer

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(path: str | os.PathLike[str], model: Module, optimizer: Optimizer | None = None) -> None:
    """Write the model's (and the optimizer's) state to ``path`` (an ``.npz`` file)."""
    _check_arguments("save_checkpoint", path, model, optimizer)
    optimizer_state = None if optimizer is None else (type(optimizer).__name__, optimizer.state_dict())
    write_npz(path, model.state_dict(), optimizer_state)


def load_checkpoint(path: str | os.PathLike[str], model: Module, optimizer: Optimizer | None = None) -> None:
    """Load a checkpoint (written by either implementation) into ``model`` and ``optimizer``."""
    _check_arguments("load_checkpoint", path, model, optimizer)
    model_state, optimizer_state = read_npz(path)
    check_model_state(path, model_state, {k: (v.shape, v.dtype) for k, v in model.state_dict().items()})
    if optimizer is not None:
        params = [[(p.shape, p.dtype) for p in group["params"]] for group in optimizer.param_groups]
        name = type(optimizer).__name__
        saved = check_optimizer_state(path, optimizer_state, name, params, optimizer.param_groups)
        check_constructor_options(path, type(optimizer), saved["param_groups"], lambda: [Parameter(np.zeros(1))])
    previous = model.state_dict(), None if optimizer is None else optimizer.state_dict()
    try:
        model.load_state_dict(model_state)
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
    if not isinstance(model, Module):
        hint = " (torch_impl.checkpoint loads into torch models)" if type(model).__module__.startswith("torch") else ""
        raise TypeError(f"{where}: model must be a scratch.nn.Module, got {type(model).__name__}{hint}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        hint = (
            " (torch_impl.checkpoint loads into torch optimizers)"
            if type(optimizer).__module__.startswith("torch")
            else ""
        )
        raise TypeError(
            f"{where}: optimizer must be a scratch.optim.Optimizer or None, got {type(optimizer).__name__}{hint}"
        )
