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

``check_model_state`` and ``check_optimizer_state`` are the checks both loaders run before they write anything:
the keys, shapes and option types, and that every value fits the dtype it is loaded into (1e300 does not fit
float32: torch would load inf).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import numbers
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from common import Array

FORMAT = "nnfundamentals-checkpoint-2"
Shape = tuple[int, ...]
Spec = tuple[Shape, np.dtype[Any]]
"""What an entry is loaded into: its shape and dtype."""


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


def merge_param_groups(saved: Sequence[Mapping[str, Any]], current: Sequence[Any]) -> list[dict[str, Any]]:
    """The saved options the current optimizer knows, over its current ones (``params`` as saved).

    The two implementations' groups differ only in options one side lacks
    (torch's ``foreach``, ``fused``, ...), which keep their current values.
    """
    return [
        {**{k: v for k, v in c.items() if k != "params"}, **{k: v for k, v in s.items() if k in c}}
        for s, c in zip(saved, current, strict=True)
    ]
