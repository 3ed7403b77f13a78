"""A random stream identical to torch's CPU generator (MT19937).

torch seeds its CPU generator exactly like NumPy's legacy ``RandomState``: the
raw 32-bit Mersenne-Twister words are the same.  What differs between the two
libraries is how words become numbers, so this module draws raw words and turns
them into floats, integers and permutations the way torch does:

* float32 ``uniform_(lo, hi)``: one word ``w`` per value,
  ``u = (w & (2**24 - 1)) * 2**-24`` and ``value = fma32(u, hi - lo, lo)`` (rounded once);
  a value that rounds up to ``hi`` becomes ``lo`` (the interval stays half-open).
* float64 ``uniform_(lo, hi)``: two words per value, ``w64 = w1 << 32 | w2``,
  ``u = (w64 & (2**53 - 1)) * 2**-53`` and ``value = fma(u, hi - lo, lo)``
  (one rounding: a fused multiply-add).
* int64 ``random_()``: two words, ``(w1 << 32 | w2) mod 2**63``.
* ``randperm(n)``: forward Fisher-Yates, one word per step.
* ``normal_``: Box-Muller on uniforms, 16 values at a time (see ``normal``).

Seeds are reduced modulo 2**32, as torch's MT19937 does.

Bit-identity needs torch's exact rounding, which lives beside this module in
``scratch/rounding.py``: ``fma``/``fma32`` (a multiply-add rounded once, as torch's
compiled kernels compute ``u * (hi - lo) + lo``) and ``libm`` (the C library's
``log``/``sin``/``cos`` one value at a time, as torch's float64 kernels call them,
where NumPy's SIMD versions can differ by one ulp between CPUs).
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from scratch.rounding import fma, fma32, libm

DEFAULT_SEED = 67280421310721
"""The seed of a fresh ``torch.Generator()`` (and so of ``scratch.Generator()``)."""

_MASK24 = np.uint64(2**24 - 1)
_MASK53 = np.uint64(2**53 - 1)


class Generator:
    """A pseudo-random generator that reproduces ``torch.Generator`` on the CPU.

    >>> g = Generator().manual_seed(0)
    >>> g.uniform((3,), -1.0, 1.0, np.float32)   # == torch.empty(3).uniform_(-1, 1, generator=...)
    array([-0.00749788,  0.5297495 , -0.5142066 ], dtype=float32)
    """

    def __init__(self) -> None:
        self._mt = np.random.RandomState()
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Seed the stream (like ``torch.Generator.manual_seed``) and return self."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int seed, got {type(seed).__name__}")
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError(f"manual_seed: seed must be in [-2**63, 2**64), got {seed}")
        self._seed = seed % 2**64
        self._mt.seed(self._seed % 2**32)
        self._normal_cache: float | None = None
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy, like ``torch.Generator.seed``; return the seed."""
        new_seed = secrets.randbits(64)
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed last given to :meth:`manual_seed`."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """A copy of the full generator state (restore it with :meth:`set_state`)."""
        return {"seed": self._seed, "mt19937": self._mt.get_state(legacy=False), "normal_cache": self._normal_cache}

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state from :meth:`get_state`; return self.  A malformed state raises and changes nothing."""
        if not isinstance(state, dict) or set(state) != {"seed", "mt19937", "normal_cache"}:
            keys = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"set_state expects a state from get_state (seed, mt19937, normal_cache), got {keys}")
        seed, cache = state["seed"], state["normal_cache"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
            raise ValueError(f"set_state: seed must be an int in [0, 2**64), got {seed!r}")
        if cache is not None and not isinstance(cache, float):
            raise ValueError(f"set_state: normal_cache must be a float or None, got {cache!r}")
        mt = np.random.RandomState()
        try:
            mt.set_state(state["mt19937"])
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"set_state: the mt19937 entry is not a Mersenne-Twister state: {error}") from error
        self._mt, self._seed, self._normal_cache = mt, seed, cache
        return self

    # ---- raw words -------------------------------------------------------------------------
    def words(self, n: int) -> NDArray[np.uint32]:
        """The next ``n`` raw 32-bit MT19937 outputs."""
        return self._mt.randint(0, 2**32, size=n, dtype=np.uint32)

    def words64(self, n: int) -> NDArray[np.uint64]:
        """``n`` 64-bit words, each made of two 32-bit words (first word high), as torch's random64."""
        w = self.words(2 * n).astype(np.uint64)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # ---- distributions ---------------------------------------------------------------------
    def uniform(self, shape: tuple[int, ...], low: float, high: float, dtype: DTypeLike) -> NDArray[Any]:
        """Values in [low, high) with torch's ``uniform_`` recipe for ``dtype`` (float32 or float64)."""
        n = _count("uniform", shape)
        values: NDArray[Any]
        if np.dtype(dtype) == np.float32:
            u = (self.words(n) & np.uint32(_MASK24)).astype(np.float64) * 2.0**-24
            lo, hi = np.float32(low), np.float32(high)
            values = fma32(u, hi - lo, lo)
        elif np.dtype(dtype) == np.float64:
            u = (self.words64(n) & _MASK53).astype(np.float64) * 2.0**-53
            values = fma(u, np.float64(high) - np.float64(low), np.float64(low))
        else:
            raise TypeError(f"uniform: dtype must be float32 or float64, got {np.dtype(dtype)}")
        # the interval is half-open: torch maps a value that rounded up to `high` back to `low`
        values[values == values.dtype.type(high)] = values.dtype.type(low)
        return values.reshape(shape)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dtype: DTypeLike) -> NDArray[Any]:
        """Normal values with torch's ``normal_`` algorithm for tensors of 16 or more elements.

        torch fills the tensor with uniforms u, then for each block of 16 values
        applies Box-Muller to pairs (u[j], u[j + 8]):
        ``r = sqrt(-2 log(1 - u[j]))``, ``x[j] = r cos(2 pi u[j+8])``,
        ``x[j+8] = r sin(2 pi u[j+8])``.  When the size is not a multiple of 16, the
        last 16 positions are refilled with fresh uniforms and transformed again.
        Smaller tensors use torch's scalar sampler, which this reproduces too.
        """
        dt = np.dtype(dtype)
        n = _count("normal", shape)
        if n >= 16:
            x = self.uniform((n,), 0.0, 1.0, dt)
            body = n - n % 16
            x[:body] = _box_muller_blocks(x[:body], mean, std)
            if n % 16:
                x[n - 16 :] = _box_muller_blocks(self.uniform((16,), 0.0, 1.0, dt), mean, std)
            return x.reshape(shape)
        return self._scalar_normal(n, mean, std).astype(dt).reshape(shape)

    def _scalar_normal(self, n: int, mean: float, std: float) -> NDArray[np.float64]:
        """torch's scalar normal sampler (at::normal_distribution<double>).

        Each pair of 53-bit uniforms (u1, u2) gives r = sqrt(-2 log1p(-u2)) and
        theta = 2 pi u1; r cos(theta) is returned and r sin(theta) is kept in the
        generator for the next scalar draw (torch caches it the same way).
        """
        cached = [] if self._normal_cache is None else [self._normal_cache]
        pairs = (n - len(cached) + 1) // 2
        u = (self.words64(2 * pairs) & _MASK53).astype(np.float64) * 2.0**-53
        r = np.sqrt(-2.0 * libm(math.log1p, -u[1::2]))
        theta = 2.0 * math.pi * u[0::2]
        z = np.concatenate([cached, np.stack([r * libm(math.cos, theta), r * libm(math.sin, theta)], axis=1).ravel()])
        self._normal_cache = float(z[n]) if len(z) > n else None
        return fma(z[:n], np.float64(std), np.float64(mean))  # torch's compiled `z * std + mean` is fused

    def bernoulli(self, n: int, p: float) -> NDArray[np.bool_]:
        """``n`` draws that are True with probability ``p``, as torch's CPU ``bernoulli_(p)`` with a scalar p.

        Each draw takes a 53-bit uniform u from two words (torch's random64) and is True iff u < p.
        """
        u = (self.words64(n) & _MASK53).astype(np.float64) * 2.0**-53
        return u < p

    def random64(self) -> int:
        """One int64 ``random_()`` draw: a 64-bit word reduced modulo 2**63."""
        return int(self.words64(1)[0]) % 2**63

    def randperm(self, n: int) -> NDArray[np.int64]:
        """A random permutation of 0..n-1, as ``torch.randperm(n, generator=g)``.

        Forward Fisher-Yates: for i = 0 .. n-2, swap r[i] with r[i + word % (n - i)].
        The words are drawn in one call; the swaps are inherently sequential.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
        r = np.arange(n, dtype=np.int64)
        if n < 2:
            return r
        offsets = self.words(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
        targets = (np.arange(n - 1) + offsets).tolist()
        perm = r.tolist()
        for i, j in enumerate(targets):
            perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64)


def _box_muller_blocks(u: NDArray[Any], mean: float, std: float) -> NDArray[Any]:
    blocks = u.reshape(-1, 2, 8)
    u1, u2 = blocks[:, 0], blocks[:, 1]
    theta = 2.0 * math.pi * u2
    if u.dtype == np.float32:  # torch vectorises these: within an ulp of NumPy's
        radius = np.sqrt(-2 * np.log(1 - u1))
        z = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)
        return fma32(z, np.float32(std), np.float32(mean))
    radius = np.sqrt(-2 * libm(math.log, 1 - u1))  # torch calls the C library once per value: so does this
    z = np.stack([radius * libm(math.cos, theta), radius * libm(math.sin, theta)], axis=1).reshape(-1)
    return fma(z, np.float64(std), np.float64(mean))  # torch's compiled `z * std + mean` is fused


default_generator = Generator().manual_seed(secrets.randbits(64))
"""The global stream, like torch's: seeded from the OS at import until ``manual_seed`` is called."""


def manual_seed(seed: int) -> Generator:
    """Seed the global stream (like ``torch.manual_seed``) and return it."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The global stream's seed (like ``torch.initial_seed``)."""
    return default_generator.initial_seed()


def _count(where: str, shape: Any) -> int:
    """The number of values in ``shape``, a tuple of non-negative ints (a clear error otherwise)."""
    if not isinstance(shape, tuple) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise ValueError(f"Generator.{where}: shape must be a tuple of non-negative ints, got {shape!r}")
    return math.prod(shape)


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"a size must be non-negative ints, got {size}")
    return tuple(int(n) for n in shape)


def randn(*size: Any, dtype: DTypeLike = np.float32, generator: Generator | None = None) -> NDArray[Any]:
    """Standard normal values, as ``torch.randn(*size)`` draws them (the global stream unless ``generator``)."""
    return (generator or default_generator).normal(_size(size), 0.0, 1.0, _float(dtype))


def rand(*size: Any, dtype: DTypeLike = np.float32, generator: Generator | None = None) -> NDArray[Any]:
    """Uniform values in [0, 1), as ``torch.rand(*size)`` draws them."""
    return (generator or default_generator).uniform(_size(size), 0.0, 1.0, _float(dtype))


def _float(dtype: DTypeLike) -> np.dtype[Any]:
    resolved = np.dtype(dtype)
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {resolved}")
    return resolved
