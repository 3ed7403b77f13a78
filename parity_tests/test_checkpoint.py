"""Checkpoints: a run crosses between the implementations mid-way and ends where an uninterrupted run ends.

Bad files (missing keys, wrong shapes, another optimizer, corrupt bytes) are
rejected with ``CheckpointError`` and leave the model and the optimizer untouched.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scratch
import torch_impl.models
from common import datasets
from common.checkpoint import CheckpointError, write_npz
from parity_tests.harness import assert_close, check_state, to_numpy
from scratch.checkpoint import load_checkpoint, save_checkpoint
from scratch.data import make_loader
from scratch.models import MLP, SimpleMLP
from scratch.train import train
from torch_impl import checkpoint as torch_checkpoint
from torch_impl import data as torch_data
from torch_impl import train as torch_train

SEED, DATA_SEED, EPOCHS, SPLIT = 5, 9, 5, 2


# ---- a whole run and the same run cut in two -----------------------------------------------
def optimizers(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    if name == "sgd":
        return (
            lambda p: scratch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        )
    return (lambda p: scratch.optim.AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01))


def data() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    return datasets.blobs(n_samples=120, centers=3, seed=1, dtype=np.float64)


def scratch_run(opt: str, use_generator: bool) -> tuple[Any, Any, Any]:
    scratch.manual_seed(SEED)
    model = MLP([2, 16, 3], "tanh").double()
    optimizer = optimizers(opt)[0](model.parameters())
    generator = scratch.Generator().manual_seed(DATA_SEED) if use_generator else None
    loader = make_loader(*data(), batch_size=16, shuffle=True, generator=generator)
    return model, optimizer, loader


def torch_run(opt: str, use_generator: bool) -> tuple[Any, Any, Any]:
    torch.manual_seed(SEED)
    model = torch_impl.models.MLP([2, 16, 3], "tanh").double()
    optimizer = optimizers(opt)[1](model.parameters())
    generator = torch.Generator().manual_seed(DATA_SEED) if use_generator else None
    loader = torch_data.make_loader(*data(), batch_size=16, shuffle=True, generator=generator)
    return model, optimizer, loader


def skip_epochs(loader: Any, epochs: int) -> None:
    """Replay the loader's random draws for epochs trained elsewhere (same seed, same stream)."""
    for _ in range(epochs):
        for _ in loader:
            pass


@pytest.mark.parametrize("opt", ["sgd", "adamw"])
@pytest.mark.parametrize("use_generator", [True, False])
@pytest.mark.parametrize("direction", ["scratch->torch", "torch->scratch"])
def test_a_run_crosses_over_and_continues(opt: str, use_generator: bool, direction: str, tmp_path: Path) -> None:
    model, optimizer, loader = scratch_run(opt, use_generator)
    full = train(model, loader, scratch.nn.CrossEntropyLoss(), optimizer, EPOCHS, log_every=None, progress=False)
    path = tmp_path / "run.npz"
    if direction == "scratch->torch":
        first, first_opt, first_loader = scratch_run(opt, use_generator)
        head = train(first, first_loader, scratch.nn.CrossEntropyLoss(), first_opt, SPLIT, log_every=None)
        save_checkpoint(path, first, first_opt)
        second, second_opt, second_loader = torch_run(opt, use_generator)
        skip_epochs(second_loader, SPLIT)
        torch_checkpoint.load_checkpoint(path, second, second_opt)
        tail = torch_train.train(
            second, second_loader, torch.nn.CrossEntropyLoss(), second_opt, EPOCHS - SPLIT, log_every=None
        )
    else:
        first, first_opt, first_loader = torch_run(opt, use_generator)
        head = torch_train.train(first, first_loader, torch.nn.CrossEntropyLoss(), first_opt, SPLIT, log_every=None)
        torch_checkpoint.save_checkpoint(path, first, first_opt)
        second, second_opt, second_loader = scratch_run(opt, use_generator)
        skip_epochs(second_loader, SPLIT)
        load_checkpoint(path, second, second_opt)
        tail = train(second, second_loader, scratch.nn.CrossEntropyLoss(), second_opt, EPOCHS - SPLIT, log_every=None)
    assert_close("checkpoint", "loss per step", np.array(full.loss), np.array(head.loss + tail.loss), tol=1e-12)
    for key, value in model.state_dict().items():
        assert_close("checkpoint", key, value, second.state_dict()[key], tol=1e-12)


def test_torch_pt_round_trip(tmp_path: Path) -> None:
    model, optimizer, loader = torch_run("adamw", True)
    torch_train.train(model, loader, torch.nn.CrossEntropyLoss(), optimizer, 1, log_every=None)
    torch_checkpoint.save_checkpoint(tmp_path / "run.pt", model, optimizer)
    other, other_opt, _ = torch_run("adamw", True)
    torch_checkpoint.load_checkpoint(tmp_path / "run.pt", other, other_opt)
    check_state("checkpoint", other.state_dict(), model.state_dict())
    assert other_opt.state_dict()["param_groups"] == optimizer.state_dict()["param_groups"]
    for i, state in optimizer.state_dict()["state"].items():
        check_state("checkpoint", other_opt.state_dict()["state"][i], state)


# ---- bad checkpoints leave everything as it was --------------------------------------------
def trained_pair() -> tuple[Any, Any, Any, Any]:
    """A scratch and a torch SimpleMLP(4, 8, 3) with Adam, both holding state from a few steps."""
    scratch.manual_seed(0)
    model, optimizer = SimpleMLP(4, 8, 3), None
    optimizer = scratch.optim.Adam(model.parameters(), lr=0.01)
    torch.manual_seed(0)
    torch_model = torch_impl.models.SimpleMLP(4, 8, 3)
    torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(2):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in model.parameters()]
        for p, tp, g in zip(model.parameters(), torch_model.parameters(), grads, strict=True):
            p.grad, tp.grad = g, torch.from_numpy(g.copy())
        optimizer.step()
        torch_optimizer.step()
    return model, optimizer, torch_model, torch_optimizer


def snapshot(model: Any, optimizer: Any) -> list[np.ndarray[Any, Any]]:
    values = [to_numpy(v).copy() for v in model.state_dict().values()]
    for state in optimizer.state_dict()["state"].values():
        values += [to_numpy(v).copy() for v in state.values()]
    return [*values, np.array(repr(optimizer.state_dict()["param_groups"]))]


def assert_rejected(path: Path, match: str, error: type[Exception] = CheckpointError) -> None:
    model, optimizer, torch_model, torch_optimizer = trained_pair()
    for load, m, o in [
        (load_checkpoint, model, optimizer),
        (torch_checkpoint.load_checkpoint, torch_model, torch_optimizer),
    ]:
        before = snapshot(m, o)
        with pytest.raises(error, match=match):
            load(path, m, o)
        for a, b in zip(before, snapshot(m, o), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.fixture
def good_files(tmp_path: Path) -> dict[str, Path]:
    model, optimizer, torch_model, torch_optimizer = trained_pair()
    save_checkpoint(tmp_path / "good.npz", model, optimizer)
    torch_checkpoint.save_checkpoint(tmp_path / "good.pt", torch_model, torch_optimizer)
    return {"npz": tmp_path / "good.npz", "pt": tmp_path / "good.pt"}


@pytest.mark.parametrize("kind", ["npz", "pt"])
@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "flipped"])
def test_corrupt_files_are_rejected(kind: str, damage: str, good_files: dict[str, Path], tmp_path: Path) -> None:
    raw = good_files[kind].read_bytes()
    bad = {
        "garbage": b"this is not a checkpoint" * 10,
        "empty": b"",
        "truncated": raw[: len(raw) // 2],
        "flipped": raw[: len(raw) // 2]
        + bytes(b ^ 0xFF for b in raw[len(raw) // 2 : len(raw) // 2 + 64])
        + raw[len(raw) // 2 + 64 :],
    }[damage]
    path = tmp_path / f"bad.{kind}"
    path.write_bytes(bad)
    # scratch's loader may also recognise what is left of torch's archive and send the reader to torch's loader
    assert_rejected(path, "not a readable checkpoint|not a nnfundamentals|written by torch.save")


def test_missing_and_unexpected_keys_are_rejected(tmp_path: Path) -> None:
    model, _, _, _ = trained_pair()
    state = model.state_dict()
    write_npz(tmp_path / "missing.npz", {k: v for k, v in state.items() if k != "fc2.bias"})
    assert_rejected(tmp_path / "missing.npz", r"missing keys \['fc2.bias'\]")
    write_npz(tmp_path / "extra.npz", {**state, "fc3.weight": np.zeros((2, 2))})
    assert_rejected(tmp_path / "extra.npz", r"unexpected keys \['fc3.weight'\]")


def test_wrong_shapes_are_rejected(tmp_path: Path) -> None:
    scratch.manual_seed(0)
    wider = SimpleMLP(4, 9, 3)
    save_checkpoint(tmp_path / "wider.npz", wider, scratch.optim.Adam(wider.parameters()))
    assert_rejected(tmp_path / "wider.npz", "size mismatch for fc1.weight")
    model, optimizer, _, _ = trained_pair()
    state = optimizer.state_dict()
    state["state"][0]["exp_avg"] = np.zeros((2, 2), np.float32)
    write_npz(tmp_path / "bad_state.npz", model.state_dict(), ("Adam", state))
    assert_rejected(tmp_path / "bad_state.npz", "size mismatch for optimizer state 0/exp_avg")


def test_a_one_dimensional_state_of_the_wrong_shape_is_rejected(tmp_path: Path) -> None:
    """The shape check skips only 0-d entries (step): a bias's (1-d) moment of the wrong length must fail too."""
    model, optimizer, _, _ = trained_pair()
    state = optimizer.state_dict()
    state["state"][1]["exp_avg_sq"] = np.zeros(5, np.float32)  # fc1.bias has 8 entries
    write_npz(tmp_path / "bad_bias.npz", model.state_dict(), ("Adam", state))
    assert_rejected(tmp_path / "bad_bias.npz", "size mismatch for optimizer state 1/exp_avg_sq")


def test_state_the_optimizer_needs_is_required(tmp_path: Path) -> None:
    model, optimizer, _, _ = trained_pair()
    state = optimizer.state_dict()
    del state["state"][2]["exp_avg"]
    write_npz(tmp_path / "partial.npz", model.state_dict(), ("Adam", state))
    assert_rejected(tmp_path / "partial.npz", r"optimizer state 2 lacks \['exp_avg'\]")


@pytest.mark.parametrize("side", ["scratch", "torch"])
def test_loading_restores_the_saved_learning_rate(side: str, tmp_path: Path) -> None:
    """The saved options win over the current ones (a scheduler's lr in the middle of a run must come back)."""
    model, optimizer, torch_model, torch_optimizer = trained_pair()
    for group in (*optimizer.param_groups, *torch_optimizer.param_groups):
        group["lr"] = 0.0123
    save, load = (
        (save_checkpoint, load_checkpoint)
        if side == "scratch"
        else (
            torch_checkpoint.save_checkpoint,
            torch_checkpoint.load_checkpoint,
        )
    )
    m, o = (model, optimizer) if side == "scratch" else (torch_model, torch_optimizer)
    save(tmp_path / "run.npz", m, o)
    for group in o.param_groups:
        group["lr"] = 0.5
    load(tmp_path / "run.npz", m, o)
    assert [group["lr"] for group in o.param_groups] == [0.0123]


def test_another_optimizer_or_none_is_rejected(good_files: dict[str, Path], tmp_path: Path) -> None:
    model, _, torch_model, _ = trained_pair()
    with pytest.raises(CheckpointError, match="type Adam, not SGD"):
        load_checkpoint(good_files["npz"], model, scratch.optim.SGD(model.parameters()))
    with pytest.raises(CheckpointError, match="type Adam, not SGD"):
        torch_checkpoint.load_checkpoint(good_files["pt"], torch_model, torch.optim.SGD(torch_model.parameters()))
    save_checkpoint(tmp_path / "model_only.npz", model)
    assert_rejected(tmp_path / "model_only.npz", "no optimizer state")
    subset = scratch.optim.Adam(list(model.parameters())[:2])
    with pytest.raises(CheckpointError, match="parameter groups of sizes"):
        load_checkpoint(good_files["npz"], model, subset)


def test_model_only_checkpoints_and_missing_files(tmp_path: Path) -> None:
    model, _, torch_model, _ = trained_pair()
    save_checkpoint(tmp_path / "model.npz", model)
    torch.manual_seed(1)
    fresh = torch_impl.models.SimpleMLP(4, 8, 3)
    torch_checkpoint.load_checkpoint(tmp_path / "model.npz", fresh)
    check_state("checkpoint", model.state_dict(), fresh.state_dict())
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "nowhere.npz", model)
    with pytest.raises(FileNotFoundError):
        torch_checkpoint.load_checkpoint(tmp_path / "nowhere.pt", torch_model)


@given(data=st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_one_damaged_byte_anywhere_is_caught_or_harmless(data: st.DataObject, good_files: dict[str, Path]) -> None:
    """Any single changed byte either raises CheckpointError or loads exactly the saved state (a byte the
    readers never use, such as a zip timestamp); a member silently missing from the directory is caught."""
    path = good_files["npz"]
    raw = bytearray(path.read_bytes())
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    damaged = path.with_name(f"damaged_{position}.npz")
    damaged.write_bytes(bytes(raw))
    model, optimizer, _, _ = trained_pair()
    expected = snapshot(model, optimizer)
    scratch.manual_seed(1)
    fresh = SimpleMLP(4, 8, 3)
    fresh_optimizer = scratch.optim.Adam(fresh.parameters(), lr=0.01)
    before = snapshot(fresh, fresh_optimizer)
    try:
        load_checkpoint(damaged, fresh, fresh_optimizer)
    except CheckpointError:
        for a, b in zip(before, snapshot(fresh, fresh_optimizer), strict=True):
            np.testing.assert_array_equal(a, b)
    else:
        for a, b in zip(expected, snapshot(fresh, fresh_optimizer), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("side", ["scratch", "torch"])
def test_saving_to_a_directory_fails_cleanly(side: str, tmp_path: Path) -> None:
    model, optimizer, torch_model, torch_optimizer = trained_pair()
    target = tmp_path / "run.npz"
    target.mkdir()
    save = save_checkpoint if side == "scratch" else torch_checkpoint.save_checkpoint
    m, o = (model, optimizer) if side == "scratch" else (torch_model, torch_optimizer)
    with pytest.raises(IsADirectoryError, match="directory"):
        save(target, m, o)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]  # no temporary file left behind


def test_a_member_hidden_by_a_damaged_zip_directory_is_caught(good_files: dict[str, Path], tmp_path: Path) -> None:
    """One central-directory record whose 'file comment length' swallows the next record: zipfile then lists one
    member fewer without complaint (a damage a byte-flipping fuzzer found).  Whichever member goes missing, the
    required entries and the digest over every entry catch it."""
    raw = good_files["npz"].read_bytes()
    records = [i for i in range(len(raw)) if raw.startswith(b"PK\x01\x02", i)]
    end = raw.index(b"PK\x05\x06")
    assert len(records) > 3
    for i, record in enumerate(records[:-1]):
        following = records[i + 2] if i + 2 < len(records) else end
        damaged = bytearray(raw)
        comment = int.from_bytes(raw[record + 32 : record + 34], "little") + following - records[i + 1]
        damaged[record + 32 : record + 34] = comment.to_bytes(2, "little")
        path = tmp_path / f"hidden_{i}.npz"
        path.write_bytes(bytes(damaged))
        with zipfile.ZipFile(path) as archive:
            assert len(archive.namelist()) == len(records) - 1  # the damage really hides a member
        assert_rejected(path, "not a readable checkpoint|does not fit|lacks|no optimizer state")
