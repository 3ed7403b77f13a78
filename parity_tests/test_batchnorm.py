"""BatchNorm1d against torch: both modes, every gradient, the running statistics over steps, options and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
from parity_tests.harness import assert_close, check_rejects, check_state
from parity_tests.strategies import DTYPES, arrays
from scratch import nn
from scratch.nn import functional as F

TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
OPTIONS = st.fixed_dictionaries(
    {
        "eps": st.sampled_from([1e-5, 1e-3, 0.1, 0.0]),
        "momentum": st.one_of(st.none(), st.sampled_from([0.1, 0.5, 1.0, 0.0]), st.floats(0.01, 0.99)),
        "affine": st.booleans(),
        "track_running_stats": st.booleans(),
        "bias": st.booleans(),
    }
)


def twins(channels: int, dtype: np.dtype, **options: Any) -> tuple[nn.BatchNorm1d, torch.nn.BatchNorm1d]:
    ours = nn.BatchNorm1d(channels, dtype=dtype, **options)
    theirs = torch.nn.BatchNorm1d(channels, dtype=TORCH[dtype], **options)
    rng = np.random.default_rng(channels)
    for p in ours.parameters():  # γ and β away from their initial 1 and 0, so that both gradients matter
        p.data[...] = rng.uniform(0.5, 2.0, p.shape)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def input_gradient_tolerance(layer: nn.BatchNorm1d, g: np.ndarray) -> float | None:
    """float32's tolerance scaled by the size of the terms dL/dx is the difference of.

    With batch statistics dL/dx = (ĝ − mean ĝ − x̂·mean ĝx̂)/√(σ² + ε): its terms are about |ĝ|/√(σ² + ε), and
    when they cancel, float32 rounding of that size remains.  torch's own float32 kernel is that far from the
    exact value: on (x = [0.25, 0, 0, 0, 0], g = [0, 5, 5, 5, 5]) its dL/dx is 1.1e-5 from the float64 result,
    scratch's (which sums in float64, as torch's multi-threaded kernel does) 1.1e-6.  float64 keeps 1e-10.
    """
    x_hat, invstd, batch_stats = layer.saved.x_hat, layer.saved.invstd, layer.saved.batch_stats
    if x_hat.dtype != np.float32 or not batch_stats or g.size == 0:
        return None
    g_hat = (
        np.abs(g) if layer.weight is None else np.abs(g) * np.abs(layer.weight.data).reshape(1, -1, *[1] * (g.ndim - 2))
    )
    scale = float(np.max(g_hat.max(axis=tuple(i for i in range(g.ndim) if i != 1)) * invstd))
    return 1e-5 * max(1.0, scale)


def step(ours: nn.BatchNorm1d, theirs: torch.nn.BatchNorm1d, x: np.ndarray, g: np.ndarray, mode: str) -> None:
    """One forward and backward through both, compared: output, dL/dx, dL/dγ, dL/dβ and the buffers."""
    component = f"BatchNorm1d ({mode})"
    ours.zero_grad()
    theirs.zero_grad()
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = theirs(xt)
    y = ours(x.copy())
    assert_close(component, "forward", y, yt)
    yt.backward(torch.from_numpy(g.copy()))
    assert_close(component, "input gradient", ours.backward(g.copy()), xt.grad, tol=input_gradient_tolerance(ours, g))
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert_close(component, f"{name}.grad", p.grad, tp.grad)
    check_state(component, ours.state_dict(), theirs.state_dict())


@given(
    data=st.data(),
    channels=st.integers(1, 5),
    batch=st.integers(2, 8),
    length=st.one_of(st.none(), st.integers(1, 4)),
    dtype=DTYPES,
    options=OPTIONS,
    steps=st.integers(1, 3),
)
def test_training_then_evaluation_match_torch(
    data: st.DataObject,
    channels: int,
    batch: int,
    length: int | None,
    dtype: np.dtype,
    options: dict[str, Any],
    steps: int,
) -> None:
    """k training steps (running statistics and num_batches_tracked after each), then evaluation."""
    if options["eps"] == 0 and not options["track_running_stats"]:
        options["eps"] = 1e-5  # torch refuses eps = 0 with batch statistics (tested below); eval-only otherwise
    ours, theirs = twins(channels, dtype, **options)
    shape = (batch, channels) if length is None else (batch, channels, length)
    # moderate values: batch statistics of values 1e4 apart cancel, and with eps = 0 a constant channel is 0/0
    x_values = arrays(dtype, shape, max_magnitude=100.0).filter(lambda a: np.ptp(a, axis=0).min() > 1e-2)
    for _ in range(steps if options["eps"] > 0 else 0):
        step(ours.train(), theirs.train(), data.draw(x_values), data.draw(arrays(dtype, shape, 10.0)), "train")
    step(ours.eval(), theirs.eval(), data.draw(x_values), data.draw(arrays(dtype, shape, 10.0)), "eval")


def test_batch_norm_example_a_reader_can_follow() -> None:
    """One channel holding 1, 2, 3, 4: μ = 2.5, σ² = 1.25 (biased), so x̂ = (x − 2.5)/√(1.25 + ε); the running
    mean moves a tenth of the way to 2.5 and the running variance a tenth of the way to 5/3 (unbiased)."""
    layer = nn.BatchNorm1d(1, eps=1e-5, dtype=np.float64)
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = layer(x)
    assert np.allclose(y[:, 0], (x[:, 0] - 2.5) / np.sqrt(1.25 + 1e-5), rtol=1e-15)
    assert np.allclose(layer.running_mean, [0.25]) and np.allclose(layer.running_var, [0.9 + 0.1 * 5 / 3])
    # g = 1 everywhere: Σĝ = m and Σĝx̂ = 0, so dL/dx = 0 — shifting a whole channel does not change x̂
    assert np.allclose(layer.backward(np.ones_like(x)), 0.0, atol=1e-15)
    assert int(layer.num_batches_tracked) == 1


def test_momentum_none_is_the_cumulative_average() -> None:
    ours, theirs = twins(3, np.dtype(np.float64), momentum=None)
    batches = [np.random.default_rng(i).standard_normal((6, 3)) * (i + 1) for i in range(4)]
    for x in batches:
        ours(x)
        theirs(torch.from_numpy(x))
    assert np.allclose(ours.running_mean, np.mean([x.mean(axis=0) for x in batches], axis=0), rtol=1e-14)
    check_state("BatchNorm1d momentum=None", ours.state_dict(), theirs.state_dict())


@pytest.mark.parametrize("track", [True, False])
def test_gradcheck_in_both_modes(track: bool) -> None:
    x = np.random.default_rng(0).standard_normal((5, 3, 2))
    layer = nn.BatchNorm1d(3, dtype=np.float64, track_running_stats=track)
    for p in layer.parameters():
        p.data[...] = np.random.default_rng(1).uniform(0.5, 2, p.shape)
    assert scratch.gradcheck(layer.train(), x)
    layer(x)  # running statistics away from 0 and 1
    assert scratch.gradcheck(layer.eval(), x)


def test_functional_batch_norm_matches_torch_and_updates_the_running_statistics_in_place() -> None:
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((7, 4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    mean, var = np.zeros(4), np.ones(4)
    tmean, tvar = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    args = [torch.from_numpy(a) for a in (w, b)]
    for training in (True, False):
        y = F.batch_norm(x, mean, var, w, b, training=training, momentum=0.3, eps=1e-3)
        yt = torch.nn.functional.batch_norm(torch.from_numpy(x), tmean, tvar, *args, training, 0.3, 1e-3)
        assert_close("batch_norm", f"forward (training={training})", y, yt)
        assert_close("batch_norm", "running mean", mean, tmean)
        assert_close("batch_norm", "running var", var, tvar)


def test_an_empty_batch_changes_only_the_count_as_in_torch() -> None:
    ours, theirs = twins(3, np.dtype(np.float32))
    y = ours(np.zeros((0, 3), np.float32))
    theirs(torch.zeros(0, 3))
    assert y.shape == (0, 3)
    check_state("BatchNorm1d empty batch", ours.state_dict(), theirs.state_dict())
    assert ours.backward(np.zeros((0, 3), np.float32)).shape == (0, 3)


def test_state_dict_keys_and_repr_are_torchs() -> None:
    for options in ({}, {"affine": False}, {"track_running_stats": False}, {"bias": False}, {"momentum": None}):
        ours, theirs = nn.BatchNorm1d(4, **options), torch.nn.BatchNorm1d(4, **options)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        assert repr(ours) == repr(theirs)


def unchanged_after(layer: nn.BatchNorm1d, call: Any) -> None:
    before = layer.state_dict()
    with pytest.raises((ValueError, TypeError)):
        call()
    check_state("BatchNorm1d after a refused call", layer.state_dict(), before)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.ones((1, 3), np.float32), "Expected more than 1 value per channel when training"),
        (np.ones((1, 3, 1), np.float32), "Expected more than 1 value per channel when training"),
        (np.ones((4, 4), np.float32), "expected 3 features"),
        (np.ones(3, np.float32), "expected 2D or 3D input"),
        (np.ones((2, 3, 2, 2), np.float32), "expected 2D or 3D input"),
    ],
)
def test_bad_batches_are_refused_as_torch_refuses_them_and_nothing_changes(x: np.ndarray, match: str) -> None:
    ours, theirs = twins(3, np.dtype(np.float32))
    check_rejects(lambda: ours(x), lambda: theirs(torch.from_numpy(x)), match=match)
    unchanged_after(ours, lambda: ours(x))


def test_a_batch_of_one_is_fine_in_evaluation_with_running_statistics() -> None:
    ours, theirs = twins(3, np.dtype(np.float32))
    x = np.arange(3, dtype=np.float32).reshape(1, 3)
    assert_close("BatchNorm1d", "eval, batch of one", ours.eval()(x), theirs.eval()(torch.from_numpy(x)))
    without = nn.BatchNorm1d(3, track_running_stats=False).eval()  # batch statistics even in eval: refused
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        without(x)


def test_eps_zero_is_refused_with_batch_statistics_as_in_torch() -> None:
    ours, theirs = twins(3, np.dtype(np.float32), eps=0.0)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    check_rejects(lambda: ours(x), lambda: theirs(torch.from_numpy(x)), match="eps must be positive during training")
    unchanged_after(ours, lambda: ours(x))
    assert_close("BatchNorm1d", "eval with eps = 0", ours.eval()(x), theirs.eval()(torch.from_numpy(x)))


def test_other_bad_input_gets_a_clear_error() -> None:
    layer = nn.BatchNorm1d(3)
    unchanged_after(layer, lambda: layer(np.ones((4, 3), np.float64)))  # torch: "mixed dtype"
    unchanged_after(layer, lambda: layer(np.ones((4, 3), np.int64)))
    for kwargs in ({"num_features": -1}, {"num_features": 2.5}, {"num_features": 3, "eps": -1.0}):
        with pytest.raises((ValueError, TypeError), match="BatchNorm1d"):
            nn.BatchNorm1d(**kwargs)
    with pytest.raises(RuntimeError, match="before forward"):
        nn.BatchNorm1d(3).backward(np.ones((2, 3), np.float32))
    layer(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="grad_output has shape"):
        layer.backward(np.ones((4, 2), np.float32))
