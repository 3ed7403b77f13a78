"""Bad input and extreme values, by class of fault: what a fuzzer of the public API would try.

* **Extreme values**: ±inf, NaN and magnitudes that overflow go through every layer, loss and utility
  silently (the suite turns NumPy warnings into errors) and give torch's values.
* **Unchecked gradients**: a backward refuses a ``grad_output`` of the wrong shape or type before it
  touches any ``.grad``.
* **Wrong dtypes** are refused, never truncated into a wrong result.
* **Refused where torch refuses**, before anything is drawn from the random stream.
* **Clear errors** (ValueError, TypeError, IndexError naming the argument) instead of NumPy's or Python's.

Each failed call must leave everything as it was: weights, gradients, optimizer state, the random stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch
import torch_impl.train
from common import datasets
from parity_tests.harness import BAD_INPUT_ERRORS, assert_close, check_module, check_rejects
from parity_tests.strategies import DTYPES
from scratch import nn, optim
from scratch.data import make_loader
from scratch.models import MLP, SimpleMLP
from scratch.nn import functional as F
from scratch.nn import init
from scratch.nn.utils import clip_grad_norm_
from scratch.train import train

TORCH = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def extreme(dtype: np.dtype[Any]) -> st.SearchStrategy[float]:
    """Infinities, NaN, the largest finite values and values whose square overflows, with ordinary ones."""
    big = 3e38 if dtype == np.float32 else 1e300
    specials = [math.inf, -math.inf, math.nan, big, -big, 1e30, -1e30, 0.0, -0.0, 1.0, -1.0]
    if dtype == np.float64:
        specials += [2e200, -2e200]
    width = 32 if dtype == np.float32 else 64
    return st.one_of(st.sampled_from(specials), st.floats(-10, 10, width=width))


def extreme_arrays(dtype: np.dtype[Any], shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    return hnp.arrays(dtype, shape, elements=extreme(dtype))


def gradients(dtype: np.dtype[Any], shape: tuple[int, ...], infinities: bool) -> st.SearchStrategy[Any]:
    """Upstream gradients with NaN (and, where the derivative is exact, inf) in them.

    Huge finite gradients would only measure how ill-conditioned a formula such as softmax's y·(g − Σ g·y) is
    (both sides' roundings, amplified).  And an infinite gradient times a derivative that the two sides round
    differently near 0 (tanh'(9.5) = 0 in torch's float32, 1e-7 in NumPy's, a one-ulp difference in tanh) is
    NaN on one side and inf on the other: so inf only for the piecewise-linear activations.
    """
    width = 32 if dtype == np.float32 else 64
    specials = [math.nan, 0.0] + ([math.inf, -math.inf] if infinities else [])
    return hnp.arrays(dtype, shape, elements=st.one_of(st.sampled_from(specials), st.floats(-10, 10, width=width)))


def state_of(*objects: Any) -> list[Any]:
    """Everything a failed call must leave alone: parameters, gradients, optimizer state, the random stream."""
    values: list[Any] = [scratch.default_generator.get_state()["mt19937"]["state"]["key"].copy()]
    for obj in objects:
        if isinstance(obj, nn.Module):
            values += [(p.data.copy(), None if p.grad is None else p.grad.copy()) for p in obj.parameters()]
        elif isinstance(obj, optim.Optimizer):
            values.append(repr(obj.state_dict()))
    return values


def assert_unchanged(before: list[Any], after: list[Any]) -> None:
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        if isinstance(a, tuple):
            np.testing.assert_array_equal(a[0], b[0])
            assert (a[1] is None) == (b[1] is None)
            if a[1] is not None:
                np.testing.assert_array_equal(a[1], b[1])
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


# ---- extreme values: silent, and torch's values ------------------------------------------------
ACTIVATIONS: dict[str, Callable[[], tuple[nn.Module, torch.nn.Module]]] = {
    "Sigmoid": lambda: (nn.Sigmoid(), torch.nn.Sigmoid()),
    "Tanh": lambda: (nn.Tanh(), torch.nn.Tanh()),
    "ReLU": lambda: (nn.ReLU(), torch.nn.ReLU()),
    "LeakyReLU": lambda: (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)),
    "ELU": lambda: (nn.ELU(), torch.nn.ELU()),
    "Softmax": lambda: (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
    "LogSoftmax": lambda: (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@given(data=st.data(), dtype=DTYPES)
def test_activations_at_extreme_values(name: str, data: st.DataObject, dtype: np.dtype[Any]) -> None:
    """inf, NaN and overflowing magnitudes in the input and in the upstream gradient, as torch."""
    shape = data.draw(st.sampled_from([(5,), (3, 4)]))
    exact = name in ("ReLU", "LeakyReLU")
    x, g = data.draw(extreme_arrays(dtype, shape)), data.draw(gradients(dtype, shape, infinities=exact))
    if name == "ELU":  # torch's ELU gradient at NaN depends on where the element falls: see the test below
        x[np.isnan(x)] = 0.0
    ours, theirs = ACTIVATIONS[name]()
    check_module(name, ours, theirs, x, grad_output=g)


def test_elu_gradient_at_nan_is_nan() -> None:
    """torch's vectorised ELU backward gives NaN at a NaN input and its scalar loop (an array's last few
    elements, how many depends on the CPU's vector width) passes g through; scratch always gives NaN."""
    x = np.full(32, np.nan)
    ours = nn.ELU()
    ours(x)
    assert np.isnan(ours.backward(np.ones(32))).all()
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.elu(xt).backward(torch.ones(32, dtype=torch.float64))
    assert np.isnan(xt.grad.numpy()[:16]).all()  # the first 16 always go through the vectorised loop


@given(data=st.data(), dtype=DTYPES)
def test_linear_at_infinities(data: st.DataObject, dtype: np.dtype[Any]) -> None:
    """inf·0 and inf − inf make NaN in the product, silently (finite values stay small: no sum can overflow)."""
    specials = st.sampled_from([math.inf, -math.inf, math.nan, 0.0, 1.0, -2.5])
    x = data.draw(hnp.arrays(dtype, (3, 4), elements=specials))
    scratch.manual_seed(0)
    ours = nn.Linear(4, 2, dtype=dtype)
    theirs = torch.nn.Linear(4, 2).to(TORCH[dtype])
    check_module("Linear", ours, theirs, x, grad_output=np.ones((3, 2), dtype))


REGRESSION = {
    "mse_loss": (F.mse_loss, torch.nn.functional.mse_loss),
    "l1_loss": (F.l1_loss, torch.nn.functional.l1_loss),
    "huber_loss": (F.huber_loss, torch.nn.functional.huber_loss),
    "smooth_l1_loss": (F.smooth_l1_loss, torch.nn.functional.smooth_l1_loss),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits,
        torch.nn.functional.binary_cross_entropy_with_logits,
    ),
}


@pytest.mark.parametrize("name", list(REGRESSION))
@given(data=st.data(), dtype=DTYPES, reduction=st.sampled_from(["none", "mean", "sum"]))
def test_losses_at_extreme_values(name: str, data: st.DataObject, dtype: np.dtype[Any], reduction: str) -> None:
    """Both np.where branches are evaluated, and inf − inf happens: neither may warn, and the loss is torch's."""
    x = data.draw(extreme_arrays(dtype, (6,)))
    if name.startswith("binary"):
        y = data.draw(hnp.arrays(dtype, (6,), elements=st.sampled_from([0.0, 1.0, 0.5])))
    else:
        y = data.draw(extreme_arrays(dtype, (6,)))
    ours, theirs = REGRESSION[name]
    assert_close(
        name, "loss", ours(x, y, reduction=reduction), theirs(torch.tensor(x), torch.tensor(y), reduction=reduction)
    )


@given(data=st.data(), dtype=DTYPES)
def test_cross_entropy_at_extreme_logits(data: st.DataObject, dtype: np.dtype[Any]) -> None:
    x = data.draw(extreme_arrays(dtype, (4, 3)))
    y = data.draw(hnp.arrays(np.int64, (4,), elements=st.integers(0, 2)))
    ours = F.cross_entropy(x, y, reduction="none")
    assert_close(
        "CrossEntropyLoss",
        "loss",
        ours,
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none"),
    )


def test_softmax_over_an_empty_dimension_is_empty_like_torch() -> None:
    """torch's own sample inputs: a normalised dimension of length 0 gives an empty result, no error."""
    for shape, dim in [((5, 0, 0), -1), ((2, 0), 1), ((0, 3), 1), ((0,), 0), ((3, 0, 2), 1)]:
        x = np.zeros(shape)
        for ours, theirs in [(F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)]:
            assert_close("Softmax", "empty", ours(x, dim=dim), theirs(torch.from_numpy(x), dim=dim))
        module, torch_module = nn.Softmax(dim=dim), torch.nn.Softmax(dim=dim)
        check_module("Softmax", module, torch_module, x, grad_output=np.zeros(shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [1e30, math.inf, math.nan])
def test_clip_grad_norm_at_extreme_gradients(dtype: Any, value: float) -> None:
    grad = np.array([value, 1.0, -2.0], dtype)
    p, tp = nn.Parameter(np.zeros(3, dtype)), torch.nn.Parameter(torch.zeros(3, dtype=TORCH[np.dtype(dtype)]))
    p.grad, tp.grad = grad.copy(), torch.from_numpy(grad.copy())
    norm, torch_norm = clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([tp], 1.0)
    assert_close("clip_grad_norm_", "norm", np.asarray(norm), torch_norm)
    assert_close("clip_grad_norm_", "grad", p.grad, tp.grad)


def test_loading_values_beyond_float32_gives_inf_like_torch() -> None:
    ours, theirs = nn.Linear(1, 1), torch.nn.Linear(1, 1)
    state = {"weight": np.array([[1e300]]), "bias": np.array([-1e300])}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    assert_close("Module", "weight", ours.weight.data, theirs.weight)
    assert_close("Module", "bias", ours.bias.data, theirs.bias)
    assert ours.weight.dtype == np.float32


def test_gradcheck_refuses_eps_zero_where_torch_reports_a_nan_jacobian() -> None:
    """eps = 0 divides 0 by 0: torch's numerical Jacobian is NaN and the check fails as a mismatch, which hides
    the cause; scratch (stricter) refuses the step itself, naming it, on both of its paths."""
    x = np.linspace(-1, 1, 3)
    xt = torch.tensor(x, requires_grad=True)
    assert not torch.autograd.gradcheck(torch.tanh, (xt,), eps=0.0, raise_exception=False)
    with pytest.raises(ValueError, match=r"gradcheck: eps must be positive, got 0\.0"):
        scratch.gradcheck(nn.Tanh(), x, eps=0.0, raise_exception=False)
    with pytest.raises(ValueError, match=r"gradcheck: eps must be positive, got 0\.0"):
        scratch.gradcheck(lambda t: t.tanh(), scratch.autograd.Tensor(x, requires_grad=True), eps=0.0)


# ---- a backward checks its upstream gradient before touching anything ---------------------------
def backward_cases() -> list[tuple[str, Callable[[], tuple[nn.Module, np.ndarray[Any, Any]]]]]:
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    cases: list[tuple[str, Callable[[], tuple[nn.Module, np.ndarray[Any, Any]]]]] = [
        (name, lambda make=make: (make()[0], x)) for name, make in ACTIVATIONS.items()
    ]
    cases.append(("Linear", lambda: (nn.Linear(3, 2), x)))
    cases.append(("MLP", lambda: (MLP([3, 5, 2]), x)))
    cases.append(("SimpleMLP", lambda: (SimpleMLP(3, 5, 2), x)))
    return cases


@pytest.mark.parametrize(("name", "make"), backward_cases())
@pytest.mark.parametrize("bad", ["wrong width", "broadcastable", "extra axis", "a list", "integers"])
def test_backward_refuses_a_bad_grad_output(name: str, make: Callable[..., Any], bad: str) -> None:
    module, x = make()
    out = module(x)
    module.backward(np.ones_like(out))  # gradients to compare against
    grad_output = {
        "wrong width": np.ones((out.shape[0], out.shape[1] + 1), out.dtype),
        "broadcastable": np.ones((out.shape[0], 1), out.dtype),
        "extra axis": np.ones((1, *out.shape), out.dtype),
        "a list": np.ones_like(out).tolist(),
        "integers": np.ones(out.shape, np.int64),
    }[bad]
    before = state_of(module)
    with pytest.raises((ValueError, TypeError), match="grad_output"):
        module.backward(grad_output)
    assert_unchanged(before, state_of(module))


def test_backward_casts_a_gradient_of_another_float_dtype_like_torch() -> None:
    layer = nn.Linear(3, 2)
    x = np.ones((4, 3), np.float32)
    layer(x)
    dx = layer.backward(np.ones((4, 2), np.float64))
    assert dx.dtype == np.float32 and layer.weight.grad is not None and layer.weight.grad.dtype == np.float32


def test_parameter_grad_is_checked_on_assignment_like_torch() -> None:
    p = nn.Parameter(np.zeros(2, np.float32))
    tp = torch.nn.Parameter(torch.zeros(2))
    for bad, torch_bad in [
        (np.zeros(3, np.float32), torch.zeros(3)),
        (np.zeros(2, np.float64), torch.zeros(2, dtype=torch.float64)),
        ([1.0, 2.0], [1.0, 2.0]),
    ]:

        def assign(param: Any, value: Any) -> None:
            param.grad = value

        check_rejects(lambda bad=bad: assign(p, bad), lambda torch_bad=torch_bad: assign(tp, torch_bad), match="grad")
        assert p.grad is None
    with pytest.raises(ValueError, match="shape"):
        p.accumulate_grad(np.ones((1, 2), np.float32))  # would broadcast into a (2,) gradient


# ---- wrong dtypes are refused, not truncated ------------------------------------------------
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_refuse_integer_and_non_array_inputs(name: str) -> None:
    """torch refuses integers for LeakyReLU, ELU and the softmaxes, and promotes or keeps them for the others;
    scratch refuses them everywhere (a slope cast to 0 would give a silently wrong result)."""
    module = ACTIVATIONS[name]()[0]
    with pytest.raises(TypeError, match="floating point"):
        module(np.array([3, -2]))
    with pytest.raises(TypeError, match="numpy array"):
        module([1.0, -2.0])


def test_module_to_refuses_non_float_dtypes_like_torch() -> None:
    layer, torch_layer = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    before = state_of(layer)
    check_rejects(lambda: layer.to(np.int32), lambda: torch_layer.to(torch.int32), match="float32 or float64")
    assert_unchanged(before, state_of(layer))


@pytest.mark.parametrize(
    "make",
    [
        lambda: datasets.load_digits(dtype=np.int64),
        lambda: datasets.blobs(dtype=np.int32),
        lambda: datasets.sine(dtype=np.float16),
        lambda: datasets.xor(dtype=bool),
    ],
)
def test_datasets_refuse_dtypes_that_would_truncate(make: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match="float32 or float64"):
        make()


@pytest.mark.parametrize("name", ["uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_normal_"])
def test_random_initialisers_refuse_integer_arrays_like_torch(name: str) -> None:
    ours, theirs = np.zeros((2, 3), np.int64), torch.zeros(2, 3, dtype=torch.int64)
    before = state_of()
    check_rejects(lambda: getattr(init, name)(ours), lambda: getattr(torch.nn.init, name)(theirs), match="float")
    assert_unchanged(before, state_of())
    assert not ours.any()


# ---- refused where torch refuses, before the random stream moves ---------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs", "match"),
    [
        (lambda t: init.normal_(t, std=-1.0), lambda t: torch.nn.init.normal_(t, std=-1.0), "std >= 0"),
        (lambda t: init.normal_(t, std=math.nan), lambda t: torch.nn.init.normal_(t, std=math.nan), "std"),
        (lambda t: init.uniform_(t, 1.0, 0.0), lambda t: torch.nn.init.uniform_(t, 1.0, 0.0), "from=1.0 > to=0.0"),
        (lambda t: init.uniform_(t, 0.0, math.inf), lambda t: torch.nn.init.uniform_(t, 0.0, math.inf), "out of"),
        (lambda t: init.uniform_(t, math.nan, 1.0), lambda t: torch.nn.init.uniform_(t, math.nan, 1.0), "from"),
        (lambda t: init.uniform_(t, -3e38, 3e38), lambda t: torch.nn.init.uniform_(t, -3e38, 3e38), "to-from"),
        (lambda t: init.xavier_normal_(t, gain=-1.0), lambda t: torch.nn.init.xavier_normal_(t, gain=-1.0), "std"),
    ],
)
def test_initialisers_refuse_what_torch_refuses(ours: Any, theirs: Any, match: str) -> None:
    scratch.manual_seed(3)
    data = np.zeros((3, 4), np.float32)
    before = state_of()
    check_rejects(lambda: ours(data), lambda: theirs(torch.zeros(3, 4)), match=match)
    assert_unchanged(before, state_of())
    assert not data.any()


def test_randperm_and_set_state_refuse_bad_values_and_change_nothing() -> None:
    g = scratch.Generator().manual_seed(4)
    state = g.get_state()
    check_rejects(lambda: g.randperm(-1), lambda: torch.randperm(-1), match="non-negative")
    for bad in [
        {"x": 1},
        None,
        {**state, "seed": -1},
        {**state, "mt19937": {"state": 3}},
        {**state, "normal_cache": "a"},
    ]:
        with pytest.raises(ValueError, match="set_state"):
            g.set_state(bad)  # type: ignore[arg-type]
    np.testing.assert_array_equal(g.words(4), scratch.Generator().set_state(state).words(4))


# ---- clear errors, at the call that received the bad value ---------------------------------------
def p32() -> nn.Parameter:
    p = nn.Parameter(np.zeros(3, np.float32))
    p.grad = np.ones(3, np.float32)
    return p


LINEAR = nn.Linear(2, 3)  # built once: a call below must not draw from the stream to build what it needs
BAD_CALLS: list[tuple[str, Callable[[], Any], str]] = [
    ("Softmax(1.5)", lambda: nn.Softmax(1.5), "dim must be an int"),
    ("softmax(dim=1.5)", lambda: F.softmax(np.ones((2, 2)), dim=1.5), "dim must be an int"),  # type: ignore[arg-type]
    ("LeakyReLU('a')", lambda: nn.LeakyReLU("a"), "negative_slope"),  # type: ignore[arg-type]
    ("ELU(None)", lambda: nn.ELU(None), "alpha"),  # type: ignore[arg-type]
    ("Linear(2.5, 3)", lambda: nn.Linear(2.5, 3), "in_features"),  # type: ignore[arg-type]
    ("Linear(True, 3)", lambda: nn.Linear(True, 3), "in_features"),
    ("Linear(2, 3)(list)", lambda: LINEAR([[1.0, 2.0]]), "numpy array"),
    ("cross_entropy, 0 classes", lambda: F.cross_entropy(np.zeros((2, 0)), np.array([0, 0])), "out of bounds"),
    ("CrossEntropyLoss(ignore_index=1.5)", lambda: nn.CrossEntropyLoss(ignore_index=1.5), "ignore_index"),  # type: ignore[arg-type]
    (
        "nll_loss(ignore_index=1.5)",
        lambda: F.nll_loss(np.zeros((1, 2)), np.array([0]), ignore_index=1.5),
        "ignore_index",
    ),  # type: ignore[arg-type]
    ("CrossEntropyLoss(label_smoothing=2)", lambda: nn.CrossEntropyLoss(label_smoothing=2.0), "label_smoothing"),
    ("HuberLoss(delta=0)", lambda: nn.HuberLoss(delta=0.0), "delta"),
    ("huber_loss(delta=nan)", lambda: F.huber_loss(np.ones(2), np.zeros(2), delta=math.nan), "delta"),
    ("SmoothL1Loss(beta=nan)", lambda: nn.SmoothL1Loss(beta=math.nan), "beta"),
    ("smooth_l1_loss(beta=-1)", lambda: F.smooth_l1_loss(np.ones(2), np.zeros(2), beta=-1.0), "beta"),
    ("BCELoss(weight='a')", lambda: nn.BCELoss(weight=np.array(["a"])), "weight"),
    ("MSELoss(reduction='avg')", lambda: nn.MSELoss(reduction="avg"), "reduction"),
    ("Sigmoid(list)", lambda: nn.Sigmoid()([1.0, -2.0]), "numpy array"),
    ("load_state_dict(None)", lambda: LINEAR.load_state_dict(None), "dict-like"),  # type: ignore[arg-type]
    ("clip_grad_norm_(max_norm=None)", lambda: clip_grad_norm_([p32()], None), "max_norm"),  # type: ignore[arg-type]
    ("clip_grad_norm_(norm_type='x')", lambda: clip_grad_norm_([p32()], 1.0, norm_type="x"), "norm_type"),  # type: ignore[arg-type]
    ("clip_grad_norm_([array])", lambda: clip_grad_norm_([np.ones(2)], 1.0), "Parameters"),  # type: ignore[list-item]
    ("SGD(lr='a')", lambda: optim.SGD([p32()], lr="a"), "lr"),  # type: ignore[arg-type]
    ("SGD(nesterov='yes')", lambda: optim.SGD([p32()], lr=0.1, momentum=0.9, nesterov="yes"), "nesterov"),  # type: ignore[arg-type]
    ("Adam(betas=(0.9, 0.99, 0.9))", lambda: optim.Adam([p32()], betas=(0.9, 0.99, 0.9)), "pair"),  # type: ignore[arg-type]
    ("Adam(betas=('a', 0.9))", lambda: optim.Adam([p32()], betas=("a", 0.9)), "betas"),  # type: ignore[arg-type]
    ("Adam(eps=None)", lambda: optim.Adam([p32()], eps=None), "eps"),  # type: ignore[arg-type]
    ("StepLR(step_size=0)", lambda: optim.lr_scheduler.StepLR(optim.SGD([p32()]), step_size=0), "step_size"),
    ("CosineAnnealingLR(T_max=0)", lambda: optim.lr_scheduler.CosineAnnealingLR(optim.SGD([p32()]), T_max=0), "T_max"),
    ("gradcheck(a function)", lambda: scratch.gradcheck(np.tanh, np.ones(2)), "backward"),  # type: ignore[arg-type]
    ("gradcheck(inputs=())", lambda: scratch.gradcheck(nn.Tanh(), ()), "inputs"),
    ("blobs(n_samples=-1)", lambda: datasets.blobs(n_samples=-1), "n_samples"),
    ("blobs(centers=0)", lambda: datasets.blobs(centers=0), "centers"),
    ("blobs(centers=[])", lambda: datasets.blobs(centers=[]), "centers"),
    ("moons(noise=-1)", lambda: datasets.moons(noise=-1.0), "noise"),
    ("circles(factor=1)", lambda: datasets.circles(factor=1.0), "factor"),
    ("spirals(n_classes=0)", lambda: datasets.spirals(n_classes=0), "n_classes"),
    ("sine(low=1, high=0)", lambda: datasets.sine(low=1.0, high=0.0), "low"),
    ("xor(n_samples=2.5)", lambda: datasets.xor(n_samples=2.5), "n_samples"),  # type: ignore[arg-type]
    ("standardize(no rows)", lambda: datasets.standardize(np.zeros((0, 3))), "n ≥ 1"),
    ("standardize(widths)", lambda: datasets.standardize(np.ones((3, 2)), np.ones((2, 3))), "features"),
    ("standardize(eps=-1)", lambda: datasets.standardize(np.ones((3, 2)), eps=-1.0), "eps"),
    ("standardize(ints)", lambda: datasets.standardize(np.ones((3, 2), np.int64)), "floating point"),
    ("train_test_split(test_size='a')", lambda: datasets.train_test_split(np.ones(4), test_size="a"), "test_size"),  # type: ignore[arg-type]
    # gradcheck's step and tolerances: eps = 0 would give a NaN Jacobian (torch reports it as a mismatch)
    *[
        (
            f"gradcheck({option}={value})",
            lambda o=option, v=value: scratch.gradcheck(nn.Tanh(), np.ones(2), **{o: v}),
            option,
        )
        for option, value in [
            ("eps", 0.0),
            ("eps", -1e-6),
            ("eps", math.inf),
            ("eps", math.nan),
            ("eps", "small"),
            ("atol", -1.0),
            ("atol", math.nan),
            ("rtol", -1e-3),
            ("rtol", None),
            ("raise_exception", 1),
        ]
    ],
    (
        "gradcheck(autograd, eps=0)",
        lambda: scratch.gradcheck(lambda t: t.tanh(), scratch.autograd.Tensor(np.ones(2), requires_grad=True), eps=0.0),
        "eps",
    ),
    ("xavier_uniform_(gain='x')", lambda: init.xavier_uniform_(np.zeros((2, 3)), gain="x"), "gain"),  # type: ignore[arg-type]
    ("xavier_normal_(gain=None)", lambda: init.xavier_normal_(np.zeros((2, 3)), gain=None), "gain"),  # type: ignore[arg-type]
    ("DataLoader(None)", lambda: scratch.data.DataLoader(None), "dataset"),  # type: ignore[arg-type]
    ("DataLoader(3)", lambda: scratch.data.DataLoader(3), "dataset"),  # type: ignore[arg-type]
    ("DataLoader(sampler=3)", lambda: scratch.data.DataLoader([1, 2], sampler=3), "sampler"),  # type: ignore[arg-type]
    # a generator that is not scratch's: every initialiser, before it draws
    *[
        (
            f"init.{name}(generator={kind})",
            lambda n=name, g=generator: getattr(init, n)(np.zeros((2, 3)), generator=g),
            "generator",
        )
        for name in ["uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_"]
        for kind, generator in [("torch.Generator", torch.Generator()), ("int", 3), ("numpy", np.random.default_rng(0))]
    ],
]


@pytest.mark.parametrize(("name", "call", "match"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_a_clear_error_at_the_call(name: str, call: Callable[[], Any], match: str) -> None:
    before = state_of()
    with pytest.raises(BAD_INPUT_ERRORS, match=match):
        call()
    assert_unchanged(before, state_of())


@pytest.mark.parametrize("bad", [{"epochs": 1.5}, {"epochs": -1}, {"log_every": "often"}, {"progress": "yes"}])
def test_train_refuses_bad_options_in_both_implementations(bad: dict[str, Any]) -> None:
    X, y = datasets.blobs(n_samples=8, seed=0)
    scratch.manual_seed(0)
    model = SimpleMLP(2, 4, 3)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    arguments = {"epochs": 1, "log_every": None, **bad}
    before = state_of(model, optimizer)
    with pytest.raises((TypeError, ValueError)):
        train(model, make_loader(X, y, batch_size=4), nn.CrossEntropyLoss(), optimizer, **arguments)
    assert_unchanged(before, state_of(model, optimizer))
    torch_model = torch.nn.Linear(2, 3)
    with pytest.raises((TypeError, ValueError)):
        torch_impl.train.train(
            torch_model, [], torch.nn.CrossEntropyLoss(), torch.optim.SGD(torch_model.parameters()), **arguments
        )


# ---- flags are booleans, finite options are finite ------------------------------------------------
X4 = np.zeros((4, 3), np.float32)
FLAGS: list[tuple[str, Callable[[Any], Any]]] = [
    ("Dropout(inplace)", lambda v: nn.Dropout(inplace=v)),
    ("dropout(training)", lambda v: F.dropout(X4, 0.5, training=v)),
    ("dropout(inplace)", lambda v: F.dropout(X4, 0.5, inplace=v)),
    ("BatchNorm1d(affine)", lambda v: nn.BatchNorm1d(3, affine=v)),
    ("BatchNorm1d(track_running_stats)", lambda v: nn.BatchNorm1d(3, track_running_stats=v)),
    ("SGD(nesterov)", lambda v: optim.SGD([p32()], momentum=0.9, nesterov=v)),
    ("SGD(maximize)", lambda v: optim.SGD([p32()], maximize=v)),
    ("SGD(foreach)", lambda v: optim.SGD([p32()], foreach=v)),
    ("Adam(amsgrad)", lambda v: optim.Adam([p32()], amsgrad=v)),
    ("Adam(maximize)", lambda v: optim.Adam([p32()], maximize=v)),
    ("Adam(fused)", lambda v: optim.Adam([p32()], fused=v)),
    ("Adam(decoupled_weight_decay)", lambda v: optim.Adam([p32()], decoupled_weight_decay=v)),
    ("AdamW(amsgrad)", lambda v: optim.AdamW([p32()], amsgrad=v)),
    ("DataLoader(shuffle)", lambda v: scratch.data.DataLoader(scratch.data.TensorDataset(X4), shuffle=v)),
    ("DataLoader(drop_last)", lambda v: scratch.data.DataLoader(scratch.data.TensorDataset(X4), drop_last=v)),
    ("gradcheck(raise_exception)", lambda v: scratch.gradcheck(nn.Tanh(), np.ones(2), raise_exception=v)),
    (
        "train(progress)",
        lambda v: torch_impl.train.train(LINEAR_T, [], torch.nn.MSELoss(), SGD_T, 1, log_every=None, progress=v),
    ),
]
LINEAR_T = torch.nn.Linear(2, 2)
SGD_T = torch.optim.SGD(LINEAR_T.parameters())


@pytest.mark.parametrize(("name", "call"), FLAGS, ids=[f[0] for f in FLAGS])
@pytest.mark.parametrize("value", [1, 0, np.int64(1), 1.0, "yes", "", [True]], ids=repr)
def test_a_flag_takes_true_or_false_only(name: str, call: Callable[[Any], Any], value: Any) -> None:
    """1 and 0 are not flags here (scratch is stricter than torch where torch takes any truthy value): the error
    names the option, and nothing is drawn or changed."""
    option = name[name.index("(") + 1 : -1]
    before = state_of()
    with pytest.raises((TypeError, ValueError), match=option):
        call(value)
    assert_unchanged(before, state_of())
    call(True)  # and the flags themselves are fine
    call(False)


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, 10**400, np.float32(math.inf)], ids=lambda v: repr(v)[:12]
)
@pytest.mark.parametrize("option", ["momentum", "eps"])
def test_a_finite_option_refuses_infinities_and_huge_ints(option: str, value: Any) -> None:
    """BatchNorm1d's momentum and eps: inf would make the running statistics NaN; 10**400 (an int no float holds)
    is as infinite, and must not escape as an OverflowError."""
    with pytest.raises(ValueError, match=f"BatchNorm1d: {option} must be"):
        nn.BatchNorm1d(3, **{option: value})


@pytest.mark.parametrize(
    ("name", "call", "torch_call"),
    [
        ("Module.train(mode=1)", lambda: nn.Linear(2, 2).train(1), lambda: torch.nn.Linear(2, 2).train(1)),
        (
            "batch_norm(training=1)",
            lambda: F.batch_norm(X4, None, None, training=1),
            lambda: torch.nn.functional.batch_norm(torch.zeros(4, 3), None, None, training=1),
        ),
        (
            "Tensor(requires_grad=1)",
            lambda: scratch.autograd.Tensor(np.ones(2), requires_grad=1),
            lambda: torch.tensor([1.0, 1.0], requires_grad=1),
        ),
        (
            "requires_grad_(1)",
            lambda: scratch.autograd.Tensor(np.ones(2)).requires_grad_(1),
            lambda: torch.ones(2).requires_grad_(1),
        ),
        (
            "sum(keepdim=1)",
            lambda: scratch.autograd.Tensor(np.ones((2, 2))).sum(0, keepdim=1),
            lambda: torch.ones(2, 2).sum(0, keepdim=1),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_flags_torch_refuses_as_ints_are_refused(
    name: str, call: Callable[[], Any], torch_call: Callable[[], Any]
) -> None:
    check_rejects(call, torch_call, match=r"must be True or False|boolean|must be bool")


@pytest.mark.parametrize(
    ("name", "call", "match"),
    [
        ("Linear(bias=0)", lambda: nn.Linear(2, 3, bias=0), "bias"),
        ("BatchNorm1d(bias=1)", lambda: nn.BatchNorm1d(3, bias=1), "bias"),
        (
            "batch_norm(momentum=inf)",
            lambda: F.batch_norm(X4, np.zeros(3, np.float32), np.ones(3, np.float32), training=True, momentum=math.inf),
            "momentum",
        ),
        ("batch_norm(eps=inf)", lambda: F.batch_norm(X4, None, None, training=True, eps=math.inf), "eps"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_flags_and_finite_options_scratch_checks_elsewhere(name: str, call: Callable[[], Any], match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


# ---- optimizer state: checked at load, so that step never fails half-way -------------------------
def stepped(optimizer_class: Any, **options: Any) -> tuple[Any, list[nn.Parameter]]:
    params = [nn.Parameter(np.ones((2, 3), np.float32)), nn.Parameter(np.ones(3, np.float32))]
    optimizer = optimizer_class(params, **options)
    for p in params:
        p.grad = np.full(p.shape, 0.5, np.float32)
    optimizer.step()
    return optimizer, params


def test_adam_refuses_an_sgd_state_before_changing_anything() -> None:
    sgd, _ = stepped(optim.SGD, lr=0.1, momentum=0.9)
    adam, _ = stepped(optim.Adam)
    before = state_of(adam)
    with pytest.raises(ValueError, match="lacks the options"):
        adam.load_state_dict(sgd.state_dict())
    assert_unchanged(before, state_of(adam))
    adam.step()  # and it still works


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda sd: sd["state"][0].pop("exp_avg_sq"), r"lacks \['exp_avg_sq'\]"),
        (lambda sd: sd["state"].update({7: sd["state"][0]}), "no parameter group holds"),
        (lambda sd: sd["state"][1].update(exp_avg=np.zeros((2, 3), np.float32)), "shape"),
        (lambda sd: sd["state"][1].update(exp_avg=np.array(["a", "b", "c"])), "not numbers"),
        (lambda sd: sd["state"][0].update(step=np.zeros(2)), "single number"),
        (lambda sd: sd["param_groups"][0].pop("amsgrad"), "amsgrad"),
        (lambda sd: sd.pop("param_groups"), "param_groups"),
        (lambda sd: sd.update(state=[1]), "'state'"),
    ],
)
def test_a_damaged_optimizer_state_is_refused_whole(damage: Callable[[Any], Any], match: str) -> None:
    adam, _ = stepped(optim.Adam, amsgrad=True)
    state_dict = adam.state_dict()
    damage(state_dict)
    before = state_of(adam)
    with pytest.raises(ValueError, match=match):
        adam.load_state_dict(state_dict)
    assert_unchanged(before, state_of(adam))


def test_integer_state_is_cast_like_torch_and_the_next_step_agrees() -> None:
    """An int64 exp_avg (as any foreign file might hold) becomes float32 on load, as torch's load_state_dict does."""
    adam, params = stepped(optim.Adam)
    state_dict = adam.state_dict()
    state_dict["state"][0]["exp_avg"] = np.ones((2, 3), np.int64)
    adam.load_state_dict(state_dict)
    assert adam.state[params[0]]["exp_avg"].dtype == np.float32
    tp = [torch.nn.Parameter(torch.ones(2, 3)), torch.nn.Parameter(torch.ones(3))]
    torch_adam = torch.optim.Adam(tp)
    for p in tp:
        p.grad = torch.full(p.shape, 0.5)
    torch_adam.step()
    torch_state = torch_adam.state_dict()
    torch_state["state"][0]["exp_avg"] = torch.ones(2, 3, dtype=torch.int64)
    torch_adam.load_state_dict(torch_state)
    for p, t in zip(params, tp, strict=True):
        p.grad, t.grad = np.full(p.shape, 0.25, np.float32), torch.full(t.shape, 0.25)
    adam.step()
    torch_adam.step()
    for p, t in zip(params, tp, strict=True):
        assert_close("Adam", "after an int64 state", p.data, t)
