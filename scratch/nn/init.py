"""Weight initialisation drawing from the seeded stream exactly as torch.nn.init does.

Each function fills a Parameter (or array) in place and returns it; its arguments are checked
first, so a bad one raises and leaves the array and the random stream as they were.  With the same
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

from common import Array, checks
from scratch.nn.module import Parameter
from scratch.random import Generator, default_generator

T = TypeVar("T", Parameter, np.ndarray)


def _array(tensor: Parameter | Array) -> Array:
    data = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(data, np.ndarray):
        raise TypeError(f"expected a Parameter or numpy array, got {type(tensor).__name__}")
    return data


def _floating(name: str, tensor: Parameter | Array) -> Array:
    """A random initialiser needs float32 or float64 values (torch: "normal_kernel_cpu" not implemented for 'Long')."""
    data = _array(tensor)
    checks.float_dtype(f"init.{name}", data.dtype)
    return data


def _fill(tensor: T, values: Array) -> T:
    _array(tensor)[...] = values
    return tensor


def _generator(name: str, generator: Any) -> Generator:
    """The stream to draw from: ``generator``, or the global one when it is None."""
    if generator is not None and not isinstance(generator, Generator):
        hint = " (a torch.Generator draws for torch.nn.init)" if type(generator).__module__.startswith("torch") else ""
        raise TypeError(
            f"init.{name}: generator must be a scratch.Generator or None, got {type(generator).__name__}{hint}"
        )
    return default_generator if generator is None else generator


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with U(a, b)."""
    data = _floating("uniform_", tensor)
    stream = _generator("uniform_", generator)
    _check_uniform_bounds(a, b, data.dtype)
    return _fill(tensor, stream.uniform(data.shape, a, b, data.dtype))


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> T:
    """Fill with N(mean, std²)."""
    data = _floating("normal_", tensor)
    stream = _generator("normal_", generator)
    checks.real("init.normal_", "mean", mean)
    if not checks.real("init.normal_", "std", std) >= 0:  # NaN too, as torch
        raise ValueError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, stream.normal(data.shape, mean, std, data.dtype))


def _check_uniform_bounds(a: float, b: float, dtype: np.dtype[Any]) -> None:
    """torch's checks: both bounds finite in the dtype, a ≤ b, and b − a representable."""
    largest = float(np.finfo(dtype).max)
    for name, bound in (("from", a), ("to", b)):
        if not -largest <= checks.real("init.uniform_", name, bound) <= largest:
            raise ValueError(f"uniform_: {name}={bound} is out of bounds for {dtype}")
    if a > b:
        raise ValueError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    if b - a > largest:
        raise ValueError(f"uniform_ expects to-from <= the largest {dtype}, but found to={b} and from={a}")


def zeros_(tensor: T) -> T:
    return _fill(tensor, np.zeros((), _array(tensor).dtype))


def ones_(tensor: T) -> T:
    return _fill(tensor, np.ones((), _array(tensor).dtype))


LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch's table); ``param`` is leaky_relu's slope (others ignore it)."""
    if nonlinearity in LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _slope(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _slope(param: Any) -> float:
    """leaky_relu's slope as torch takes it: an int (not a bool) or a float (NumPy's float64 is one)."""
    if isinstance(param, bool) or not isinstance(param, (int, float)):
        raise ValueError(f"negative_slope {param} not a valid number")
    return param


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


def _is_empty(tensor: Parameter | Array) -> bool:
    """torch's He initialisers warn and do nothing on a tensor with no elements (a Linear with 0 inputs)."""
    if _array(tensor).size:
        return False
    warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
    return True


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He init: U(−bound, bound), bound = √3 · gain/√fan (computed in torch's order, to the last bit)."""
    _generator("kaiming_uniform_", generator)
    if _is_empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
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
    _generator("kaiming_normal_", generator)
    if _is_empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def xavier_uniform_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot init: U(−a, a), a = √3 · gain·√(2/(fan_in + fan_out))."""
    _generator("xavier_uniform_", generator)
    checks.real("init.xavier_uniform_", "gain", gain)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot init: N(0, std²), std = gain·√(2/(fan_in + fan_out))."""
    _generator("xavier_normal_", generator)
    checks.real("init.xavier_normal_", "gain", gain)
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
