"""Checkpoints that are well-formed files but wrong inside, by class of fault: each is refused by both loaders
with a ``CheckpointError`` (a ValueError) or a TypeError naming what is wrong, and nothing changes.

* **Relabelled entries**: a ``.npy`` header that reads the same bytes as another dtype, shape or order.
* **Lost state**: an SGD state whose ``momentum_buffer`` is gone (the parameter still listed as stepped).
* **Malformed groups and options**: ``param_groups`` that are valid JSON but not groups; options of the wrong kind.
* **Values that do not fit**: finite in float64, inf in the model's float32; a fraction in an integer buffer.
* **Wrong arguments and files**: no model, a torch optimizer for scratch, one implementation's ``.pt`` for the other.
* **A failed optimizer load** puts the model back.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import scratch
import torch_impl.models
from common.checkpoint import CheckpointError, digest, write_npz
from parity_tests.harness import check_state, to_numpy
from parity_tests.test_checkpoint import assert_rejected, good_files, snapshot, trained_pair
from scratch.checkpoint import load_checkpoint, save_checkpoint
from scratch.models import SimpleMLP
from torch_impl import checkpoint as torch_checkpoint

__all__ = ["good_files"]  # the fixture, shared with test_checkpoint.py


def rewrite_member(source: Path, target: Path, member: str, old: bytes, new: bytes) -> None:
    """Copy the archive with one member's bytes edited and its CRC recomputed: a damage the zip format cannot see."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == member:
                assert old in data, data[:128]
                data = data.replace(old, new, 1)
            out.writestr(info, data)


def with_entries(source: Path, target: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Copy an ``.npz`` checkpoint with its entries changed and a digest that matches them (a well-formed file)."""
    with np.load(source) as npz:
        entries = {key: npz[key] for key in npz.files if key != "sha256"}
    change(entries)
    entries["sha256"] = np.array(digest(entries))
    np.savez(target, **entries)
    return target


# ---- relabelled entries: the digest covers each entry's dtype, shape and order ---------------------
@pytest.mark.parametrize("member", ["model/fc1.weight.npy", "optimizer/state/0/exp_avg.npy"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"'descr': '<f4'", b"'descr': '<i4'"),  # the same bytes read as integers: values that load silently
        (b"'descr': '<f4'", b"'descr': '>f4'"),
        (b"'shape': (8, 4)", b"'shape': (4, 8)"),
        (b"'fortran_order': False", b"'fortran_order': True "),
    ],
)
def test_a_relabelled_header_is_caught(
    member: str, old: bytes, new: bytes, good_files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "relabelled.npz"
    rewrite_member(good_files["npz"], path, member, old, new)
    with np.load(path) as npz:  # the file reads without complaint: only the digest can tell
        npz[member.removesuffix(".npy")]
    assert_rejected(path, "checksum does not match")


# ---- lost state ------------------------------------------------------------------------------------
def sgd_pair() -> tuple[Any, Any, Any, Any]:
    """A scratch and a torch SimpleMLP(4, 8, 3) with SGD(momentum=0.9), one step taken."""
    scratch.manual_seed(0)
    model = SimpleMLP(4, 8, 3)
    optimizer = scratch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch_model = torch_impl.models.SimpleMLP(4, 8, 3)
    torch_optimizer = torch.optim.SGD(torch_model.parameters(), lr=0.1, momentum=0.9)
    for p, tp in zip(model.parameters(), torch_model.parameters(), strict=True):
        p.grad, tp.grad = np.ones(p.shape, np.float32), torch.ones(tp.shape)
    optimizer.step()
    torch_optimizer.step()
    return model, optimizer, torch_model, torch_optimizer


@pytest.mark.parametrize("loss", ["popped", "None"])
def test_an_sgd_state_without_its_momentum_buffer_is_refused(loss: str, tmp_path: Path) -> None:
    """With momentum, a stepped parameter's state is its buffer: without it the next step would silently restart
    the momentum.  The file lists the stepped parameters, so a state that lost all its entries is still seen."""
    model, optimizer, torch_model, torch_optimizer = sgd_pair()
    state = optimizer.state_dict()
    if loss == "popped":
        del state["state"][0]["momentum_buffer"]
    else:
        state["state"][0]["momentum_buffer"] = None
    write_npz(tmp_path / "lost.npz", model.state_dict(), ("SGD", state))
    _, _, damaged, damaged_optimizer = sgd_pair()
    torch_state = damaged_optimizer.state[next(damaged.parameters())]
    if loss == "popped":
        del torch_state["momentum_buffer"]
    else:
        torch_state["momentum_buffer"] = None
    torch_checkpoint.save_checkpoint(tmp_path / "lost.pt", damaged, damaged_optimizer)
    for m, o, load, path in [
        (model, optimizer, load_checkpoint, tmp_path / "lost.npz"),
        (torch_model, torch_optimizer, torch_checkpoint.load_checkpoint, tmp_path / "lost.npz"),
        (torch_model, torch_optimizer, torch_checkpoint.load_checkpoint, tmp_path / "lost.pt"),
    ]:
        before = snapshot(m, o)
        with pytest.raises(CheckpointError, match=r"optimizer state 0 lacks \['momentum_buffer'\]"):
            load(path, m, o)
        for a, b in zip(before, snapshot(m, o), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_parameter_that_never_took_a_step_has_no_state_and_loads(tmp_path: Path) -> None:
    """The other side of the rule above: a parameter without a gradient at every step has no state, in torch too."""
    model, optimizer, _, _ = sgd_pair()
    state = optimizer.state_dict()
    del state["state"][0]
    write_npz(tmp_path / "partial.npz", model.state_dict(), ("SGD", state))
    fresh = scratch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    load_checkpoint(tmp_path / "partial.npz", model, fresh)
    assert sorted(fresh.state_dict()["state"]) == [1, 2, 3]


# ---- malformed groups and options ------------------------------------------------------------------
@pytest.mark.parametrize(
    "groups",
    [
        {"lr": 0.1},
        [1, 2],
        3,
        None,
        [{"lr": 0.01}],
        [{"params": "0123"}],
        [{"params": [0.0, 1, 2, 3]}],
        [{"params": [True, 1, 2, 3]}],
        [{"params": [0, 0, 1, 2]}],
    ],
)
def test_param_groups_that_are_not_groups_are_refused(groups: Any, good_files: dict[str, Path], tmp_path: Path) -> None:
    path = with_entries(
        good_files["npz"],
        tmp_path / "groups.npz",
        lambda e: e.update({"optimizer/param_groups": np.array(json.dumps(groups))}),
    )
    assert_rejected(path, "param_groups")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("lr", "fast"),
        ("lr", None),
        ("lr", -1.0),
        ("betas", 0.9),
        ("betas", [0.9]),
        ("betas", [0.9, 2.0]),
        ("amsgrad", 1),
        ("maximize", "no"),
        ("foreach", 0),
        ("eps", float("nan")),
    ],
)
def test_options_the_optimizer_would_refuse_are_refused(
    option: str, value: Any, good_files: dict[str, Path], tmp_path: Path
) -> None:
    """The options of the wrong kind, and the values its constructor refuses: step would fail, or diverge, later."""

    def change(entries: dict[str, Any]) -> None:
        groups = json.loads(str(entries["optimizer/param_groups"]))
        groups[0][option] = value
        entries["optimizer/param_groups"] = np.array(json.dumps(groups))

    assert_rejected(with_entries(good_files["npz"], tmp_path / "options.npz", change), "parameter group 0")


# ---- values that do not fit the model's dtypes -----------------------------------------------------
def test_a_value_beyond_float32_is_refused_naming_its_key(tmp_path: Path) -> None:
    """1e300 is finite in float64 and inf in float32: torch's copy would load inf, silently."""
    model, optimizer, _, _ = trained_pair()
    state = model.state_dict()
    state["fc2.bias"] = state["fc2.bias"].astype(np.float64)
    state["fc2.bias"][1] = -1e300
    write_npz(tmp_path / "huge.npz", state, ("Adam", optimizer.state_dict()))
    assert_rejected(tmp_path / "huge.npz", r"fc2\.bias holds -1e\+300, beyond the range of float32")
    optimizer_state = optimizer.state_dict()
    optimizer_state["state"][3]["exp_avg_sq"] = np.full(3, 1e39)
    write_npz(tmp_path / "huge_state.npz", model.state_dict(), ("Adam", optimizer_state))
    assert_rejected(tmp_path / "huge_state.npz", "optimizer state 3/exp_avg_sq holds 1e\\+39")
    optimizer_state = optimizer.state_dict()
    optimizer_state["state"][0]["step"] = np.array(1e300)
    write_npz(tmp_path / "huge_step.npz", model.state_dict(), ("Adam", optimizer_state))
    assert_rejected(tmp_path / "huge_step.npz", "optimizer state 0/step holds 1e\\+300")
    for step in (np.nan, np.inf, -1.0):  # a step count that would make every update NaN (or is none)
        optimizer_state["state"][0]["step"] = np.array(step, np.float32)
        write_npz(tmp_path / "bad_step.npz", model.state_dict(), ("Adam", optimizer_state))
        assert_rejected(tmp_path / "bad_step.npz", "optimizer state 0/step holds .*, not a count of steps")


def test_infinities_and_nan_saved_as_such_still_load(tmp_path: Path) -> None:
    """Only a value the cast would change is refused: inf and NaN in the file are what the run had."""
    model, optimizer, _, _ = trained_pair()
    state = model.state_dict()
    state["fc1.bias"][:3] = [np.inf, -np.inf, np.nan]
    write_npz(tmp_path / "special.npz", state, ("Adam", optimizer.state_dict()))
    load_checkpoint(tmp_path / "special.npz", model, optimizer)
    np.testing.assert_array_equal(model.fc1.bias.data[:3], [np.inf, -np.inf, np.nan])


@pytest.mark.parametrize(
    ("value", "match"),
    [(2.5, "2.5, not a whole number"), (1e30, "not a whole number"), (np.nan, "nan"), (1 + 2j, "complex128")],
)
def test_an_integer_buffer_takes_whole_numbers_only(value: Any, match: str, tmp_path: Path) -> None:
    scratch.manual_seed(0)
    model = scratch.models.MLP([3, 4, 2], batch_norm=True)
    torch_model = torch_impl.models.MLP([3, 4, 2], batch_norm=True)
    state = model.state_dict()
    state["1.num_batches_tracked"] = np.array(value)
    write_npz(tmp_path / "count.npz", state)
    for m, load in [(model, load_checkpoint), (torch_model, torch_checkpoint.load_checkpoint)]:
        before = {k: to_numpy(v).copy() for k, v in m.state_dict().items()}
        with pytest.raises(CheckpointError, match=match):
            load(tmp_path / "count.npz", m)
        check_state("checkpoint", m.state_dict(), before)


# ---- wrong arguments and the other implementation's files ------------------------------------------
def test_a_missing_model_or_a_foreign_optimizer_is_a_type_error(good_files: dict[str, Path]) -> None:
    model, optimizer, torch_model, torch_optimizer = trained_pair()
    for call, match in [
        (lambda: load_checkpoint(good_files["npz"], None), "model must be a scratch.nn.Module, got NoneType"),
        (lambda: load_checkpoint(good_files["npz"], torch_model), "model must be a scratch.nn.Module.*torch_impl"),
        (lambda: load_checkpoint(good_files["npz"], model, torch_optimizer), "optimizer must be a scratch.optim"),
        (lambda: save_checkpoint(good_files["npz"], None), "model must be"),
        (lambda: save_checkpoint(good_files["npz"], model, "Adam"), "optimizer must be"),
        (lambda: torch_checkpoint.load_checkpoint(good_files["pt"], None), "model must be a torch.nn.Module"),
        (lambda: torch_checkpoint.load_checkpoint(good_files["pt"], model), "model must be a torch.nn.Module"),
        (lambda: torch_checkpoint.load_checkpoint(good_files["pt"], torch_model, optimizer), "optimizer must be"),
        (lambda: torch_checkpoint.save_checkpoint(good_files["pt"], None), "model must be"),
        (lambda: load_checkpoint(3, model), "path must be a str or a pathlib.Path, got int"),  # open(3) reads fd 3
        (lambda: save_checkpoint(None, model), "path must be"),
        (lambda: torch_checkpoint.load_checkpoint(b"run.pt", torch_model), "path must be"),
    ]:
        before = good_files["npz"].read_bytes(), good_files["pt"].read_bytes()
        with pytest.raises(TypeError, match=match):
            call()
        assert (good_files["npz"].read_bytes(), good_files["pt"].read_bytes()) == before


def test_a_torch_file_given_to_scratch_names_the_loader_that_reads_it(
    good_files: dict[str, Path], tmp_path: Path
) -> None:
    renamed = tmp_path / "from_torch.npz"
    shutil.copy(good_files["pt"], renamed)
    for path in (good_files["pt"], renamed):
        model, optimizer, _, _ = trained_pair()
        with pytest.raises(CheckpointError, match=r"torch\.save .*torch_impl\.checkpoint\.load_checkpoint reads it"):
            load_checkpoint(path, model, optimizer)


def test_torch_reads_either_format_whatever_the_name(good_files: dict[str, Path], tmp_path: Path) -> None:
    def loaded(path: Path) -> list[np.ndarray[Any, Any]]:
        torch.manual_seed(5)
        fresh = torch_impl.models.SimpleMLP(4, 8, 3)
        fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=0.5)
        torch_checkpoint.load_checkpoint(path, fresh, fresh_optimizer)
        return snapshot(fresh, fresh_optimizer)

    for source, name in [(good_files["npz"], "shared.pt"), (good_files["pt"], "torch.npz"), (good_files["npz"], "x")]:
        shutil.copy(source, tmp_path / name)
        for a, b in zip(loaded(source), loaded(tmp_path / name), strict=True):
            np.testing.assert_array_equal(a, b)


# ---- a failed optimizer load puts the model back ---------------------------------------------------
@pytest.mark.parametrize("side", ["scratch", "torch"])
def test_a_failed_optimizer_load_leaves_model_optimizer_and_file_unchanged(
    side: str, good_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model is written first; whatever makes the optimizer's part fail afterwards, the model is put back."""
    scratch.manual_seed(7)  # another model: loading the file would change every value
    model = SimpleMLP(4, 8, 3)
    optimizer = scratch.optim.Adam(model.parameters(), lr=0.5)
    torch.manual_seed(7)
    torch_model = torch_impl.models.SimpleMLP(4, 8, 3)
    torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=0.5)
    m, o, load = (
        (model, optimizer, load_checkpoint)
        if side == "scratch"
        else (torch_model, torch_optimizer, torch_checkpoint.load_checkpoint)
    )
    real_load, calls = o.load_state_dict, []

    def failing(state: Any) -> None:
        real_load(state)
        calls.append(state)
        if len(calls) == 1:  # the optimizer's own load succeeds, then something fails after it
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(o, "load_state_dict", failing)
    before, raw = snapshot(m, o), good_files["npz"].read_bytes()
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(good_files["npz"], m, o)
    monkeypatch.undo()
    for a, b in zip(before, snapshot(m, o), strict=True):
        np.testing.assert_array_equal(a, b)
    assert good_files["npz"].read_bytes() == raw


@pytest.mark.parametrize(
    "content",
    [
        {"model": 3, "optimizer": None},
        {"model": {"fc1.weight": "weights"}, "optimizer": None},
        {"optimizer": None},
        {"model": None, "optimizer": ("Adam", {"state": {0: 5}, "param_groups": [{"params": [0]}]})},
        {"model": {}, "optimizer": ("Adam", {"state": {}, "param_groups": {"params": [0]}})},
        {"model": {}, "optimizer": ("Adam", [1, 2])},
        {"model": {}, "optimizer": "Adam"},
    ],
    ids=range(7),
)
def test_a_torch_file_of_the_wrong_structure_is_refused(content: dict[str, Any], tmp_path: Path) -> None:
    """A .pt file with the right format entry and a matching digest, but not the structure torch_impl writes."""
    _, _, torch_model, torch_optimizer = trained_pair()
    content = {"format": "nnfundamentals-checkpoint-2", **content}
    content["sha256"] = digest(content)
    torch.save(content, tmp_path / "odd.pt")
    before = snapshot(torch_model, torch_optimizer)
    with pytest.raises(CheckpointError):
        torch_checkpoint.load_checkpoint(tmp_path / "odd.pt", torch_model, torch_optimizer)
    for a, b in zip(before, snapshot(torch_model, torch_optimizer), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_file_written_before_the_state_list_and_a_users_optimizer_still_load(
    good_files: dict[str, Path], tmp_path: Path
) -> None:
    """The list of stepped parameters is read where present (older files lack it); the constructor's checks are
    skipped for an optimizer whose constructor needs an argument the saved groups do not hold."""
    older = with_entries(good_files["npz"], tmp_path / "older.npz", lambda e: e.pop("optimizer/params_with_state"))
    expected_model, expected_optimizer, _, _ = trained_pair()
    for path in (good_files["npz"], older):
        scratch.manual_seed(3)
        model = SimpleMLP(4, 8, 3)
        optimizer = scratch.optim.Adam(model.parameters(), lr=0.5)
        load_checkpoint(path, model, optimizer)
        for a, b in zip(snapshot(expected_model, expected_optimizer), snapshot(model, optimizer), strict=True):
            np.testing.assert_array_equal(a, b)

    class Scaled(scratch.optim.SGD):
        def __init__(self, params: Any, scale: float, lr: float = 0.1) -> None:
            super().__init__(params, lr=lr * scale, momentum=0.9)

    model, _, _, _ = sgd_pair()
    optimizer = Scaled(model.parameters(), scale=2.0)
    save_checkpoint(tmp_path / "scaled.npz", model, optimizer)
    load_checkpoint(tmp_path / "scaled.npz", model, Scaled(model.parameters(), scale=3.0))
