"""A graded case: the learner's function called on one set of inputs, torch's answer, and the known wrong answers.

A case holds the arguments, a ``run`` that calls the learner's function and names each output (a *term*), torch's
answer for every term (float64, or float32 where the case says so), and for each term the answers that the
catalogued mistakes give on the same inputs, so that a wrong answer can be named.  The draws are seeded: the same
file gets the same verdict every run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from common import Array

Outputs = dict[str, Any]
Runner = Callable[[Callable[..., Any]], Outputs]


@dataclass
class Case:
    """One call (or one run of calls) of one learner function, with torch's answer for each term."""

    function: str
    label: str
    args: dict[str, Any]
    expected: Outputs
    run: Runner
    mistakes: dict[str, dict[str, Array]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # named sizes a factor may be ("N, the batch size": 5)
    hint: str | None = None  # why inf/NaN here means an unstable formula
    note: str | None = None  # what this case tests, added when no catalogued mistake fits

    @property
    def dtype(self) -> np.dtype[Any]:
        arrays = [v for v in self.expected.values() if isinstance(v, np.ndarray)]
        return arrays[0].dtype if arrays else np.dtype(np.float64)


def call_returning(names: tuple[str, ...], args: Mapping[str, Any], **kwargs: Any) -> Runner:
    """A runner that calls the function with copies of ``args`` (then ``kwargs``) and names its outputs.

    One name: the return value is that term.  Several: the function returns a tuple of that many arrays.
    An argument the function changed in place is reported as a mistake of its own.
    """

    def run(fn: Callable[..., Any]) -> Outputs:
        copies = {k: copy(v) for k, v in args.items()}
        result = fn(*copies.values(), **kwargs)
        for key, value in args.items():
            if isinstance(value, np.ndarray) and not np.array_equal(value, copies[key], equal_nan=True):
                raise ModifiedInputError(key)
        if len(names) == 1:
            return {names[0]: result}
        if not isinstance(result, tuple | list) or len(result) != len(names):
            raise WrongReturnError(
                f"should return a tuple of {len(names)} arrays ({', '.join(names)}), got {describe(result)}"
            )
        return dict(zip(names, result, strict=True))

    return run


class ModifiedInputError(Exception):
    """The learner's function changed one of its inputs in place."""

    def __init__(self, name: str) -> None:
        super().__init__(f"changed its argument `{name}` in place: compute into a new array instead")


class WrongReturnError(Exception):
    """The learner's function returned something of the wrong form (not a tuple, a missing key)."""


def copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    return f"{type(value).__name__}"


def generator(name: str) -> np.random.Generator:
    """The seeded draw of one exercise: the same inputs every run."""
    return np.random.default_rng(sum(map(ord, name)))


def shapes(rng: np.random.Generator, count: int, rank: int, low: int = 1, high: int = 7) -> list[tuple[int, ...]]:
    """``count`` random shapes of ``rank`` sizes in [low, high]."""
    return [tuple(int(n) for n in rng.integers(low, high + 1, size=rank)) for _ in range(count)]


def normal(rng: np.random.Generator, *shape: int, dtype: Any = np.float64) -> Array:
    return rng.standard_normal(shape).astype(dtype)


def as_numpy(value: Any) -> Array:
    """A torch tensor (or a number) as a NumPy array of its own dtype."""
    if hasattr(value, "detach"):
        return np.array(value.detach().numpy(), copy=True)
    return np.asarray(value)
