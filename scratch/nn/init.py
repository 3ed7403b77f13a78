"""Weight initialisation drawing from the seeded stream exactly as torch.nn.init does.

Each function fills a Parameter (or array) in place and returns it.  With the same
seed, the uniform initialisers are bit-identical to torch's (float32 and float64);
the normal ones are bit-identical in float64 (on any CPU: the logarithm, sine and cosine
come from the C library, as in torch's kernel) and within one ulp in float32, where
torch's vectorised log/sin/cos round differently from NumPy's.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, TypeVar

import numpy as np

from scratch.nn.module import Array, Parameter
from scratch.random import Generator, default_generator

T = TypeVar("T", Parameter, np.ndarray)


def _array(tensor: Parameter | Array) -> Array:
    data = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(data, np.ndarray):
        raise TypeError(f"expected a Parameter or numpy array, got {type(tensor).__name__}")
    return data


def _fill(tensor: T, values: Array) -> T:
    data = _array(tensor)
    if data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return tensor
    data[...] = values
    return tensor


def _generator(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with U(a, b)."""
    data = _array(tensor)
    return _fill(tensor, _generator(generator).uniform(data.shape, a, b, data.dtype))


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with N(mean, std²)."""
    data = _array(tensor)
    return _fill(tensor, _generator(generator).normal(data.shape, mean, std, data.dtype))


def zeros_(tensor: T) -> T:
    return _fill(tensor, np.zeros(()))


def ones_(tensor: T) -> T:
    return _fill(tensor, np.ones(()))


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch's table)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Parameter | Array) -> tuple[int, int]:
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor: Parameter | Array, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He init: U(−bound, bound), bound = √3 · gain/√fan (computed in torch's order, to the last bit)."""
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else math.inf
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He init: N(0, std²), std = gain/√fan."""
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else math.inf
    return normal_(tensor, 0.0, std, generator)


def xavier_uniform_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot init: U(−a, a), a = √3 · gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot init: N(0, std²), std = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


__all__: list[Any] = [
    "calculate_gain",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
