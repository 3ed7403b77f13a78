"""The checkpoint file format that both implementations read and write: one ``.npz`` file.

Its entries (NumPy arrays, loaded with ``allow_pickle=False``):

* ``format``: ``"nnfundamentals-checkpoint-2"``
* ``model/<key>``: every entry of ``model.state_dict()`` (``fc1.weight``, ``0.bias``, ...)
* ``optimizer/type``: the optimizer's class name (``"SGD"``, ``"Adam"``, ``"AdamW"``)
* ``optimizer/param_groups``: the groups of ``optimizer.state_dict()`` as JSON
* ``optimizer/state/<i>/<name>``: parameter i's state (``step``, ``exp_avg``, ``momentum_buffer``, ...)
* ``optimizer/params_with_state``: the indices i that have a state, even one whose entries are all
  missing, so that a lost ``momentum_buffer`` is not mistaken for a parameter that never took a step
* ``sha256``: a digest of every other entry (name, dtype, shape and bytes), so that damage anywhere in
  the file, even one that the zip format does not notice (a member missing from the directory), is caught.

What a file must hold to be loaded into a model and an optimizer is checked by common/checkpoint_checks.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from common import Array

FORMAT = "nnfundamentals-checkpoint-2"


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
        entries["optimizer/params_with_state"] = np.array(sorted(state["state"]), dtype=np.int64)
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
    if written_by_torch(path):
        raise CheckpointError(
            f"{path} was written by torch.save (a .pt checkpoint): torch_impl.checkpoint.load_checkpoint reads it. "
            "To continue in scratch, save it from torch with a path ending in .npz"
        )
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
        if "optimizer/params_with_state" in entries:  # absent from files written before it was added
            state = {int(i): {} for i in entries["optimizer/params_with_state"].tolist()}
        for key, value in entries.items():
            if key.startswith("optimizer/state/"):
                index, name = key.removeprefix("optimizer/state/").split("/", 1)
                if "optimizer/params_with_state" in entries and int(index) not in state:
                    raise ValueError(f"state {index}/{name} of a parameter not listed in params_with_state")
                state.setdefault(int(index), {})[name] = value
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: the optimizer entries are damaged: {error}") from error
    groups = [
        {k: (tuple(v) if isinstance(v, list) and k != "params" else v) for k, v in g.items()}
        for g in checked_groups(path, groups)
    ]
    return model_state, {"type": str(entries["optimizer/type"]), "state": state, "param_groups": groups}


def written_by_torch(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a torch.save file: a zip archive holding ``<name>/data.pkl``, or a bare pickle."""
    with open(path, "rb") as file:
        if file.read(1) == b"\x80":  # the pickle protocol's first byte (torch's format before zip archives)
            return True
    return any(name.endswith("/data.pkl") for name in _zip_names(path))


def is_npz(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like a checkpoint in this format (a zip archive with a ``format.npy`` member)."""
    return "format.npy" in _zip_names(path)


def _zip_names(path: str | os.PathLike[str]) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def checked_groups(path: Any, groups: Any) -> list[dict[str, Any]]:
    """``groups`` if it is a list of dicts whose ``params`` are distinct parameter indices, else CheckpointError."""
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        shown = repr(groups) if len(repr(groups)) <= 60 else repr(groups)[:57] + "..."
        raise CheckpointError(
            f"{path}: the optimizer's param_groups must be a list of groups (dicts), "
            f"got {type(groups).__name__} {shown}"
        )
    for i, group in enumerate(groups):
        params = group.get("params")
        if not isinstance(params, list) or not all(type(p) is int for p in params):
            raise CheckpointError(
                f"{path}: the optimizer's param_groups[{i}]['params'] must be a list of parameter indices, "
                f"got {params!r}"
            )
        if not all(isinstance(key, str) for key in group):
            raise CheckpointError(f"{path}: the optimizer's param_groups[{i}] has keys that are not option names")
    indices = [p for g in groups for p in g["params"]]
    if len(set(indices)) != len(indices):
        raise CheckpointError(f"{path}: a parameter index appears twice in the optimizer's param_groups {indices}")
    return groups


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
