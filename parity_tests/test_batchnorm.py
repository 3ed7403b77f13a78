"""BatchNorm1d against torch: both modes, every gradient, the running statistics over steps, options and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch
from parity_tests.harness import assert_close, check_rejects, check_state
from parity_tests.strategies import DTYPES, arrays
from scratch import nn
from scratch.nn import functional as F
from scratch.nn.functional import normalization as N

TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
EPS32 = float(np.finfo(np.float32).eps)
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


def channel_axes(a: np.ndarray) -> tuple[int, ...]:
    """The axes a channel's values lie along: all but axis 1."""
    return (0,) if a.ndim == 2 else (0, 2)


def per_channel(v: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A (C,) vector shaped to broadcast along axis 1 of ``like``."""
    return v.reshape((1, -1) if like.ndim == 2 else (1, -1, 1))


def channel_mean(a: np.ndarray) -> np.ndarray:
    return a.mean(axis=channel_axes(a))


def saved(layer: nn.BatchNorm1d) -> tuple[np.ndarray, np.ndarray, bool]:
    """What the layer's forward saved: x̂ laid out as its input was, 1/√(σ² + ε), and whether the statistics were
    the batch's."""
    s = layer.saved
    return N.unrows(s.x_hat, s.shape) if len(s.shape) == 3 else s.x_hat, s.invstd, s.batch_stats


ULPS = 4
"""How many float32 ulps of x̂'s size each side's rounding may cost: measured, the two sides differ by at most
0.7 of the bounds below over thousands of ill-conditioned batches (so 4 leaves room for other CPUs)."""


def x_hat_rounding(layer: nn.BatchNorm1d, x: np.ndarray) -> np.ndarray | None:
    """Per element, the size of the rounding in x̂ = (x − μ)/√(σ² + ε) in float32: (|x| + |μ|)/√(σ² + ε) ulps.

    x − μ cancels: a channel of values near 81 that differ by 0.1 has x̂ of size 1 computed from numbers of size
    81 (both sides' μ, and x − μ, are rounded at that size), so x̂ carries an error of 81/σ ulps, not 1.  That is
    the input's conditioning, not either side's mistake: torch's own float32 result moves with its thread count.
    None where no bound beyond the standard tolerance is needed (float64, or the running statistics).
    """
    x_hat, invstd, batch_stats = saved(layer)
    if x_hat.dtype != np.float32 or not batch_stats or x.size == 0:
        return None
    mu = np.abs(channel_mean(x.astype(np.float64)))
    return (np.abs(x) + per_channel(mu, x)) * per_channel(invstd.astype(np.float64), x)


def output_tolerance(layer: nn.BatchNorm1d, x: np.ndarray) -> float | None:
    """y = γ·x̂ + β: an error δ in x̂ (``x_hat_rounding``) is |γ|·δ in y."""
    rounding = x_hat_rounding(layer, x)
    if rounding is None:
        return None
    gamma = 1.0 if layer.weight is None else per_channel(np.abs(layer.weight.data), x)
    return max(1e-5, ULPS * EPS32 * float(np.max(gamma * rounding)))


def input_gradient_tolerance(layer: nn.BatchNorm1d, x: np.ndarray, g: np.ndarray) -> float | None:
    """float32's tolerance scaled by the size of the terms dL/dx is the difference of, and by x̂'s rounding.

    With batch statistics dL/dx = (ĝ − mean ĝ − x̂·mean ĝx̂)/√(σ² + ε): its terms are about |ĝ|/√(σ² + ε), and
    when they cancel, float32 rounding of that size remains.  torch's own float32 kernel is that far from the
    exact value: on (x = [0.25, 0, 0, 0, 0], g = [0, 5, 5, 5, 5]) its dL/dx is 1.1e-5 from the float64 result,
    scratch's (which sums in float64, as torch's multi-threaded kernel does) 1.1e-6.  And an error δ in x̂
    (``x_hat_rounding``) moves dL/dx by (δ·mean ĝx̂ + x̂·mean ĝδ)/√(σ² + ε).  float64 keeps 1e-10.
    """
    rounding = x_hat_rounding(layer, x)
    if rounding is None or g.size == 0:
        return None
    x_hat, invstd, _ = saved(layer)
    g_hat = np.abs(g) if layer.weight is None else np.abs(g) * per_channel(np.abs(layer.weight.data), g)
    axes = channel_axes(g)
    terms = np.max(g_hat.max(axis=axes) * invstd)
    moved = invstd * (
        g_hat.max(axis=axes) * rounding.max(axis=axes)
        + np.abs(x_hat).max(axis=axes) * (g_hat * rounding).mean(axis=axes)
    )
    return max(1e-5 * max(1.0, float(terms)), ULPS * EPS32 * float(moved.max()))


def weight_gradient_tolerance(layer: nn.BatchNorm1d, x: np.ndarray, g: np.ndarray) -> float | None:
    """dL/dγ = Σ g·x̂: an error δ in x̂ (``x_hat_rounding``) moves it by Σ |g|·δ, so the bound is that many ulps.

    Not Σ |g·x̂| ulps (the size of the sum's terms): on channels of repeated values near 81 the two sides differ by
    thousands of those, and by under one of these.
    """
    rounding = x_hat_rounding(layer, x)
    if rounding is None:
        return None
    return max(1e-5, ULPS * EPS32 * float((np.abs(g) * rounding).sum(axis=channel_axes(g)).max()))


def step(ours: nn.BatchNorm1d, theirs: torch.nn.BatchNorm1d, x: np.ndarray, g: np.ndarray, mode: str) -> None:
    """One forward and backward through both, compared: output, dL/dx, dL/dγ, dL/dβ and the buffers."""
    component = f"BatchNorm1d ({mode})"
    ours.zero_grad()
    theirs.zero_grad()
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = theirs(xt)
    y = ours(x.copy())
    assert_close(component, "forward", y, yt, tol=output_tolerance(ours, x))
    yt.backward(torch.from_numpy(g.copy()))
    dx_tol, dweight_tol = input_gradient_tolerance(ours, x, g), weight_gradient_tolerance(ours, x, g)
    assert_close(component, "input gradient", ours.backward(g.copy()), xt.grad, tol=dx_tol)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert_close(component, f"{name}.grad", p.grad, tp.grad, tol=dweight_tol if name == "weight" else None)
    check_state(component, ours.state_dict(), theirs.state_dict())


def repeated_values(dtype: np.dtype, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Channels of two or three values repeated, possibly close together: x̂ at its worst conditioned."""
    values = st.lists(st.floats(-100, 100, width=32), min_size=2, max_size=3, unique=True)
    return values.flatmap(lambda v: hnp.arrays(dtype, shape, elements=st.sampled_from(v)))


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
    x_values = st.one_of(arrays(dtype, shape, max_magnitude=100.0), repeated_values(dtype, shape)).filter(
        lambda a: np.ptp(a, axis=0).min() > 1e-2
    )
    for _ in range(steps if options["eps"] > 0 else 0):
        step(ours.train(), theirs.train(), data.draw(x_values), data.draw(arrays(dtype, shape, 10.0)), "train")
    step(ours.eval(), theirs.eval(), data.draw(x_values), data.draw(arrays(dtype, shape, 10.0)), "eval")


def test_the_weight_gradient_bound_is_the_conditioning_of_x_hat() -> None:
    """Eight rows of 81.1 and 81.2 (float32): σ ≈ 0.043, so x̂ ≈ ±1.3 is computed from numbers of size 81 and
    carries 81/σ ≈ 1900 times the error of a well-conditioned x̂.  dγ = Σ g·x̂ then differs between the sides by
    thousands of ulps of Σ |g·x̂| (so that is not the bound), by well under one ulp of Σ |g|·(|x| + |μ|)/√(σ² + ε),
    and each side is that close to the exact value too.  On a well-conditioned batch the bound is the plain 1e-5."""
    x = np.array([81.1, 81.1, 81.2, 81.2, 81.2, 81.2, 81.2, 81.2], np.float32).reshape(8, 1)
    g = np.array([1, -10, -2, -2, -6, -5, -10, -1], np.float32).reshape(8, 1)
    ours, theirs = twins(1, np.dtype(np.float32))
    ours.weight.data[...] = 1.0
    theirs.weight.data[...] = 1.0
    ours(x)
    theirs(torch.from_numpy(x)).backward(torch.from_numpy(g))
    ours.backward(g)
    x64 = x.astype(np.float64)
    exact = float(np.sum(g * (x64 - x64.mean()) / np.sqrt(x64.var() + 1e-5)))
    ulp_of_terms = EPS32 * float(np.sum(np.abs(g * saved(ours)[0])))
    tol = weight_gradient_tolerance(ours, x, g)
    assert tol is not None and tol > 1e-3  # the bound, ULPS ulps of the conditioning: far above float32's 1e-5
    ulp_of_conditioning = tol / ULPS
    ours_dgamma, theirs_dgamma = float(ours.weight.grad[0]), float(theirs.weight.grad[0])
    assert abs(ours_dgamma - theirs_dgamma) > 100 * ulp_of_terms  # the size of the sum's terms does not bound it
    for value in (ours_dgamma, theirs_dgamma):
        assert abs(value - exact) < ulp_of_conditioning  # both sides: within one ulp of the conditioning
    assert_close("BatchNorm1d (train)", "weight.grad, ill-conditioned", ours.weight.grad, theirs.weight.grad, tol=tol)
    well = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    layer = nn.BatchNorm1d(3)
    layer(well)
    assert weight_gradient_tolerance(layer, well, np.ones_like(well)) == 1e-5
    terms = float(np.max(saved(layer)[1]))  # max |ĝ|/√(σ² + ε) with g = 1 and γ = 1: the rounding of the terms
    assert input_gradient_tolerance(layer, well, np.ones_like(well)) == 1e-5 * max(1.0, terms)


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
