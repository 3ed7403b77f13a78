"""Parity of the regression and binary losses with torch, the calling convention, and worked examples.

Cross-entropy and NLL are in test_losses_cross_entropy.py; both files drive a loss through
harness.check_module by fixing its target (``check_loss``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from common.parity import TOLERANCE
from parity_tests.harness import assert_close, check_module, check_rejects
from parity_tests.strategies import DTYPES, arrays, batch_shapes
from scratch import nn
from scratch.gradcheck import gradcheck
from scratch.nn import Module

REDUCTIONS = st.sampled_from(["none", "mean", "sum"])


class WithTarget(Module):
    """A loss with its target held fixed: a one-input module that check_module and gradcheck can drive."""

    def __init__(self, loss: Module, target: Any) -> None:
        super().__init__()
        self.loss = loss
        self.target = target

    def forward(self, x: Any) -> Any:
        return self.loss(x, self.target)

    def backward(self, grad_output: Any = None) -> Any:
        return self.loss.backward(grad_output)


class TorchWithTarget(torch.nn.Module):
    def __init__(self, loss: torch.nn.Module, target: Any) -> None:
        super().__init__()
        self.loss = loss
        self.target = torch.from_numpy(np.asarray(target))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.loss(x, self.target)


def check_loss(
    component: str, loss: Module, torch_loss: torch.nn.Module, x: Any, target: Any, grad: Any = None
) -> None:
    """Loss value and dL/dinput against torch (an upstream gradient is drawn when ``grad`` is None)."""
    check_module(component, WithTarget(loss, target), TorchWithTarget(torch_loss, target), x, grad, copy_weights=False)


def t(a: Any) -> torch.Tensor | None:
    return None if a is None else torch.from_numpy(np.asarray(a))


def probabilities(dtype: np.dtype[Any], shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """Values in [0, 1], often exactly 0, 1 or ½, sometimes tiny (1e-40 is subnormal in float32)."""
    width = 32 if dtype == np.float32 else 64
    edges = st.sampled_from([0.0, 1.0, 0.5, 1e-30, 1e-40, 1 - 2**-20])
    return hnp.arrays(dtype, shape, elements=st.one_of(edges, st.floats(0, 1, width=width)))


# ---- regression losses ---------------------------------------------------------------------------
REGRESSION = {
    "MSELoss": (lambda r, k: nn.MSELoss(reduction=r), lambda r, k: torch.nn.MSELoss(reduction=r)),
    "L1Loss": (lambda r, k: nn.L1Loss(reduction=r), lambda r, k: torch.nn.L1Loss(reduction=r)),
    "HuberLoss": (
        lambda r, k: nn.HuberLoss(reduction=r, delta=k),
        lambda r, k: torch.nn.HuberLoss(reduction=r, delta=k),
    ),
    "SmoothL1Loss": (
        lambda r, k: nn.SmoothL1Loss(reduction=r, beta=k),
        lambda r, k: torch.nn.SmoothL1Loss(reduction=r, beta=k),
    ),
}


@st.composite
def regression_case(draw: st.DrawFn) -> tuple[Any, ...]:
    dtype, shape = draw(DTYPES), draw(batch_shapes(st.integers(1, 4)))
    x, y = draw(arrays(dtype, shape)), draw(arrays(dtype, shape))
    k = draw(st.sampled_from([1.0, 0.5, 2.5, 0.0]))  # delta / beta (beta = 0 is L1)
    ties = draw(hnp.arrays(np.bool_, shape))
    kinks = draw(hnp.arrays(np.bool_, shape))
    y = np.where(ties, x, y)  # d = 0: the L1 kink
    y = np.where(kinks & ~ties, x - dtype.type(k or 1.0), y)  # |d| = delta or beta (up to rounding)
    return x, y.astype(dtype), k


@pytest.mark.parametrize("name", list(REGRESSION))
@given(case=regression_case(), reduction=REDUCTIONS)
def test_regression_losses_match_torch(name: str, case: tuple[Any, ...], reduction: str) -> None:
    x, y, k = case
    if name == "HuberLoss" and k == 0:
        k = 1.0
    ours, theirs = REGRESSION[name]
    check_loss(name, ours(reduction, k), theirs(reduction, k), x, y)


@pytest.mark.parametrize("name", list(REGRESSION))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_regression_losses_gradcheck(name: str, reduction: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    d = rng.choice([-1, 1], x.shape) * rng.uniform(0.1, 3, x.shape)  # away from 0 and from delta = beta = 1.5
    d[np.abs(np.abs(d) - 1.5) < 0.05] = 0.7
    assert gradcheck(WithTarget(REGRESSION[name][0](reduction, 1.5), x - d), x)


def test_mse_on_five_by_one() -> None:
    """The tutorial's example: predictions and targets of shape (5, 1)."""
    pred = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=np.float32)
    y = np.array([[1.5], [2.0], [2.0], [4.5], [5.0]], dtype=np.float32)
    criterion = nn.MSELoss()
    loss = criterion(pred, y)  # d = [-.5, 0, 1, -.5, 0] → mean d² = 1.5 / 5
    grad = criterion.backward()  # 2d / 5
    assert loss.shape == () and loss.dtype == np.float32 and loss == pytest.approx(0.3)
    np.testing.assert_allclose(grad[:, 0], [-0.2, 0, 0.4, -0.2, 0], rtol=1e-6)
    pred_t = torch.tensor(pred, requires_grad=True)
    loss_t = torch.nn.MSELoss()(pred_t, torch.tensor(y))
    loss_t.backward()
    assert_close("MSELoss", "forward", loss, loss_t)
    assert_close("MSELoss", "input gradient", grad, pred_t.grad)


def test_kinks_follow_torch() -> None:
    """L1'(0) = 0; Huber and SmoothL1 at |d| = δ take the linear branch; SmoothL1 with β = 0 is L1."""
    x = np.array([0.0, 1.0, -1.0, 2.0, -0.5])
    y = np.zeros_like(x)
    for name, k in [("L1Loss", 1.0), ("HuberLoss", 1.0), ("SmoothL1Loss", 1.0), ("SmoothL1Loss", 0.0)]:
        ours, theirs = REGRESSION[name]
        check_loss(name, ours("sum", k), theirs("sum", k), x, y, np.ones(()))
    assert nn.SmoothL1Loss(beta=0.0)(x, y) == nn.L1Loss(reduction="mean")(x, y)


def test_shape_mismatch_raises_where_torch_broadcasts() -> None:
    """Deliberate deviation: torch warns and turns (4, 1) vs (4,) into a (4, 4) loss; we raise."""
    x, y = np.ones((4, 1)), np.arange(4.0)
    with pytest.warns(UserWarning, match="different to the input size"):
        assert torch.nn.functional.mse_loss(t(x), t(y), reduction="none").shape == (4, 4)
    for loss in (nn.MSELoss(), nn.L1Loss(), nn.HuberLoss(), nn.SmoothL1Loss()):
        with pytest.raises(ValueError, match=r"target shape \(4,\) must equal input shape \(4, 1\)"):
            loss(x, y)


def test_regression_bad_arguments() -> None:
    x = np.zeros(3)
    check_rejects(
        lambda: nn.HuberLoss(delta=0.0)(x, x), lambda: torch.nn.HuberLoss(delta=0.0)(t(x), t(x)), match="delta"
    )
    check_rejects(
        lambda: nn.SmoothL1Loss(beta=-1.0)(x, x), lambda: torch.nn.SmoothL1Loss(beta=-1.0)(t(x), t(x)), match="beta"
    )
    for name in ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss"):
        check_rejects(
            lambda n=name: getattr(nn, n)(reduction="avg")(x, x),
            lambda n=name: getattr(torch.nn, n)(reduction="avg")(t(x), t(x)),
            match="'avg' is not a valid value for reduction",
        )


def test_mixed_dtypes_promote_like_torch() -> None:
    """A float64 target promotes a float32 loss (as in torch) but not its input gradient; an int target does not."""
    x = np.array([0.5, -1.0, 3.0], dtype=np.float32)
    check_loss("MSELoss", nn.MSELoss(), torch.nn.MSELoss(), x, np.array([1.0, 2.0, 3.0]))
    check_loss("L1Loss", nn.L1Loss(), torch.nn.L1Loss(), x, np.array([1, 2, 3]))


# ---- binary classification -------------------------------------------------------------------------
@st.composite
def bce_case(draw: st.DrawFn, logits: bool) -> tuple[Any, ...]:
    dtype, shape = draw(DTYPES), draw(batch_shapes(st.integers(1, 4)))
    x = draw(arrays(dtype, shape) if logits else probabilities(dtype, shape))
    y = draw(probabilities(dtype, shape))
    y = np.where(draw(hnp.arrays(np.bool_, shape)), x if not logits else y, y)  # ties x = y
    weight_shape = draw(st.sampled_from([None, shape, shape[-1:], ()]))
    positive = st.sampled_from([0.0, 0.5, 1.0, 2.5])
    w = None if weight_shape is None else draw(hnp.arrays(dtype, weight_shape, elements=positive))
    pw = draw(st.none() | hnp.arrays(dtype, shape[-1:], elements=positive)) if logits else None
    return x, y, w, pw


@given(case=bce_case(logits=False), reduction=REDUCTIONS)
def test_bce_matches_torch(case: tuple[Any, ...], reduction: str) -> None:
    x, y, w, _ = case
    check_loss("BCELoss", nn.BCELoss(w, reduction=reduction), torch.nn.BCELoss(t(w), reduction=reduction), x, y)


@given(case=bce_case(logits=True), reduction=REDUCTIONS)
def test_bce_with_logits_matches_torch(case: tuple[Any, ...], reduction: str) -> None:
    x, y, w, pw = case
    ours = nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)
    theirs = torch.nn.BCEWithLogitsLoss(t(w), reduction=reduction, pos_weight=t(pw))
    check_loss("BCEWithLogitsLoss", ours, theirs, x, y)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_gradcheck(reduction: str) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    w, pw = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 3, 3)
    assert gradcheck(WithTarget(nn.BCELoss(w, reduction=reduction), y), x)
    logits = rng.standard_normal((4, 3)) * 3
    assert gradcheck(WithTarget(nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw), y), logits)


def test_bce_at_probabilities_zero_and_one() -> None:
    """Each log is clamped at −100: a certain and wrong prediction costs 100, not inf; the gradient is ~1e12."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1e-40], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0], dtype=np.float32)
    losses = nn.BCELoss(reduction="none")(x, y)
    np.testing.assert_allclose(losses[:5], [100, 100, 0, 0, 50])
    assert 92 < losses[5] < 92.2  # log(1e-40) = −92.1 is not clamped
    check_loss("BCELoss", nn.BCELoss(reduction="none"), torch.nn.BCELoss(reduction="none"), x, y)
    check_loss("BCELoss", nn.BCELoss(), torch.nn.BCELoss(), x.astype(np.float64), y.astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_of_tiny_probabilities_is_relatively_exact(dtype: Any) -> None:
    """−log(1 − x) for x = 1e-20 is 1e-20, which log1p(−x) keeps and log(1 − x) rounds to 0.

    The parity metric, |a − b| / max(1, |b|), cannot see a difference of 1e-20, so this compares relative errors.
    """
    x = np.array([1e-20, 1e-30, 1e-8, 0.5], dtype=dtype)
    y = np.zeros_like(x)
    ours = nn.BCELoss(reduction="none")(x, y)
    theirs = torch.nn.BCELoss(reduction="none")(torch.from_numpy(x), torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(ours[:2], x[:2], rtol=1e-6)


def test_bce_with_logits_on_five_by_one() -> None:
    """The tutorial's example, plus logits of ±1e4 where σ rounds to 0 or 1 and the naive formula overflows."""
    logits = np.array([[2.0], [-1.0], [0.0], [1e4], [-1e4]], dtype=np.float32)
    y = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]], dtype=np.float32)
    criterion = nn.BCEWithLogitsLoss()
    loss = criterion(logits, y)  # (log1p(e^-2) + log1p(e^-1) + log 2 + 1e4 + 1e4) / 5
    assert loss.dtype == np.float32 and np.isfinite(loss) and loss == pytest.approx(4000.2267, rel=1e-6)
    grad = criterion.backward()  # (σ(x) − y) / 5
    np.testing.assert_allclose(grad[3:, 0], [0.2, -0.2])
    check_loss(
        "BCEWithLogitsLoss", nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), logits, y, np.ones((), np.float32)
    )


def test_bce_with_logits_equals_sigmoid_then_bce() -> None:
    """BCEWithLogits(x) = BCE(σ(x)) where σ(x) is not rounded to 0 or 1, with the same gradient."""
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((6, 2)) * 3, rng.uniform(0, 1, (6, 2))
    sigmoid, bce, fused = nn.Sigmoid(), nn.BCELoss(), nn.BCEWithLogitsLoss()
    np.testing.assert_allclose(bce(sigmoid(x), y), fused(x, y), rtol=1e-13)
    np.testing.assert_allclose(sigmoid.backward(bce.backward()), fused.backward(), rtol=1e-10, atol=1e-15)


def test_bce_bad_inputs() -> None:
    ok = np.array([0.2, 0.7])
    for bad in ([0.2, 1.5], [-0.1, 0.5], [np.nan, 0.5]):
        check_rejects(
            lambda b=bad: nn.BCELoss()(np.array(b), ok),
            lambda b=bad: torch.nn.BCELoss()(t(np.array(b)), t(ok)),
            match="input should be between 0 and 1",
        )
        check_rejects(
            lambda b=bad: nn.BCELoss()(ok, np.array(b)),
            lambda b=bad: torch.nn.BCELoss()(t(ok), t(np.array(b))),
            match="target should be between 0 and 1",
        )
    col = ok[:, None]
    check_rejects(
        lambda: nn.BCELoss()(ok, col), lambda: torch.nn.BCELoss()(t(ok), t(col)), match=r"target shape \(2, 1\)"
    )
    check_rejects(
        lambda: nn.BCELoss()(ok, ok.astype(np.float32)),
        lambda: torch.nn.BCELoss()(t(ok), t(ok.astype(np.float32))),
        match="dtype",
    )
    w = np.ones(3)
    check_rejects(lambda: nn.BCELoss(w)(ok, ok), lambda: torch.nn.BCELoss(t(w))(t(ok), t(ok)), match="weight of shape")


def test_bce_with_logits_bad_inputs() -> None:
    x = np.zeros((2, 3))
    check_rejects(
        lambda: nn.BCEWithLogitsLoss()(x, x[:, :1]),
        lambda: torch.nn.BCEWithLogitsLoss()(t(x), t(x[:, :1])),
        match="target shape",
    )
    pw = np.ones(4)
    check_rejects(
        lambda: nn.BCEWithLogitsLoss(pos_weight=pw)(x, x),
        lambda: torch.nn.BCEWithLogitsLoss(pos_weight=t(pw))(t(x), t(x)),
        match="pos_weight of shape",
    )
    y = np.zeros((2, 3), dtype=np.int64)
    check_rejects(
        lambda: nn.BCEWithLogitsLoss()(x, y),
        lambda: torch.nn.BCEWithLogitsLoss()(t(x), t(y)),
        match="target must be floating point",
    )


# ---- the calling convention --------------------------------------------------------------------
def test_backward_needs_grad_output_for_reduction_none() -> None:
    x = np.array([[0.5, -1.0]])
    ours = nn.MSELoss(reduction="none")
    ours(x, np.zeros_like(x))
    x_t = t(x).requires_grad_()
    torch_loss = torch.nn.MSELoss(reduction="none")(x_t, t(np.zeros_like(x)))
    check_rejects(lambda: ours.backward(), lambda: torch_loss.backward(), match="grad_output is required")
    with pytest.raises(ValueError, match=r"grad_output has shape \(3,\)"):
        ours.backward(np.ones(3))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.CrossEntropyLoss().backward()


def test_backward_uses_the_latest_call_and_grad_output_scales() -> None:
    criterion = nn.L1Loss(reduction="sum")
    criterion(np.array([1.0, -2.0]), np.zeros(2))
    criterion(np.array([-3.0, 4.0, 0.0]), np.zeros(3))
    np.testing.assert_array_equal(criterion.backward(), [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(criterion.backward(np.array(2.0)), [-2.0, 2.0, 0.0])


def test_float64_target_with_float32_logits() -> None:
    """torch accepts this pair and returns a float64 loss, but evaluates log σ(x) in float32 first, so the
    float64 value carries float32 rounding: it is compared at the float32 tolerance, under its own row."""
    x = np.array([[2.0, -1.0], [1e4, 0.5]], dtype=np.float32)
    y = np.array([[0.0, 1.0], [0.3, 1.0]])
    criterion = nn.BCEWithLogitsLoss()
    loss = criterion(x, y)
    x_t = t(x).requires_grad_()
    loss_t = torch.nn.BCEWithLogitsLoss()(x_t, t(y))
    loss_t.backward()
    component = "BCEWithLogitsLoss (float32 input, float64 target)"
    assert_close(component, "forward", loss, loss_t, tol=TOLERANCE[np.dtype(np.float32)])
    assert_close(component, "input gradient", criterion.backward(), x_t.grad)
