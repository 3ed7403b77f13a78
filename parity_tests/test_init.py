"""scratch.nn.init draws exactly what torch.nn.init draws from the same seed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close
from parity_tests.strategies import DTYPES, seeds
from scratch import nn
from scratch.nn import init

TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

# name -> (scratch call, torch call); the normals are within an ulp in float32 (torch vectorises sin/cos/log)
INITS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "uniform_": (lambda t: init.uniform_(t, -0.5, 2.0), lambda t: torch.nn.init.uniform_(t, -0.5, 2.0)),
    "kaiming_uniform_": (
        lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
        lambda t: torch.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
    ),
    "kaiming_uniform_(relu, fan_out)": (
        lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
        lambda t: torch.nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
    ),
    "xavier_uniform_": (
        lambda t: init.xavier_uniform_(t, gain=2.0),
        lambda t: torch.nn.init.xavier_uniform_(t, gain=2.0),
    ),
    "normal_": (lambda t: init.normal_(t, 1.0, 3.0), lambda t: torch.nn.init.normal_(t, 1.0, 3.0)),
    "kaiming_normal_": (lambda t: init.kaiming_normal_(t), lambda t: torch.nn.init.kaiming_normal_(t)),
    "kaiming_normal_(relu, fan_out)": (
        lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
        lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
    ),
    "kaiming_normal_(leaky_relu, a=0.2)": (
        lambda t: init.kaiming_normal_(t, a=0.2, nonlinearity="leaky_relu"),
        lambda t: torch.nn.init.kaiming_normal_(t, a=0.2, nonlinearity="leaky_relu"),
    ),
    "xavier_normal_": (lambda t: init.xavier_normal_(t), lambda t: torch.nn.init.xavier_normal_(t)),
    "zeros_": (init.zeros_, torch.nn.init.zeros_),
    "ones_": (init.ones_, torch.nn.init.ones_),
}


@pytest.mark.parametrize("name", list(INITS))
@given(seed=seeds(), rows=st.integers(1, 20), cols=st.integers(1, 20), dtype=DTYPES)
def test_init_matches_torch(name: str, seed: int, rows: int, cols: int, dtype: np.dtype) -> None:
    ours_fn, theirs_fn = INITS[name]
    scratch.manual_seed(seed)
    torch.manual_seed(seed)
    ours = ours_fn(scratch.nn.Parameter(np.empty((rows, cols), dtype)))
    theirs = theirs_fn(torch.empty(rows, cols, dtype=TORCH[dtype]))
    bitwise = "normal" not in name or dtype == np.float64 or rows * cols < 16
    assert_close(f"init.{name.split('(')[0]}", "values", ours.data, theirs, tol=0.0 if bitwise else 1e-6)


def test_explicit_generator_and_plain_arrays() -> None:
    g = scratch.Generator().manual_seed(5)
    ours = init.xavier_uniform_(np.empty((3, 4), np.float32), generator=g)
    theirs = torch.nn.init.xavier_uniform_(torch.empty(3, 4), generator=torch.Generator().manual_seed(5))
    assert_close("init.xavier_uniform_", "values", ours, theirs, tol=0.0)


def test_gain_table_and_errors() -> None:
    for name in ("linear", "sigmoid", "tanh", "relu", "selu"):
        assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)
    assert init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(np.zeros(3))
    with pytest.raises(ValueError, match="Mode fan_middle not supported"):
        init.kaiming_uniform_(np.zeros((2, 2)), mode="fan_middle")
    with pytest.raises(TypeError, match="Parameter or numpy array"):
        init.zeros_([1.0, 2.0])  # type: ignore[type-var]
    with pytest.warns(UserWarning, match="zero-element"):  # torch's He initialisers warn; uniform_ does not
        init.kaiming_uniform_(np.zeros((0, 3)))
    with pytest.warns(UserWarning, match="zero-element"):
        nn.Linear(0, 3)
    assert init.uniform_(np.zeros((0, 3))).shape == (0, 3)


GAIN_NAMES = [
    *["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"],
    *["sigmoid", "tanh", "relu", "leaky_relu", "selu", "Leaky_ReLU", "swish", "", None, 3],
]
GAIN_PARAMS = [None, 0, 1, -3, 2**70, 0.2, -0.5, math.nan, math.inf, 1e200, np.float64(0.2), np.float32(0.2)]
GAIN_PARAMS += [np.int64(1), True, False, "0.2", [0.2], 1 + 0j]


@pytest.mark.parametrize("nonlinearity", GAIN_NAMES)
@pytest.mark.parametrize("param", GAIN_PARAMS, ids=repr)
def test_calculate_gain_accepts_and_refuses_what_torch_does(nonlinearity: Any, param: Any) -> None:
    """Every name of torch's table with every kind of slope: the same gain, or the same error and message
    (torch takes an int that is not a bool, or a float — NumPy's float64 is one, its float32 and int64 are not)."""
    try:
        expected: Any = torch.nn.init.calculate_gain(nonlinearity, param)
    except Exception as error:  # whichever torch raises, scratch must raise the same, with the same message
        refusal: Exception | None = error
    else:
        refusal = None
    if refusal is not None:
        with pytest.raises(type(refusal)) as info:
            init.calculate_gain(nonlinearity, param)
        assert str(info.value) == str(refusal)
    else:
        gain = init.calculate_gain(nonlinearity, param)
        assert type(gain) is type(expected)
        assert gain == expected or (math.isnan(gain) and math.isnan(expected))
