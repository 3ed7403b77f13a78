"""The MLP's argument checks, written once for both implementations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common import checks


def check_args(sizes: Sequence[int], activation: Any, choices: list[str], dropout: Any, batch_norm: Any) -> None:
    """sizes has an input and an output size (positive ints), the activation is known, dropout is a probability."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes!r}")
    for size in sizes:
        checks.integer("MLP", "each size", size, minimum=1)
    if activation not in choices:
        raise ValueError(f"MLP: unknown activation {activation!r}; choose one of {choices}")
    checks.dropout_p("MLP", dropout)
    checks.boolean("MLP", "batch_norm", batch_norm)
