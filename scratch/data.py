"""Dataset, TensorDataset and DataLoader (~ torch.utils.data), with torch's shuffling stream.

A DataLoader turns a data set into mini-batches: an index order (0, 1, 2, ... or a
random permutation when ``shuffle=True``) is cut into consecutive batches of
``batch_size`` indices; the last batch is shorter unless ``drop_last=True``.

Every epoch consumes the random stream exactly as torch's DataLoader does, so the
same seed gives the same batches on both sides, epoch after epoch:

1. ``iter(loader)`` draws a 64-bit base seed (two words) from ``generator``, or from
   the global stream if it is None, even with ``shuffle=False`` (torch hands the
   base seed to worker processes; a single process ignores it).
2. With ``shuffle=True`` the first batch draws the epoch's order, ``randperm(n)``.
   Without a generator the sampler first draws an int64 seed from the global
   stream and shuffles with a fresh Generator seeded with it.
3. When the order is used up, the sampler evaluates one more ``randperm(n)``
   (torch keeps an empty slice of it, but its n - 1 words are spent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from common import Array
from scratch.random import Generator, default_generator

Indices = NDArray[np.int64]


class Dataset:
    """A map-style data set: ``dataset[i]`` is one sample, ``len(dataset)`` the number of samples."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given arrays: ``dataset[i] == (X[i], y[i])``.

    An index array selects many rows at once (``dataset[[3, 0, 7]]``), which is
    how the DataLoader builds a batch: one fancy-indexing call per array.
    """

    def __init__(self, *arrays: ArrayLike) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(np.asarray(a) for a in arrays)
        if any(a.ndim == 0 for a in self.arrays):
            raise ValueError("TensorDataset: every array needs a first (sample) dimension; got a 0-d array")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between arrays, first dimensions {lengths}")

    def __getitem__(self, index: int | Indices) -> tuple[Array, ...]:
        return tuple(a[index] for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])


class Sampler:
    """Iterating over a sampler yields dataset indices.

    ``index_chunks`` yields them as arrays (whole permutations), so batches are
    slices instead of Python lists; ``__iter__`` gives torch's one-int-at-a-time view.
    """

    def __init__(self, data_source: Sequence[Any] | Dataset) -> None:
        self.data_source = data_source

    def index_chunks(self) -> Iterator[Indices]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        for chunk in self.index_chunks():
            yield from chunk.tolist()

    def __len__(self) -> int:
        return len(self.data_source)


class SequentialSampler(Sampler):
    """0, 1, ..., n - 1."""

    def index_chunks(self) -> Iterator[Indices]:
        yield np.arange(len(self.data_source), dtype=np.int64)


class RandomSampler(Sampler):
    """A random permutation per epoch, drawn like ``torch.utils.data.RandomSampler`` (without replacement)."""

    def __init__(self, data_source: Sequence[Any] | Dataset, generator: Generator | None = None) -> None:
        super().__init__(data_source)
        if len(data_source) <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={len(data_source)}")
        self.generator = _check_generator(generator)

    def index_chunks(self) -> Iterator[Indices]:
        n = len(self.data_source)
        generator = self.generator
        if generator is None:  # torch seeds a fresh generator from the global stream, once per epoch
            generator = Generator().manual_seed(default_generator.random64())
        yield generator.randperm(n)
        # torch then evaluates randperm(n)[:num_samples % n]: empty, but it spends n - 1 words
        yield generator.randperm(n)[:0]


class BatchSampler:
    """Cuts the sampler's index order into consecutive batches (index arrays) of ``batch_size``."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[Indices]:
        chunks = self.sampler.index_chunks() if isinstance(self.sampler, Sampler) else _one_chunk(self.sampler)
        pending = np.empty(0, dtype=np.int64)
        for chunk in chunks:
            pending = np.concatenate([pending, chunk]) if len(pending) else chunk
            full = len(pending) - len(pending) % self.batch_size
            for start in range(0, full, self.batch_size):
                yield pending[start : start + self.batch_size]
            pending = pending[full:]
        if len(pending) and not self.drop_last:
            yield pending

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class DataLoader:
    """Mini-batches of a data set, ``[X_batch, y_batch]`` per step (~ torch.utils.data.DataLoader).

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=Generator().manual_seed(0))
    >>> for X_batch, y_batch in loader: ...
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[int] | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        drop_last: bool = False,
        generator: Generator | None = None,
    ) -> None:
        shuffle, collate_fn = _check_options(dataset, shuffle, sampler, collate_fn)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.generator = _check_generator(generator)
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        self.batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = self.batch_sampler.batch_size, drop_last
        self.collate_fn = collate_fn

    def __iter__(self) -> Iterator[Any]:
        (default_generator if self.generator is None else self.generator).random64()  # torch's _base_seed (step 1)
        return self._batches()

    def _batches(self) -> Iterator[Any]:
        for indices in self.batch_sampler:
            yield self._fetch(indices)

    def _fetch(self, indices: Indices) -> Any:
        """``collate_fn([dataset[i] for i in indices])``; a TensorDataset's default batch is one fancy-indexing call."""
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
            return list(self.dataset[indices])  # what default_collate would stack from the rows, directly
        collate = self.collate_fn or default_collate
        return collate([self.dataset[i] for i in indices.tolist()])

    def __len__(self) -> int:
        return len(self.batch_sampler)


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into a batch, like torch's ``default_collate``.

    Tuples and lists of fields become a list of stacked fields; dicts are collated
    per key; numbers and arrays are stacked (Python ints → int64, floats → float64).
    """
    elem = batch[0]
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(sample) != len(elem) for sample in batch):
            raise ValueError("default_collate: each element in the batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch, strict=True)]
    return np.stack([np.asarray(sample) for sample in batch])


def make_loader(
    *arrays: ArrayLike,
    batch_size: int = 1,
    shuffle: bool = False,
    drop_last: bool = False,
    generator: Generator | None = None,
) -> DataLoader:
    """``DataLoader(TensorDataset(*arrays), ...)``: the one-liner both implementations share."""
    return DataLoader(TensorDataset(*arrays), batch_size, shuffle, drop_last=drop_last, generator=generator)


def _check_options(
    dataset: Any, shuffle: Any, sampler: Any, collate_fn: Any
) -> tuple[bool, Callable[[list[Any]], Any] | None]:
    """``dataset`` has ``len`` and ``[i]``; ``shuffle`` is True, False or None (torch's default, no shuffling);
    ``sampler`` an iterable of indices or None; ``collate_fn`` a function or None.

    torch takes any truthy ``shuffle``, and finds the other three wrong only at the first batch.
    """
    if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
        raise TypeError(f"DataLoader: dataset must have len() and [index] (a Dataset), got {type(dataset).__name__}")
    if sampler is not None and not isinstance(sampler, (Sampler, Iterable)):
        raise TypeError(f"DataLoader: sampler must be an iterable of indices or None, got {type(sampler).__name__}")
    if shuffle is not None and not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"DataLoader: shuffle must be True, False or None, got {shuffle!r}")
    if collate_fn is not None and not callable(collate_fn):
        raise TypeError(f"DataLoader: collate_fn must be a function of a list of samples, got {collate_fn!r}")
    return bool(shuffle), collate_fn


def _check_generator(generator: Generator | None) -> Generator | None:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be a scratch.Generator or None, got {type(generator).__name__}")
    return generator


def _one_chunk(sampler: Iterable[int]) -> Iterator[Indices]:
    yield np.fromiter(sampler, dtype=np.int64)
