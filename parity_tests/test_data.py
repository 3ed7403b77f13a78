"""scratch.data against torch.utils.data: the same batches, epoch after epoch, from the same seed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import DataLoader as TorchDataLoader
from torch.utils.data import RandomSampler as TorchRandomSampler
from torch.utils.data import TensorDataset as TorchTensorDataset

import scratch
from parity_tests.harness import assert_close, check_rejects
from parity_tests.strategies import seeds
from scratch.data import DataLoader, Dataset, RandomSampler, TensorDataset, make_loader
from torch_impl import data as torch_data


def twin_loaders(
    n: int, batch_size: int, shuffle: bool, drop_last: bool, generator_seed: int | None, dtype: Any = np.float64
) -> tuple[DataLoader, TorchDataLoader[Any]]:
    X = np.arange(3 * n, dtype=dtype).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    sg = tg = None
    if generator_seed is not None:
        sg, tg = scratch.Generator().manual_seed(generator_seed), torch.Generator().manual_seed(generator_seed)
    ours = make_loader(X, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=sg)
    theirs = torch_data.make_loader(X, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=tg)
    return ours, theirs


def assert_same_epochs(ours: DataLoader, theirs: TorchDataLoader[Any], epochs: int) -> None:
    assert len(ours) == len(theirs)
    for _ in range(epochs):
        batches, torch_batches = list(ours), list(theirs)
        assert len(batches) == len(torch_batches) == len(ours)
        for batch, torch_batch in zip(batches, torch_batches, strict=True):
            assert isinstance(batch, list)
            assert len(batch) == len(torch_batch) == 2
            for a, t in zip(batch, torch_batch, strict=True):
                assert_close("DataLoader", "batch", a, t, tol=0.0)


def assert_same_global_stream() -> None:
    assert scratch.default_generator.random64() == torch.empty((), dtype=torch.int64).random_().item()


@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 45),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    generator_seed=st.one_of(st.none(), seeds()),
    seed=seeds(),
)
def test_batches_equal_torch_over_epochs(
    n: int, batch_size: int, shuffle: bool, drop_last: bool, generator_seed: int | None, seed: int
) -> None:
    scratch.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = twin_loaders(n, batch_size, shuffle, drop_last, generator_seed)
    assert_same_epochs(ours, theirs, epochs=3)
    assert_same_global_stream()  # the base seed is drawn from the global stream even without shuffling


@pytest.mark.parametrize(("n", "batch_size"), [(1797, 64), (1000, 100), (257, 256)])
def test_large_shuffles_equal_torch(n: int, batch_size: int) -> None:
    scratch.manual_seed(7)
    torch.manual_seed(7)
    ours, theirs = twin_loaders(n, batch_size, shuffle=True, drop_last=False, generator_seed=None, dtype=np.float32)
    assert_same_epochs(ours, theirs, epochs=2)
    assert_same_global_stream()


def test_first_epoch_is_not_randperm_of_the_seed() -> None:
    """torch_semantics §6: the base-seed draw comes first, so epoch 1 is not randperm(n, seed 0)."""
    loader = make_loader(np.arange(10), batch_size=10, shuffle=True, generator=scratch.Generator().manual_seed(0))
    assert next(iter(loader))[0].tolist() == [3, 7, 5, 2, 0, 8, 1, 6, 9, 4]
    sampler = RandomSampler(TensorDataset(np.arange(10)), generator=scratch.Generator().manual_seed(0))
    torch_sampler = TorchRandomSampler(range(10), generator=torch.Generator().manual_seed(0))
    assert list(sampler) == list(torch_sampler) == [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]


@pytest.mark.parametrize("generator_seed", [None, 3])
def test_breaking_out_of_an_epoch_shifts_later_epochs_like_torch(generator_seed: int | None) -> None:
    scratch.manual_seed(11)
    torch.manual_seed(11)
    ours, theirs = twin_loaders(23, 5, shuffle=True, drop_last=False, generator_seed=generator_seed)
    first, torch_first = next(iter(ours)), next(iter(theirs))  # break after one batch: no closing randperm
    assert_close("DataLoader", "first batch", first[1], torch_first[1], tol=0.0)
    assert_same_epochs(ours, theirs, epochs=2)
    assert_same_global_stream()


class Squares(Dataset):
    """A map-style data set that is not a TensorDataset: samples are (array, int, float) tuples."""

    def __getitem__(self, index: int) -> tuple[np.ndarray[Any, Any], int, float]:
        return np.array([index, index**2], dtype=np.float32), index % 3, index / 2

    def __len__(self) -> int:
        return 11


class TorchSquares(torch.utils.data.Dataset[Any]):
    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, float]:
        return torch.tensor([index, index**2], dtype=torch.float32), index % 3, index / 2

    def __len__(self) -> int:
        return 11


def test_default_collate_matches_torch() -> None:
    scratch.manual_seed(5)
    torch.manual_seed(5)
    ours = DataLoader(Squares(), batch_size=4, shuffle=True)
    theirs = TorchDataLoader(TorchSquares(), batch_size=4, shuffle=True)
    for _ in range(2):
        for batch, torch_batch in zip(ours, theirs, strict=True):
            assert isinstance(batch, list)
            for a, t in zip(batch, torch_batch, strict=True):
                assert_close("DataLoader", "collated batch", a, t, tol=0.0)


def test_a_sampler_gives_the_order() -> None:
    order = [4, 0, 3, 3, 1]
    ours = DataLoader(TensorDataset(np.arange(5.0)), batch_size=2, sampler=order)
    theirs = TorchDataLoader(TorchTensorDataset(torch.arange(5.0, dtype=torch.float64)), batch_size=2, sampler=order)
    assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs] == [[4.0, 0.0], [3.0, 3.0], [1.0]]


def test_tensor_dataset_batches_by_fancy_indexing() -> None:
    calls: list[Any] = []

    class Counting(TensorDataset):
        def __getitem__(self, index: Any) -> Any:
            calls.append(index)
            return super().__getitem__(index)

    X, y = np.random.default_rng(0).standard_normal((100, 4)), np.arange(100)
    batches = list(DataLoader(Counting(X, y), batch_size=32))
    assert len(calls) == len(batches) == 4
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    ds = TensorDataset(X, y)
    assert len(ds) == 100
    assert [a.shape for a in ds[3]] == [(4,), ()]


def test_torch_side_shares_the_numpy_memory() -> None:
    X = np.zeros((6, 2))
    loader = torch_data.make_loader(X, batch_size=6)
    X[0, 0] = 5.0
    assert next(iter(loader))[0][0, 0].item() == 5.0


@pytest.mark.parametrize("batch_size", [0, -3])
def test_rejects_bad_batch_size(batch_size: int) -> None:
    X = np.zeros((4, 2))
    check_rejects(
        lambda: make_loader(X, batch_size=batch_size),
        lambda: torch_data.make_loader(X, batch_size=batch_size),
        match="batch_size should be a positive integer",
    )


def test_rejects_sampler_with_shuffle_and_empty_shuffle() -> None:
    ds, torch_ds = TensorDataset(np.zeros(3)), TorchTensorDataset(torch.zeros(3))
    check_rejects(
        lambda: DataLoader(ds, shuffle=True, sampler=[0, 1]),
        lambda: TorchDataLoader(torch_ds, shuffle=True, sampler=[0, 1]),
        match="mutually exclusive",
    )
    check_rejects(
        lambda: DataLoader(TensorDataset(np.zeros(0)), shuffle=True),
        lambda: TorchDataLoader(TorchTensorDataset(torch.zeros(0)), shuffle=True),
        match="num_samples",
    )


def test_rejects_arrays_of_different_lengths() -> None:
    with pytest.raises(AssertionError, match="Size mismatch"):
        TorchTensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float64(1.0))


def test_rejects_a_torch_generator() -> None:
    with pytest.raises(TypeError, match=r"scratch\.Generator"):
        make_loader(np.zeros(3), shuffle=True, generator=torch.Generator())  # type: ignore[arg-type]


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_custom_collate_fn_is_used_for_a_tensor_dataset_like_torch(shuffle: bool) -> None:
    """The fast path (one fancy-indexing call per batch) is the default collate's only: a custom ``collate_fn``
    gets the list of samples, (X[i], y[i]) tuples, as torch's does."""
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    seen: list[Any] = []

    def collate(samples: list[Any]) -> Any:
        seen.append(samples)
        rows = [[np.asarray(field).tolist() for field in sample] for sample in samples]
        return {"rows": rows, "n": len(samples)}

    sg, tg = scratch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    ours = DataLoader(TensorDataset(X, y), batch_size=3, shuffle=shuffle, collate_fn=collate, generator=sg)
    theirs = TorchDataLoader(
        TorchTensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
        batch_size=3,
        shuffle=shuffle,
        collate_fn=collate,
        generator=tg,
    )
    for _ in range(2):
        assert list(ours) == list(theirs)
    assert all(isinstance(sample, tuple) and len(sample) == 2 for batch in seen for sample in batch)
    assert [b["n"] for b in ours] == [3, 3, 1]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"shuffle": 1}, "shuffle must be True, False or None"),
        ({"shuffle": "yes"}, "shuffle must be True, False or None"),
        ({"shuffle": 0}, "shuffle must be True, False or None"),
        ({"collate_fn": 3}, "collate_fn must be a function"),
        ({"drop_last": 1}, "drop_last should be a boolean value"),  # torch's own check and message
        ({"drop_last": None}, "drop_last should be a boolean value"),
    ],
)
def test_flags_are_booleans_and_collate_fn_a_function(options: dict[str, Any], match: str) -> None:
    """scratch is stricter than torch for shuffle (torch takes any truthy value) and collate_fn (torch fails
    at the first batch); shuffle=None is torch's default and means no shuffling."""
    ds = TensorDataset(np.zeros((4, 2)))
    before = scratch.default_generator.get_state()["mt19937"]["state"]["key"].copy()
    with pytest.raises((TypeError, ValueError), match=match):
        DataLoader(ds, **options)
    np.testing.assert_array_equal(scratch.default_generator.get_state()["mt19937"]["state"]["key"], before)
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=4, shuffle=None)] == [np.zeros((4, 2)).tolist()]
