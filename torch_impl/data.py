"""torch.utils.data, fed with the same NumPy arrays as scratch/data.py (~ scratch/data.py).

torch already has Dataset, TensorDataset and DataLoader; this file only turns
NumPy arrays into tensors without copying, so both implementations read the very
same numbers.  The RNG facts that make the batch order reproducible are written
down in scratch/data.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch.utils.data import DataLoader, Dataset, TensorDataset

__all__ = ["DataLoader", "Dataset", "TensorDataset", "as_tensor", "make_loader"]


def as_tensor(array: ArrayLike) -> torch.Tensor:
    """A tensor sharing the array's memory when it can (NumPy float64 stays torch.float64, int64 stays int64)."""
    a = np.asarray(array)
    if not (a.flags.c_contiguous and a.flags.writeable):
        a = np.ascontiguousarray(a).copy()
    return torch.from_numpy(a)


def make_loader(
    *arrays: ArrayLike,
    batch_size: int = 1,
    shuffle: bool = False,
    drop_last: bool = False,
    generator: torch.Generator | None = None,
) -> DataLoader[Any]:
    """``DataLoader(TensorDataset(*arrays), ...)``: the one-liner both implementations share."""
    return DataLoader(
        TensorDataset(*map(as_tensor, arrays)), batch_size, shuffle, drop_last=drop_last, generator=generator
    )
