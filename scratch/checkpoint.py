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

from common.checkpoint import (
    CheckpointError,
    check_model_state,
    check_optimizer_state,
    merge_param_groups,
    read_npz,
    write_npz,
)
from scratch.nn.module import Module
from scratch.optim import Optimizer

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(path: str | os.PathLike[str], model: Module, optimizer: Optimizer | None = None) -> None:
    """Write the model's (and the optimizer's) state to ``path`` (an ``.npz`` file)."""
    optimizer_state = None if optimizer is None else (type(optimizer).__name__, optimizer.state_dict())
    write_npz(path, model.state_dict(), optimizer_state)


def load_checkpoint(path: str | os.PathLike[str], model: Module, optimizer: Optimizer | None = None) -> None:
    """Load a checkpoint (written by either implementation) into ``model`` and ``optimizer``."""
    model_state, optimizer_state = read_npz(path)
    check_model_state(path, model_state, {k: v.shape for k, v in model.state_dict().items()})
    if optimizer is not None:
        shapes = [[p.shape for p in group["params"]] for group in optimizer.param_groups]
        saved = check_optimizer_state(path, optimizer_state, type(optimizer).__name__, shapes)
        saved["param_groups"] = merge_param_groups(saved["param_groups"], optimizer.param_groups)
    previous = model.state_dict()
    model.load_state_dict(model_state)
    if optimizer is not None:
        try:
            optimizer.load_state_dict(saved)
        except Exception:
            model.load_state_dict(previous)
            raise
