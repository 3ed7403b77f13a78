"""The checkpoint file format that both implementations read and write: one ``.npz`` file.

Its entries (NumPy arrays, loaded with ``allow_pickle=False``):

* ``format``: ``"nnfundamentals-checkpoint-2"``
* ``model/<key>``: every entry of ``model.state_dict()`` (``fc1.weight``, ``0.bias``, ...)
* ``optimizer/type``: the optimizer's class name (``"SGD"``, ``"Adam"``, ``"AdamW"``)
* ``optimizer/param_groups``: the groups of ``optimizer.state_dict()`` as JSON
* ``optimizer/state/<i>/<name>``: parameter i's state (``step``, ``exp_avg``, ``momentum_buffer``, ...)
* ``sha256``: a digest of every other entry (name, dtype, shape and bytes), so that damage anywhere in
  the file, even one that the zip format does not notice (a member missing from the directory), is caught.

``check_model_state`` and ``check_optimizer_state`` are the checks both loaders run before they write anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from common import Array

FORMAT = "nnfundamentals-checkpoint-2"
Shape = tuple[int, ...]


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model or optimizer it is loaded into."""


def write_npz(
    path: str | os.PathLike[str],
    model_state: Mapping[str, Array],
    optimizer_state: tuple[str, Mapping[str, Any]] | None = None,
) -> None:
    """Write the entries listed in the module docstring; the file appears complete or not at all."""
    entries: dict[str, Any] = {"format": np.array(FORMAT)}
    entries.update({f"model/{key}": np.asarray(value) for key, value in model_state.items()})
    if optimizer_state is not None:
        name, state = optimizer_state
        groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in state["param_groups"]]
        entries["optimizer/type"] = np.array(name)
        entries["optimizer/param_groups"] = np.array(json.dumps(groups, default=lambda v: v.tolist()))
        for index, param_state in state["state"].items():
            for key, value in param_state.items():
                if value is not None:
                    entries[f"optimizer/state/{index}/{key}"] = np.asarray(value)
    entries["sha256"] = np.array(digest(entries))
    atomic_write(path, lambda file: np.savez(file, **entries))


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """``write(file)`` into a temporary file beside ``path``, then rename it: no half-written checkpoints."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"cannot write a checkpoint to {target}: it is a directory")
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as file:
        try:
            write(file)
        except BaseException:
            file.close()
            os.unlink(file.name)
            raise
    try:
        os.replace(file.name, target)
    except BaseException:
        os.unlink(file.name)
        raise


def read_npz(path: str | os.PathLike[str]) -> tuple[dict[str, Array], dict[str, Any] | None]:
    """(model state, optimizer state or None), the latter as ``{'type', 'state', 'param_groups'}``."""
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as npz:  # our handle: closed on errors too
            entries = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise
    except Exception as error:  # a damaged file can fail in many ways (zip, header, CRC, decoding)
        raise CheckpointError(f"{path} is not a readable checkpoint: {error}") from error
    if "format" not in entries or str(entries["format"]) != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} file (its 'format' entry is missing or different)")
    saved_digest = entries.pop("sha256", None)
    if saved_digest is None or str(saved_digest) != digest(entries):
        raise CheckpointError(f"{path} is not a readable checkpoint: its checksum does not match (damaged file)")
    model_state = {key[6:]: value for key, value in entries.items() if key.startswith("model/")}
    if "optimizer/type" not in entries:
        return model_state, None
    state: dict[int, dict[str, Array]] = {}
    try:
        groups = json.loads(str(entries["optimizer/param_groups"]))
        for key, value in entries.items():
            if key.startswith("optimizer/state/"):
                index, name = key.removeprefix("optimizer/state/").split("/", 1)
                state.setdefault(int(index), {})[name] = value
    except (KeyError, ValueError) as error:
        raise CheckpointError(f"{path}: the optimizer entries are damaged: {error}") from error
    groups = [{k: (tuple(v) if isinstance(v, list) and k != "params" else v) for k, v in g.items()} for g in groups]
    return model_state, {"type": str(entries["optimizer/type"]), "state": state, "param_groups": groups}


def check_model_state(path: Any, state: Mapping[str, Array], expected: Mapping[str, Shape]) -> None:
    """Raise CheckpointError unless ``state`` has exactly the expected keys and shapes."""
    missing, unexpected = [k for k in expected if k not in state], [k for k in state if k not in expected]
    if missing or unexpected:
        raise CheckpointError(f"{path} does not fit the model: missing keys {missing}, unexpected keys {unexpected}")
    for key, shape in expected.items():
        if not np.issubdtype(state[key].dtype, np.number):
            raise CheckpointError(f"{path}: {key} holds {state[key].dtype} values, not numbers")
        if tuple(state[key].shape) != tuple(shape):
            raise CheckpointError(
                f"{path}: size mismatch for {key}: the checkpoint has shape {tuple(state[key].shape)}, "
                f"the model {tuple(shape)}"
            )


def check_optimizer_state(
    path: Any, saved: dict[str, Any] | None, name: str, shapes: Sequence[Sequence[Shape]]
) -> dict[str, Any]:
    """Raise CheckpointError unless ``saved`` fits an optimizer of class ``name`` with these parameter shapes."""
    if saved is None:
        raise CheckpointError(f"{path} holds no optimizer state")
    if saved["type"] != name:
        raise CheckpointError(f"{path} holds the state of an optimizer of type {saved['type']}, not {name}")
    groups = saved["param_groups"]
    if [len(g.get("params", ())) for g in groups] != [len(s) for s in shapes]:
        raise CheckpointError(
            f"{path}: parameter groups of sizes {[len(g.get('params', ())) for g in groups]} "
            f"do not fit the optimizer's {[len(s) for s in shapes]}"
        )
    shape_of = {i: shape for g, s in zip(groups, shapes, strict=True) for i, shape in zip(g["params"], s, strict=True)}
    group_of = {i: g for g in groups for i in g["params"]}
    for index, param_state in saved["state"].items():
        if index not in shape_of:
            raise CheckpointError(f"{path}: optimizer state for parameter {index}, which no group holds")
        missing = [key for key in required_state(name, group_of[index]) if key not in param_state]
        if missing:
            raise CheckpointError(f"{path}: optimizer state {index} lacks {missing}, which {name} needs")
        for key, value in param_state.items():
            if not np.issubdtype(value.dtype, np.number):
                raise CheckpointError(f"{path}: optimizer state {index}/{key} holds {value.dtype} values, not numbers")
            if value.ndim and tuple(value.shape) != tuple(shape_of[index]):
                raise CheckpointError(
                    f"{path}: size mismatch for optimizer state {index}/{key}: the checkpoint has shape "
                    f"{tuple(value.shape)}, the parameter {tuple(shape_of[index])}"
                )
    return {"state": saved["state"], "param_groups": saved["param_groups"]}


def required_state(name: str, group: Mapping[str, Any]) -> tuple[str, ...]:
    """The state entries an optimizer's step reads for a parameter that has taken a step (torch's and scratch's)."""
    if name in ("Adam", "AdamW"):
        return ("step", "exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if group.get("amsgrad") else ()))
    if name == "SGD":
        return ("momentum_buffer",) if group.get("momentum") else ()
    return ()


def digest(value: Any) -> str:
    """SHA-256 of a nested structure of arrays and plain values (dicts in key order).

    Both formats store it beside the state: NumPy's and torch's zip readers do not notice every damage.
    """
    h = hashlib.sha256()

    def feed(v: Any) -> None:
        if isinstance(v, np.ndarray):
            h.update(f"{v.dtype.str}{v.shape}".encode())
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, Mapping):
            for key in sorted(v, key=repr):
                h.update(repr(key).encode())
                feed(v[key])
        elif isinstance(v, (list, tuple)):
            h.update(b"[")
            for item in v:
                feed(item)
            h.update(b"]")
        else:
            h.update(repr(v).encode())

    feed(value)
    return h.hexdigest()


def merge_param_groups(saved: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The saved options the current optimizer knows, over its current ones (``params`` as saved).

    The two implementations' groups differ only in options one side lacks
    (torch's ``foreach``, ``fused``, ...), which keep their current values.
    """
    return [
        {**{k: v for k, v in c.items() if k != "params"}, **{k: v for k, v in s.items() if k in c}}
        for s, c in zip(saved, current, strict=True)
    ]
