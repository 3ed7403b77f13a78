"""scratch.autograd against torch.autograd: every operation's value and gradients (with broadcasting), graph
semantics (reuse, branches, accumulation, retain_graph, no_grad, detach), functional, gradcheck and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch
from parity_tests.harness import assert_close
from parity_tests.strategies import DTYPES, arrays
from scratch.autograd import Tensor, no_grad
from scratch.autograd import functional as F
from scratch.gradcheck import GradcheckError


def pair(x: np.ndarray, requires_grad: bool = True) -> tuple[Tensor, torch.Tensor]:
    return Tensor(x.copy(), requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad)


def check_op(name: str, op: Callable[..., Any], xs: list[np.ndarray]) -> None:
    """op on scratch Tensors and on torch tensors: the same output, and the same gradient for every input
    after backward with the same upstream gradient."""
    ours, theirs = zip(*(pair(x) for x in xs), strict=True)
    out, out_t = op(*ours), op(*theirs)
    assert_close(f"autograd {name}", "forward", out.data, out_t)
    g = np.random.default_rng(0).uniform(-1, 1, out.shape).astype(out.dtype)
    out.backward(g)
    out_t.backward(torch.from_numpy(g))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_close(f"autograd {name}", f"grad of input {i}", a.grad, b.grad)


# shapes that broadcast against each other: (3, 4) with (4,), (3, 1), (1, 4), () ...
BROADCAST_PAIRS = st.sampled_from(
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((5,), ()), ((), (2, 2)), ((1,), (3,))]
)
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@given(data=st.data(), shapes=BROADCAST_PAIRS, dtype=DTYPES, name=st.sampled_from(sorted(BINARY)))
def test_binary_operations_broadcast_and_sum_their_gradients_back(
    data: st.DataObject, shapes: tuple[tuple[int, ...], tuple[int, ...]], dtype: np.dtype, name: str
) -> None:
    a = data.draw(arrays(dtype, shapes[0], 100.0))
    b = data.draw(arrays(dtype, shapes[1], 100.0))
    if name == "div":  # away from 0: a/b and its gradient −g·a/b² overflow near it
        b = np.where(np.abs(b) < 0.5, dtype.type(0.5), b).astype(dtype)
    check_op(name, BINARY[name], [a, b])


UNARY = {
    "neg": lambda t: -t,
    "exp": lambda t: t.exp(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
    "square": lambda t: t**2,
    "cube": lambda t: t**3,
    "pow 0.5": lambda t: (t * t + 1) ** 0.5,
    "pow 0": lambda t: t**0,
    "reshape": lambda t: t.reshape(2, -1),
    "T": lambda t: t.T,
    "transpose": lambda t: t.transpose(0, 1),
    "sum": lambda t: t.sum(),
    "sum dim 0": lambda t: t.sum(0),
    "sum dim 1 keepdim": lambda t: t.sum(1, keepdim=True),
    "sum dims": lambda t: t.sum(dim=(0, 1)),
    "mean": lambda t: t.mean(),
    "mean dim -1": lambda t: t.mean(-1),
    "mean keepdim": lambda t: t.mean(0, keepdim=True),
    "max dim 1": lambda t: t.max(1).values,
    "max dim 0 keepdim": lambda t: t.max(0, keepdim=True).values,
    "max": lambda t: t.max(),
    "index rows": lambda t: t[np.array([0, 2, 2])] if isinstance(t, Tensor) else t[torch.tensor([0, 2, 2])],
    "index slice": lambda t: t[1:, ::2],
}


@given(data=st.data(), dtype=DTYPES, name=st.sampled_from(sorted(UNARY)))
def test_unary_operations_and_reductions_match_torch(data: st.DataObject, dtype: np.dtype, name: str) -> None:
    x = data.draw(arrays(dtype, (4, 6), 10.0 if name in ("exp", "cube") else 1e3))
    check_op(name, UNARY[name], [x])


@given(x=hnp.arrays(np.float64, (3, 5), elements=st.floats(0.01, 1e3)))
def test_log_matches_torch(x: np.ndarray) -> None:
    check_op("log", lambda t: t.log(), [x])


def test_ties_follow_torch() -> None:
    """max along a dim: the gradient goes to the first maximum; the full max shares it among all ties."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check_op("max dim ties", lambda t: t.max(1).values, [x])
    check_op("max ties", lambda t: t.max(), [x])
    ours = Tensor(x).max(1)
    assert np.array_equal(ours.indices.data, torch.tensor(x).max(1).indices.numpy())


@given(
    data=st.data(),
    dtype=DTYPES,
    shapes=st.sampled_from([((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5))]),
)
def test_matmul_matches_torch(data: st.DataObject, dtype: np.dtype, shapes: tuple[tuple[int, ...], ...]) -> None:
    check_op("matmul", lambda a, b: a @ b, [data.draw(arrays(dtype, s, 100.0)) for s in shapes])


def test_integer_indexing_picks_class_scores_and_accumulates_repeats() -> None:
    x = np.arange(12.0).reshape(4, 3)
    rows, cols = np.array([0, 1, 1, 3]), np.array([2, 0, 0, 1])
    ours, theirs = pair(x)
    ours[rows, cols].sum().backward()
    theirs[torch.from_numpy(rows), torch.from_numpy(cols)].sum().backward()
    assert_close("autograd index", "grad", ours.grad, theirs.grad, tol=0.0)
    assert ours.grad[1, 0] == 2.0  # picked twice


@given(data=st.data(), dtype=DTYPES, n=st.integers(1, 6), c=st.integers(2, 5))
def test_functional_matches_torch(data: st.DataObject, dtype: np.dtype, n: int, c: int) -> None:
    logits = data.draw(arrays(dtype, (n, c), 100.0))
    targets = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    w, b = data.draw(arrays(dtype, (c, c), 10.0)), data.draw(arrays(dtype, (c,), 10.0))
    check_op("log_softmax", lambda t: F.log_softmax(t, 1) if isinstance(t, Tensor) else t.log_softmax(1), [logits])
    check_op(
        "linear + tanh",  # not relu: at an output of exactly 0 one rounding flips the kink
        lambda x, w, b: (
            F.linear(x, w, b).tanh() if isinstance(x, Tensor) else torch.nn.functional.linear(x, w, b).tanh()
        ),
        # inputs up to 10: near tanh's saturation 1 − y² is ill-conditioned (torch's and NumPy's tanh may differ
        # by an ulp, relatively far larger in 1 − y²), and a large x multiplies that into dL/dW
        [np.clip(logits, -10, 10), w, b],
    )
    ours, theirs = pair(logits)
    loss, loss_t = F.cross_entropy(ours, targets), torch.nn.functional.cross_entropy(theirs, torch.from_numpy(targets))
    assert_close("autograd cross_entropy", "loss", loss.data, loss_t)
    loss.backward(), loss_t.backward()
    assert_close("autograd cross_entropy", "grad", ours.grad, theirs.grad)
    target = data.draw(arrays(dtype, (n, c), 100.0))
    check_op(
        "mse_loss",
        lambda t: (
            F.mse_loss(t, target)
            if isinstance(t, Tensor)
            else torch.nn.functional.mse_loss(t, torch.from_numpy(target))
        ),
        [logits],
    )


# ---- the graph -------------------------------------------------------------------------------
def test_a_tensor_used_twice_gets_both_gradients_and_branches_add_up() -> None:
    x = np.array([0.5, -1.5, 2.0])
    ours, theirs = pair(x)
    for t in (ours, theirs):
        y = t * t  # t used twice in one operation
        z = y.tanh() + y.sigmoid() * t  # two branches from y, t used again
        z.sum().backward()
    assert_close("autograd graph", "reuse and branches", ours.grad, theirs.grad)


def test_two_backward_calls_accumulate_exactly_g_plus_g() -> None:
    x = np.array([[0.3, -0.2], [1.1, 0.7]])
    ours, theirs = pair(x)
    for t in (ours, theirs):
        (t.exp() * t).sum().backward()
    first = ours.grad.copy()
    for t in (ours, theirs):
        (t.exp() * t).sum().backward()
    assert np.array_equal(ours.grad, first + first)
    assert_close("autograd graph", "accumulation", ours.grad, theirs.grad)


def test_a_second_backward_needs_retain_graph_as_in_torch() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert np.array_equal(x.grad, [4.0, 8.0])
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    yt = (xt * xt).sum()
    yt.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        yt.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_no_grad_detach_and_leaves() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = (x * 2).detach()
    assert not z.requires_grad and z.data is not None and z.is_leaf
    w = x * 3
    assert not w.is_leaf and w.grad_fn.name == "MulBackward0" and x.is_leaf
    w.retain_grad()
    w.sum().backward()
    assert np.array_equal(w.grad, np.ones(3)) and np.array_equal(x.grad, [3.0, 3.0, 3.0])


def test_errors_are_torchs_or_clear() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        Tensor(np.ones(2)).sum().backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\), but the tensor has shape \(2, 3\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(2,\) do not broadcast"):
        x + np.ones(2)
    with pytest.raises(ValueError, match="cannot be multiplied"):
        x @ Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match="same dtype"):
        x @ Tensor(np.ones((3, 2), np.float32))
    with pytest.raises(TypeError, match="floating point"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="class indices"):
        F.cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(TypeError, match="exponent must be a number"):
        x ** Tensor(np.ones(1))
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        scratch.optim.SGD([x * 2], lr=0.1)


def test_operands_may_be_arrays_or_numbers_on_either_side() -> None:
    x = np.array([1.0, 2.0])
    ours, theirs = pair(x)
    out = 2.0 - np.array([3.0, 1.0]) * ours / 4 + 1
    out_t = 2.0 - torch.tensor([3.0, 1.0]) * theirs / 4 + 1
    assert_close("autograd operands", "forward", out.data, out_t)
    assert isinstance(out, Tensor) and out.dtype == np.float64
    assert (Tensor(np.ones(2, np.float32)) * 2.5).dtype == np.float32  # a Python number takes the tensor's dtype


# ---- gradcheck -------------------------------------------------------------------------------
def test_gradcheck_accepts_functions_of_tensors() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert scratch.gradcheck(lambda x, w: F.log_softmax(F.linear(x, w).tanh(), 1), (x, w))
    assert scratch.gradcheck(lambda x: (x.sigmoid() / (x * x + 1)).sum(0), x)

    def broken(x: Tensor) -> Tensor:
        return x * x.detach()  # the detach drops half of the gradient 2x

    assert not scratch.gradcheck(broken, x, raise_exception=False)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        scratch.gradcheck(broken, x)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        scratch.gradcheck(lambda x: x * 2, Tensor(np.ones(2)))


def test_the_graph_picture_labels_every_operation_and_numbers_backwards_order() -> None:
    from plots.graph import graph_figure, layout

    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.full(2, 2.0), requires_grad=True)
    e = (a * b + 1).sum()
    boxes = layout(e, {"a": a, "b": b})
    labels = [box.label.split("\n")[0] for box in boxes]
    assert sorted(labels) == ["Add", "Mul", "Sum", "a", "b", "constant"]
    turns = {box.label.split("\n")[0]: box.turn for box in boxes if box.turn is not None}
    assert turns == {"Sum": 1, "Add": 2, "Mul": 3}  # backward starts at the loss
    assert all(
        box.level < next(b2.level for b2 in boxes if b2.label.startswith("Mul"))
        for box in boxes
        if box.label.split("\n")[0] in ("a", "b")
    )
    texts = [t.get_text() for t in graph_figure(e, {"a": a, "b": b}, "e").axes[0].texts]
    assert "Mul\n2" in texts and "Sum\nscalar" in texts
