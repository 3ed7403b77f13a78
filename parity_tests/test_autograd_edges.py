"""scratch.autograd against torch at the edges: 0-d tensors and empty dimensions in every operation that takes a
dim, inf/NaN/0 through every backward (silently, as the forward), torch's dtype promotion over dtype pairs and
operand kinds, and the contracts no parity run sees (a leaf's first gradient is a copy, ReLU'(0) = 0, no_grad
after an exception, the autograd models' own base class)."""

from __future__ import annotations

import contextlib
import inspect
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch
import torch_impl.models
from parity_tests.harness import BAD_INPUT_ERRORS, assert_close
from parity_tests.strategies import DTYPES, arrays
from parity_tests.test_autograd import BINARY, UNARY, check_op, pair
from scratch.autograd import Tensor, models, no_grad
from scratch.autograd import functional as F
from scratch.autograd.arguments import result_type


def call(op: Callable[[Any], Any], t: Any) -> Any:
    """op's result, or the exception it raised."""
    try:
        return op(t)
    except Exception as error:  # compared with torch's outcome by the caller
        return error


def same_outcome(name: str, op: Callable[[Any], Any], x: np.ndarray) -> None:
    """op on a scratch Tensor and on a torch tensor: both raise (scratch a clear error), or both give the same
    value and, after the same upstream gradient, the same input gradient."""
    ours, theirs = pair(x)
    out, out_t = call(op, ours), call(op, theirs)
    if isinstance(out_t, Exception):
        assert isinstance(out, BAD_INPUT_ERRORS), f"{name}: torch raised {out_t!r}, scratch gave {out!r}"
        return
    assert not isinstance(out, Exception), f"{name}: scratch raised {out!r}, torch gave {out_t}"
    assert_close(f"autograd edges {name}", "forward", out.data, out_t)
    if out.requires_grad:
        g = np.random.default_rng(0).uniform(-1, 1, out.shape).astype(out.dtype)
        out.backward(g)
        out_t.backward(torch.from_numpy(g))
        assert_close(f"autograd edges {name}", "grad", ours.grad, theirs.grad)


# ---- dims: 0-d tensors (one dimension to name, dims 0 and −1) and empty dimensions --------------------------
def _reductions(dim: Any, keepdim: bool) -> dict[str, Callable[[Any], Any]]:
    def log_softmax(t: Any) -> Any:
        return F.log_softmax(t, dim) if isinstance(t, Tensor) else torch.log_softmax(t, dim)

    def transpose(t: Any) -> Any:
        return t.transpose(dim, dim if keepdim else -1)

    whole = dim is None
    return {
        "sum": lambda t: t.sum() if whole else t.sum(dim, keepdim=keepdim),
        "mean": lambda t: t.mean() if whole else t.mean(dim, keepdim=keepdim),
        "max": lambda t: t.max() if whole else t.max(dim, keepdim=keepdim).values,
        "max indices": lambda t: t.max() if whole else t.max(dim, keepdim=keepdim).indices.detach(),
        **({} if whole or isinstance(dim, tuple) else {"log_softmax": log_softmax, "transpose": transpose}),
    }


@st.composite
def shapes_and_dims(draw: st.DrawFn) -> tuple[tuple[int, ...], Any]:
    shape = draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
    n = max(len(shape), 1)
    one_dim = st.integers(-n - 1, n)  # one out of range on each side
    return shape, draw(st.one_of(st.none(), one_dim, st.tuples(one_dim), st.tuples(one_dim, one_dim), st.just(())))


@given(shape_dim=shapes_and_dims(), keepdim=st.booleans(), dtype=DTYPES, data=st.data())
def test_every_operation_that_takes_a_dim_follows_torch_on_0d_and_empty_tensors(
    shape_dim: tuple[tuple[int, ...], Any], keepdim: bool, dtype: np.dtype, data: st.DataObject
) -> None:
    shape, dim = shape_dim
    x = data.draw(arrays(dtype, shape, 100.0))
    for name, op in _reductions(dim, keepdim).items():
        same_outcome(f"{name} of {shape} over dim {dim}", op, x)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_a_0d_tensor_reduced_over_dim_0_or_minus_1_is_itself(dim: int, keepdim: bool) -> None:
    for name, op in _reductions(dim, keepdim).items():
        same_outcome(f"0-d {name}", op, np.array(3.0))
    result = Tensor(np.array(3.0)).max(dim, keepdim=keepdim)
    assert result.values.shape == () and result.indices.data.dtype == np.int64 and result.indices.item() == 0
    for bad in (1, -2):
        for op in _reductions(bad, keepdim).values():
            with pytest.raises(IndexError, match="Dimension out of range"):
                op(Tensor(np.array(3.0)))


def test_reductions_over_empty_dimensions_follow_torch() -> None:
    e = np.zeros((5, 0, 0))
    for name, op in _reductions(1, False).items():  # log_softmax: empty; sum: 0s; mean: NaNs; max: IndexError
        same_outcome(f"(5, 0, 0) {name} dim 1", op, e)
    same_outcome("sum of nothing", lambda t: t.sum(), np.zeros(0))
    same_outcome("mean of nothing", lambda t: t.mean(), np.zeros((2, 0)))
    same_outcome("mean over an empty dim", lambda t: t.mean(1), np.zeros((3, 0)))
    with pytest.raises(IndexError, match="reduction dim 1 to have non-zero size"):
        Tensor(e).max(1)
    with pytest.raises(ValueError, match="no elements"):
        Tensor(np.zeros(0)).max()


def test_a_dim_named_twice_or_not_an_int_is_a_clear_error() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dim 1 appears multiple times"):
        x.sum((1, -1))
    with pytest.raises(ValueError, match="dim 0 appears multiple times"):
        Tensor(np.array(1.0)).mean((0, -1))
    with pytest.raises(TypeError, match="dim must be an int"):
        x.sum(1.0)  # type: ignore[arg-type]
    assert x.sum(()).shape == () and x.sum(()).item() == 6.0  # an empty list of dims is every dim, as torch's


# ---- inf, NaN and 0 through every backward: silent, and torch's values ----------------------------------
SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-300, 1e300])
EXTRA_UNARY = {
    "log": lambda t: t.log(),
    "pow -0.5": lambda t: t**-0.5,
    "pow -1": lambda t: t**-1,
    "pow 2.5": lambda t: t**2.5,
    "log_softmax": lambda t: F.log_softmax(t, 0) if isinstance(t, Tensor) else torch.log_softmax(t, 0),
    "max dim": lambda t: t.max(0).values,
}


@pytest.mark.parametrize("name", sorted(k for k in {**UNARY, **EXTRA_UNARY} if "index" not in k and k != "T"))
def test_every_unary_backward_is_quiet_at_inf_nan_and_0(name: str) -> None:
    op = {**UNARY, **EXTRA_UNARY}[name]
    x = np.stack([SPECIAL, SPECIAL[::-1]] * 3).T.copy()  # (9, 6): every special value, in both orders
    if name in ("log_softmax", "max dim", "max", "mean", "sum", "mean dim -1"):
        x = np.tile(SPECIAL, (3, 1))  # (3, 9): along dim 0 one special value (tied thrice), along dim 1 all
    check_op(f"{name} at inf/NaN/0", op, [x])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_every_binary_backward_is_quiet_at_inf_nan_and_0(name: str) -> None:
    a, b = (np.array(v) for v in zip(*itertools.product(SPECIAL, repeat=2), strict=True))  # every pair
    check_op(f"{name} at inf/NaN/0", BINARY[name], [a, b])
    check_op(f"{name} at inf/NaN/0, broadcast", BINARY[name], [a[:, None], SPECIAL])


def test_matmul_and_cross_entropy_backward_are_quiet_at_inf_and_nan() -> None:
    check_op("matmul at inf/NaN", lambda a, b: a @ b, [SPECIAL.reshape(3, 3), SPECIAL[::-1].reshape(3, 3).copy()])
    logits = SPECIAL.reshape(3, 3)
    ours, theirs = pair(logits)
    F.cross_entropy(ours, np.array([0, 1, 2])).backward()
    torch.nn.functional.cross_entropy(theirs, torch.tensor([0, 1, 2])).backward()
    assert_close("autograd edges cross_entropy at inf/NaN", "grad", ours.grad, theirs.grad)


# ---- torch's dtype promotion ------------------------------------------------------------------------------
PROMOTION_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
KINDS = ["n-d", "0-d", "python", "numpy"]
NUMBERS = ("python", "numpy")  # a NumPy scalar is a number to torch, as a Python one


def operand(dtype: str, kind: str, value: int) -> tuple[Any, Any]:
    """The same operand for scratch and for torch: a (2, 3) or 0-d array of ``dtype``, a Python number of its
    category or a NumPy scalar of ``dtype``; small values, exact in every dtype.  (torch reads a NumPy bool as a
    float, not as a bool: that quirk is not followed, so a NumPy bool stands in as a Python one.)"""
    v = abs(value) if dtype == "uint8" else value
    if kind in NUMBERS:
        number = bool(v % 2) if dtype == "bool" else v if dtype[0] in "ui" else v + 0.5
        number = np.dtype(dtype).type(number) if kind == "numpy" and dtype != "bool" else number
        return number, number
    x = (np.arange(6).reshape(2, 3) % 4 + v if kind == "n-d" else np.array(v)).astype(dtype)
    x = np.asarray(x % 2 == 1) if dtype == "bool" else x
    return x, torch.from_numpy(x.copy())


@given(
    op=st.sampled_from(sorted(BINARY)),
    a=st.tuples(st.sampled_from(PROMOTION_DTYPES), st.sampled_from(KINDS), st.integers(-3, 3)),
    b=st.tuples(st.sampled_from(PROMOTION_DTYPES), st.sampled_from(KINDS), st.integers(-3, 3)),
)
def test_binary_operations_promote_dtypes_as_torch(op: str, a: tuple[str, str, int], b: tuple[str, str, int]) -> None:
    if a[1] in NUMBERS and b[1] in NUMBERS:
        a = (a[0], "n-d", a[2])
    (x, x_t), (y, y_t) = operand(*a), operand(*b)
    x, y = (Tensor(v) if isinstance(v, np.ndarray) else v for v in (x, y))
    try:
        expected = BINARY[op](x_t, y_t)
    except RuntimeError:  # torch refuses a subtraction with a bool operand
        with pytest.raises(TypeError, match="bool"):
            BINARY[op](x, y)
        return
    out = BINARY[op](x, y)
    assert out.dtype == expected.numpy().dtype, f"{a} {op} {b}: {out.dtype}, torch {expected.dtype}"
    if out.dtype.kind == "f":  # torch computes number / tensor as reciprocal(tensor) · number: an ulp apart
        np.testing.assert_allclose(out.data, expected.numpy(), rtol=2 * np.finfo(out.dtype).eps, atol=0)
    else:
        assert np.array_equal(out.data, expected.numpy())


def test_result_type_is_torchs_for_every_dtype_pair_and_operand_kind() -> None:
    """Exhaustively: every pair of dtypes, each operand a tensor with dimensions, a 0-d one or a Python number."""
    for (da, ka), (db, kb) in itertools.product(itertools.product(PROMOTION_DTYPES, KINDS), repeat=2):
        if ka in NUMBERS and kb in NUMBERS:
            continue
        (x, x_t), (y, y_t) = operand(da, ka, 1), operand(db, kb, 2)
        expected = torch.empty(0, dtype=torch.result_type(x_t, y_t)).numpy().dtype
        assert result_type(x, y) == expected, f"{da} {ka} with {db} {kb}: {result_type(x, y)}, torch {expected}"
        x, y = (Tensor(v) if isinstance(v, np.ndarray) else v for v in (x, y))
        assert (x * y).dtype == expected and (x + y).dtype == expected
        if "bool" in (da, db):
            with pytest.raises(TypeError, match="subtraction with a bool operand"):
                x - y
            with pytest.raises(RuntimeError, match="Subtraction"):
                x_t - y_t


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("kinds", [("n-d", "0-d"), ("0-d", "n-d"), ("n-d", "n-d"), ("0-d", "0-d")])
def test_gradients_come_back_in_each_inputs_own_dtype(op: str, kinds: tuple[str, str]) -> None:
    for da, db in itertools.permutations(["float32", "float64"]):
        (x, x_t), (y, y_t) = operand(da, kinds[0], 2), operand(db, kinds[1], 3)
        ours, theirs = [Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)], [x_t, y_t]
        for t in theirs:
            t.requires_grad_()
        out, out_t = BINARY[op](*ours), BINARY[op](*theirs)
        assert_close(f"autograd promotion {op}", f"{da} {kinds[0]} with {db} {kinds[1]}", out.data, out_t)
        out.sum().backward()
        out_t.sum().backward()
        for i in range(2):
            assert ours[i].grad.dtype == ours[i].dtype
            assert_close(f"autograd promotion {op}", f"grad {i}", ours[i].grad, theirs[i].grad)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
def test_unary_functions_and_powers_of_integers_follow_torch(dtype: str) -> None:
    x = (np.arange(1, 7).reshape(2, 3) % 3).astype(dtype)
    x_t = torch.from_numpy(x.copy())
    cases: dict[str, Callable[[Any], Any]] = {
        "exp": lambda t: t.exp(),
        "log": lambda t: t.log(),
        "tanh": lambda t: t.tanh(),
        "sigmoid": lambda t: t.sigmoid(),
        "sum": lambda t: t.sum(),
        **({} if dtype == "bool" else {"pow 2": lambda t: t**2, "pow 0.5": lambda t: t**0.5}),
    }
    for name, f in cases.items():
        out, out_t = f(Tensor(x)), f(x_t)
        assert out.dtype == out_t.numpy().dtype, f"{name} of {dtype}: {out.dtype}, torch {out_t.dtype}"
        assert_close(f"autograd {name} of {dtype}", "forward", out.data, out_t)
    if dtype != "float32":
        with pytest.raises(TypeError, match="mean: input must be floating point"):
            Tensor(x).mean()
    if dtype == "bool":
        with pytest.raises(TypeError, match="negation of a bool tensor"):
            -Tensor(x)


# ---- contracts no parity run sees -------------------------------------------------------------------------
def test_relu_gradient_at_exactly_0_is_0_as_torch() -> None:
    x = np.array([-1.0, -0.0, 0.0, 1e-300, 2.0])
    check_op("relu at 0", lambda t: t.relu(), [x])
    ours = Tensor(x, requires_grad=True)
    ours.relu().backward(np.ones(5))
    assert list(ours.grad) == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_a_leafs_first_gradient_is_a_copy_never_the_callers_array() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.sum().backward()  # sum's VJP is a read-only broadcast of g: .grad must own its memory
    x.sum().backward()
    assert np.array_equal(x.grad, [2.0, 2.0])
    for make in (lambda t: t + 0.0, lambda t: t, lambda t: t.reshape(2)):  # VJPs that pass g on unchanged
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        upstream = np.array([10.0, 20.0])
        make(x).backward(upstream)
        assert not np.shares_memory(x.grad, upstream)
        make(x).backward(upstream)
        assert np.array_equal(upstream, [10.0, 20.0]) and np.array_equal(x.grad, [20.0, 40.0])
    y = Tensor(np.array([1.0, 2.0]), requires_grad=True) * 1.0
    y.retain_grad()
    upstream = np.array([1.0, 1.0])
    y.backward(upstream)
    assert not np.shares_memory(y.grad, upstream)


def test_no_grad_restores_recording_when_its_block_raises() -> None:
    x = Tensor(np.ones(2), requires_grad=True)

    def fails_inside_no_grad() -> None:
        with no_grad():
            with no_grad():
                assert not (x * 2).requires_grad
            assert not (x * 2).requires_grad  # the inner block restored "off", not "on"
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fails_inside_no_grad()
    assert (x * 2).requires_grad and (x * 2).grad_fn is not None
    with torch.no_grad():
        pass
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 2], [4, 6, 5, 3], [2, 1, 1, 1, 2]])
def test_the_autograd_mlp_ends_in_a_linear_layer_as_torch_impls(sizes: list[int], activation: str) -> None:
    scratch.manual_seed(0)
    ours = models.MLP(sizes, activation).double()
    torch.manual_seed(0)
    theirs = torch_impl.models.MLP(sizes, activation).double()
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    layers = list(ours)
    assert isinstance(layers[-1], models.Linear) and len(layers) == 2 * len(sizes) - 3
    x = np.random.default_rng(0).standard_normal((4, sizes[0])) * 3
    assert_close("autograd MLP", f"{sizes} {activation}", ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach())


@pytest.mark.parametrize(
    "make",
    [
        lambda: models.Linear(3, 2),
        models.ReLU,
        models.Tanh,
        models.Sigmoid,
        lambda: models.SimpleMLP(3, 4, 2),
        lambda: models.MLP([3, 4, 2]),
        lambda: models.MLP([3, 2]),
    ],
)
def test_autograd_modules_have_no_manual_backward_and_say_so(make: Callable[[], scratch.nn.Module]) -> None:
    module = make()
    assert isinstance(module, models.AutogradModule) and not isinstance(module, scratch.nn.Linear)
    for method in ("backward", "backward_params"):
        if hasattr(module, method):
            with pytest.raises(RuntimeError, match=r"no manual backward: .*call loss\.backward\(\)"):
                getattr(module, method)(np.ones((1, 2)))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("features", [(4, 3), (1, 1), (7, 0), (0, 2)])
def test_linear_is_initialised_as_scratch_nn_linear_and_torch(
    features: tuple[int, int], dtype: type, bias: bool
) -> None:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    warns = pytest.warns(UserWarning, match="zero-element") if 0 in features else contextlib.nullcontext()
    with warns:
        scratch.manual_seed(5)
        ours = models.Linear(*features, bias=bias, dtype=dtype)
        scratch.manual_seed(5)
        manual = scratch.nn.Linear(*features, bias=bias, dtype=dtype)
        torch.manual_seed(5)
        theirs = torch.nn.Linear(*features, bias=bias, dtype=torch_dtype)
    assert list(ours.state_dict()) == list(manual.state_dict()) == list(theirs.state_dict())
    for key, value in ours.state_dict().items():
        assert np.array_equal(value, manual.state_dict()[key]) and value.dtype == dtype
        assert_close("autograd Linear init", key, value, theirs.state_dict()[key], tol=0.0)
    assert repr(ours) == repr(manual)
    x: np.ndarray = np.random.default_rng(1).standard_normal((2, features[0])).astype(dtype)
    assert_close("autograd Linear", "forward(input=...)", ours(input=Tensor(x)).data, theirs(torch.from_numpy(x)))
    assert list(inspect.signature(ours.forward).parameters) == list(inspect.signature(theirs.forward).parameters)
