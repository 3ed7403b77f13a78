"""Parity of CrossEntropyLoss and NLLLoss with torch: every target kind, weight, ignore_index, smoothing and
reduction; the fused gradient against the step-by-step one; CrossEntropyLoss = NLLLoss(LogSoftmax)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests.harness import assert_close, check_rejects
from parity_tests.strategies import DTYPES, arrays
from parity_tests.test_losses import REDUCTIONS, WithTarget, check_loss, probabilities, t
from scratch import nn
from scratch.gradcheck import gradcheck
from scratch.nn import functional as F
from scratch.nn.functional.cross_entropy import cross_entropy_parts, fused_gradient, is_plain, target_weights

SMOOTHING = st.sampled_from([0.0, 0.0, 0.1, 0.25, 1.0, -0.1])  # torch treats a negative value as 0


@st.composite
def classification_case(draw: st.DrawFn, probs: bool = False, max_magnitude: float = 1e4) -> dict[str, Any]:
    """Logits of shape (C,), (N, C) or (N, C, d), targets, and torch's options for them."""
    dtype, C = draw(DTYPES), draw(st.integers(1, 5))
    layout = draw(st.sampled_from([(), (draw(st.integers(1, 6)),), (draw(st.integers(1, 3)), draw(st.integers(1, 3)))]))
    shape = (C,) if not layout else (layout[0], C, *layout[1:])
    x = draw(arrays(dtype, shape, max_magnitude))
    if draw(st.integers(0, 9)) == 0:
        x = np.full(shape, x.flat[0])  # every class tied
    weight = draw(st.none() | hnp.arrays(dtype, (C,), elements=st.sampled_from([0.0, 0.5, 1.0, 2.5])))
    case = {"x": x, "weight": weight, "reduction": draw(REDUCTIONS)}
    if probs:
        target = draw(probabilities(dtype, shape))
        if draw(st.booleans()) and x.ndim > 1:  # scale rows to sum to at most 1, like distributions
            target = target / np.maximum(target.sum(axis=1, keepdims=True), 1)
        return {**case, "target": target.astype(dtype), "ignore_index": -100}
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    y = draw(hnp.arrays(np.int64, target_shape, elements=st.integers(0, C - 1)))
    ignore_index = draw(st.sampled_from([-100, 0, C + 2]))
    y = np.where(draw(hnp.arrays(np.bool_, target_shape)), ignore_index, y)
    return {**case, "target": y, "ignore_index": ignore_index}


def criteria(case: dict[str, Any], smoothing: float | None) -> tuple[nn.Module, torch.nn.Module]:
    """The scratch and torch criterion for a case: CrossEntropyLoss, or NLLLoss when smoothing is None."""
    options = {"ignore_index": case["ignore_index"], "reduction": case["reduction"]}
    if smoothing is None:
        return nn.NLLLoss(case["weight"], **options), torch.nn.NLLLoss(t(case["weight"]), **options)
    options["label_smoothing"] = smoothing
    return nn.CrossEntropyLoss(case["weight"], **options), torch.nn.CrossEntropyLoss(t(case["weight"]), **options)


@given(case=classification_case(), smoothing=SMOOTHING)
def test_cross_entropy_class_indices(case: dict[str, Any], smoothing: float) -> None:
    check_loss("CrossEntropyLoss", *criteria(case, smoothing), case["x"], case["target"])


@given(case=classification_case(probs=True), smoothing=SMOOTHING)
def test_cross_entropy_class_probabilities(case: dict[str, Any], smoothing: float) -> None:
    check_loss("CrossEntropyLoss", *criteria(case, smoothing), case["x"], case["target"])


@given(case=classification_case())
def test_nll_loss(case: dict[str, Any]) -> None:
    check_loss("NLLLoss", *criteria(case, None), case["x"], case["target"])


@given(case=classification_case())
def test_cross_entropy_is_nll_of_log_softmax(case: dict[str, Any]) -> None:
    """The tutorial's sentence, proven: CrossEntropyLoss combines LogSoftmax and NLLLoss, bit for bit for the loss
    and for the general gradient p·Σq − q; the plain case's textbook (p − onehot)/N rounds in another order."""
    ce, ce_torch = criteria(case, 0.0)
    nll, _ = criteria(case, None)
    log_softmax = nn.LogSoftmax(dim=1 if case["x"].ndim > 1 else 0)
    x, y = case["x"], case["target"]
    composed = nll(log_softmax(x), y)
    np.testing.assert_array_equal(composed, ce(x, y))
    g = np.random.default_rng(0).standard_normal(composed.shape).astype(composed.dtype)
    composed_grad = log_softmax.backward(nll.backward(g))
    gradient = ce.backward(g)
    options = {"ignore_index": case["ignore_index"], "reduction": case["reduction"]}
    parts = ce.saved.parts or cross_entropy_parts(x, y, case["weight"], **options)
    if is_plain(parts):
        assert_close("CrossEntropyLoss", "plain gradient vs NLL∘LogSoftmax", gradient, composed_grad)
        general = fused_gradient(parts, target_weights(parts, g, ce.reduction))
        np.testing.assert_array_equal(composed_grad, general)
    else:
        np.testing.assert_array_equal(composed_grad, gradient)
    x_t = t(x).requires_grad_()
    loss_t = ce_torch(x_t, t(y))
    loss_t.backward(t(g))
    assert_close("NLLLoss(LogSoftmax)", "forward", composed, loss_t)
    assert_close("NLLLoss(LogSoftmax)", "input gradient", composed_grad, x_t.grad)


@given(case=classification_case(max_magnitude=10) | classification_case(probs=True, max_magnitude=10), s=SMOOTHING)
def test_fused_gradient_equals_softmax_jacobian_path(case: dict[str, Any], s: float) -> None:
    """(p − onehot)/N and its generalisations equal the chain rule through softmax's full Jacobian.

    The step-by-step path divides by p, so the logits stay within ±10 (p ≥ e^-20 > 0 in float32).
    """
    args = (case["x"], case["target"], case["weight"])
    options = {"ignore_index": case["ignore_index"], "reduction": case["reduction"], "label_smoothing": s}
    loss = F.cross_entropy(*args, **options)
    g = np.random.default_rng(1).standard_normal(loss.shape).astype(loss.dtype)
    x_t = t(case["x"]).requires_grad_()
    torch.nn.functional.cross_entropy(x_t, t(case["target"]), t(case["weight"]), **options).backward(t(g))
    assert_close("CrossEntropyLoss", "input gradient", F.cross_entropy_backward(g, *args, **options), x_t.grad)
    stepwise = F.cross_entropy_backward_stepwise(g, *args, **options)
    assert_close("CrossEntropyLoss (softmax Jacobian path)", "input gradient", stepwise, x_t.grad)


CE_GRADCHECK = {
    "plain": {},
    "weight": {"weight": [0.5, 2.0, 1.0]},
    "ignore": {"ignore_index": 1},
    "smoothing": {"weight": [0.5, 2.0, 1.0], "label_smoothing": 0.2},
}


@pytest.mark.parametrize("options", list(CE_GRADCHECK))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_and_nll_gradcheck(options: str, reduction: str) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 3, 2)) * 2, rng.integers(0, 3, (4, 2))
    kwargs = {"reduction": reduction, **CE_GRADCHECK[options]}
    assert gradcheck(WithTarget(nn.CrossEntropyLoss(**kwargs), y), x)
    probs = rng.uniform(0, 1, x.shape)
    kwargs.pop("ignore_index", None)
    assert gradcheck(WithTarget(nn.CrossEntropyLoss(**kwargs), probs), x)
    kwargs.pop("label_smoothing", None)
    assert gradcheck(WithTarget(nn.NLLLoss(**kwargs), y), x)


def test_the_plain_gradient_is_softmax_minus_onehot_over_n() -> None:
    """The case a learner meets first, by hand: logits (2, 3), targets [0, 2], 'mean'."""
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    criterion = nn.CrossEntropyLoss()
    criterion(x, np.array([0, 2]))
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    expected = (p - np.array([[1, 0, 0], [0, 0, 1]])) / 2
    np.testing.assert_allclose(criterion.backward(), expected, rtol=1e-15, atol=1e-16)
    assert criterion.saved.parts is None  # the module's own textbook lines, not the general path
    for options in ({"weight": np.ones(3)}, {"label_smoothing": 0.1}, {"ignore_index": 2}, {"reduction": "sum"}):
        criterion = nn.CrossEntropyLoss(**options)
        criterion(x, np.array([0, 2]))
        assert criterion.saved.parts is not None, options


def test_cross_entropy_on_five_by_three() -> None:
    """The tutorial's example: 5 samples, 3 classes, targets [0, 1, 2, 0, 1]; the gradient is (p − onehot)/5."""
    logits = np.array(
        [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [0.2, 0.4, 3.0], [1.5, 0.2, 0.1], [0.1, 1.8, 0.9]], dtype=np.float32
    )
    y = np.array([0, 1, 2, 0, 1])
    criterion = nn.CrossEntropyLoss()
    loss = criterion(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss.shape == () and loss.dtype == np.float32
    assert loss == pytest.approx(-np.log(p[np.arange(5), y]).mean(), rel=1e-6)
    np.testing.assert_allclose(criterion.backward(), (p - np.eye(3)[y]) / 5, atol=1e-7)
    check_loss(
        "CrossEntropyLoss", nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), logits, y, np.ones((), np.float32)
    )


def test_cross_entropy_mean_divides_by_the_summed_weights() -> None:
    """With class weights, 'mean' divides by Σ w[y_i] for index targets but by N for probability targets."""
    x = np.array([[1.0, 2.0, 0.5], [0.3, 0.2, 2.0]])
    y, w = np.array([0, 2]), np.array([1.0, 1.0, 3.0])
    weighted = nn.CrossEntropyLoss(w)(x, y)
    per_row = nn.CrossEntropyLoss(w, reduction="none")(x, y)
    assert weighted == pytest.approx(per_row.sum() / 4)
    assert nn.CrossEntropyLoss(w)(x, np.eye(3)[y]) == pytest.approx(per_row.sum() / 2)
    for target in (y, np.eye(3)[y]):
        check_loss("CrossEntropyLoss", nn.CrossEntropyLoss(w), torch.nn.CrossEntropyLoss(t(w)), x, target)


def test_cross_entropy_spatial_equals_flattened_rows() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 4, 3)), rng.integers(0, 4, (2, 3))
    rows, row_targets = x.transpose(0, 2, 1).reshape(-1, 4), y.reshape(-1)
    for reduction in ("mean", "sum"):
        np.testing.assert_allclose(
            F.cross_entropy(x, y, reduction=reduction), F.cross_entropy(rows, row_targets, reduction=reduction)
        )


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_all_ignored_or_zero_weight_is_nan_like_torch(smoothing: float) -> None:
    """Every row ignored: loss NaN, gradient 0.  Every target weighing 0: loss NaN and gradient NaN."""
    x = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    w = np.array([0.0, 2.0, 3.0])
    ignored, zero_weight = np.array([-100, -100]), np.array([0, 0])
    for target in (ignored, zero_weight):
        check_loss("CrossEntropyLoss", *criteria(case_of(x, target, w, "mean"), smoothing), x, target)
        check_loss("NLLLoss", *criteria(case_of(x, target, w, "mean"), None), x, target)
    assert np.isnan(nn.CrossEntropyLoss()(x, ignored))
    assert nn.CrossEntropyLoss(reduction="sum")(x, ignored) == 0


def case_of(x: Any, target: Any, weight: Any, reduction: str, ignore_index: int = -100) -> dict[str, Any]:
    return {"x": x, "target": target, "weight": weight, "reduction": reduction, "ignore_index": ignore_index}


def test_nan_logits_in_an_ignored_row() -> None:
    """The loss skips the row, but its gradient is NaN (log_softmax's backward multiplies e^NaN by 0)."""
    x = np.array([[np.nan, 1.0], [0.5, 2.0]])
    y = np.array([-100, 1])
    for reduction in ("none", "mean"):
        check_loss("CrossEntropyLoss", *criteria(case_of(x, y, None, reduction), 0.0), x, y)


def test_small_integer_targets_are_accepted() -> None:
    """uint8 targets work in both; int32 ones are accepted here (torch insists on int64 or uint8)."""
    x, y = np.array([[0.1, 0.9, -0.3], [1.0, 0.0, 0.2]]), np.array([1, 2])
    check_loss("CrossEntropyLoss", nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, y.astype(np.uint8))
    assert nn.CrossEntropyLoss()(x, y.astype(np.int32)) == nn.CrossEntropyLoss()(x, y)


def both(loss: str, target: Any, x: Any = None, **options: Any) -> tuple[Any, Any]:
    """The same bad call to scratch's and torch's criterion ``loss``, as two thunks for check_rejects."""
    x = np.zeros((4, 3)) if x is None else x
    torch_options = {k: t(v) if k == "weight" else v for k, v in options.items()}

    def ours() -> Any:
        return getattr(nn, loss)(**options)(x, target)

    def theirs() -> Any:
        return getattr(torch.nn, loss)(**torch_options)(t(x), t(target))

    return ours, theirs


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
def test_bad_targets_and_options_are_rejected_like_torch(loss: str) -> None:
    y = np.array([0, 1, 2, 0])
    check_rejects(*both(loss, np.array([0, 1, 3, 0])), match="Target 3 is out of bounds")
    check_rejects(*both(loss, np.array([0, -1, 2, 0])), match="Target -1 is out of bounds")
    check_rejects(*both(loss, np.array([0, 1, 2, 5]), ignore_index=4), match="Target 5 is out of bounds")
    check_rejects(*both(loss, y.astype(np.float64)), match="must hold integers")
    check_rejects(*both(loss, np.array([0, 1, 2, 0, 1])), match=r"needs a target of shape \(4,\), got \(5,\)")
    check_rejects(*both(loss, y, weight=np.ones(4)), match=r"one value per class, shape \(3,\), got shape \(4,\)")
    check_rejects(*both(loss, y, reduction="avg"), match="'avg' is not a valid value for reduction")
    check_rejects(*both(loss, np.array(0), x=np.array(1.0)), match=r"input must have shape \(C,\)")


def test_bad_cross_entropy_arguments_are_rejected_like_torch() -> None:
    y, one_hot = np.array([0, 1, 2, 0]), np.eye(3)[[0, 1, 2, 0]]
    check_rejects(*both("CrossEntropyLoss", y, label_smoothing=1.5), match="label_smoothing must be between")
    check_rejects(*both("CrossEntropyLoss", one_hot.astype(np.int64)), match="must be floating point")
    check_rejects(*both("CrossEntropyLoss", one_hot, ignore_index=0), match="ignore_index=0 is not supported")
    check_rejects(*both("NLLLoss", one_hot), match="must hold integers")
