"""scratch.optim and scratch.nn.utils.clip_grad_norm_ against torch, step for step.

Trajectory tests: both sides start from the same parameters; at every step each
side computes its gradient from its *own* current parameters,
g = sign·(A_t ⊙ p + B_t + sin p) with fresh A_t, B_t from a seeded NumPy stream,
so any difference in the update rule compounds over the run.  A_t ∈ [0.5, 1.5]
keeps the objective convex enough that high learning rates stay bounded; for
``maximize`` the sign is flipped so that the ascent stays bounded too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratch.optim
from parity_tests.harness import REPORT, assert_close, check_rejects, check_state
from parity_tests.strategies import DTYPES
from scratch.nn import Parameter
from scratch.nn.utils import clip_grad_norm_
from scratch.optim import fast
from scratch.optim.adam import adam_update
from scratch.optim.fast import adam_update_chunked

SHAPES = [(5, 4), (6,)]
SHAPES3 = [(5, 4), (4,), (3, 5)]
F64_TOL = 1e-13  # the trajectory target for float64 (float32 uses the harness's 1e-5)


def tol(dtype: np.dtype[Any]) -> float | None:
    return F64_TOL if dtype == np.float64 else None


def make_params(
    shapes: list[tuple[int, ...]], dtype: np.dtype[Any], seed: int = 0
) -> tuple[list[Parameter], list[torch.nn.Parameter]]:
    rng = np.random.default_rng(seed)
    values = [np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes]
    return [Parameter(v.copy()) for v in values], [torch.nn.Parameter(torch.tensor(v.copy())) for v in values]


def groups_of(params: list[Any], group_options: list[dict[str, Any]] | None) -> list[Any]:
    """``params`` as they are, or split into groups: parameter i joins group min(i, last)."""
    if group_options is None:
        return params
    groups: list[dict[str, Any]] = [{"params": [], **opts} for opts in group_options]
    for i, p in enumerate(params):
        groups[min(i, len(groups) - 1)]["params"].append(p)
    return groups


def make_optimizers(
    name: str,
    sp: list[Parameter],
    tp: list[torch.nn.Parameter],
    kwargs: dict[str, Any],
    group_options: list[dict[str, Any]] | None = None,
) -> tuple[Any, torch.optim.Optimizer]:
    s_opt = getattr(scratch.optim, name)(groups_of(sp, group_options), **kwargs)
    t_opt = getattr(torch.optim, name)(groups_of(tp, group_options), **kwargs)
    return s_opt, t_opt


def drive(
    s_opt: Any,
    t_opt: torch.optim.Optimizer,
    sp: list[Parameter],
    tp: list[torch.nn.Parameter],
    steps: int,
    seed: int = 1,
    sign: float = 1.0,
    missing: float = 0.0,
) -> None:
    """``steps`` optimizer steps on both sides; each side's gradient comes from its own parameters."""
    drive_many([s_opt], t_opt, [sp], tp, steps, seed, sign, missing)


def drive_many(
    s_opts: list[Any],
    t_opt: torch.optim.Optimizer,
    s_params: list[list[Parameter]],
    tp: list[torch.nn.Parameter],
    steps: int,
    seed: int = 1,
    sign: float = 1.0,
    missing: float = 0.0,
) -> None:
    """``drive`` with several scratch optimizers, each on its own parameters, following one torch run."""
    rng = np.random.default_rng(seed)
    dtype = s_params[0][0].dtype
    sizes = [p.numel() for p in tp]
    splits = np.cumsum(sizes)[:-1]
    factor = dtype.type(sign)

    def gradient(p: np.ndarray[Any, Any], a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.asarray(factor * (a.reshape(p.shape) * p + b.reshape(p.shape) + np.sin(p)))

    A = rng.uniform(0.5, 1.5, (steps, sum(sizes))).astype(dtype)
    B = rng.standard_normal((steps, sum(sizes))).astype(dtype)
    skip = rng.random((steps, len(tp))) < missing
    for t in range(steps):
        a, b = np.split(A[t], splits), np.split(B[t], splits)
        for params, opt in zip(s_params, s_opts, strict=True):
            for i, p in enumerate(params):
                p.grad = None if skip[t, i] else gradient(p.data, a[i], b[i])
            opt.step()
        for i, p in enumerate(tp):
            p.grad = None if skip[t, i] else torch.from_numpy(gradient(p.detach().numpy(), a[i], b[i]))
        t_opt.step()


def compare(
    component: str,
    s_opt: Any,
    t_opt: torch.optim.Optimizer,
    sp: list[Parameter],
    tp: list[torch.nn.Parameter],
    tolerance: float | None,
) -> None:
    """Parameters, the set of parameters that have state, and every state array."""
    for i, (ps, pt) in enumerate(zip(sp, tp, strict=True)):
        assert_close(component, f"param {i}", ps.data, pt, tol=tolerance)
    s_sd, t_sd = s_opt.state_dict(), t_opt.state_dict()
    assert sorted(s_sd["state"]) == sorted(t_sd["state"]), "different parameters have state"
    for i, t_state in t_sd["state"].items():
        check_state(component, s_sd["state"][i], t_state)


# ---- trajectories: 1000 steps per option combination --------------------------------------------
# (name, constructor kwargs, group options, sign, missing-gradient rate)
CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]] | None, float, float]] = [
    ("SGD", {"lr": 0.5}, None, 1.0, 0.0),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, None, 1.0, 0.0),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}, None, 1.0, 0.3),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True}, None, -1.0, 0.0),
    ("SGD", {"lr": 0.01}, [{"lr": 0.3, "momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1}], 1.0, 0.1),
    ("Adam", {"lr": 0.01}, None, 1.0, 0.0),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}, None, -1.0, 0.3),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.5), "eps": 1e-6, "amsgrad": True}, None, 1.0, 0.0),  # lerp's w ≥ 0.5
    ("Adam", {"lr": 1.0, "amsgrad": True}, None, 1.0, 0.0),
    ("Adam", {"lr": 0.01}, [{"lr": 0.1, "amsgrad": True, "betas": (0.5, 0.9)}, {"weight_decay": 0.1}], 1.0, 0.1),
    ("AdamW", {"lr": 0.01}, None, 1.0, 0.0),
    ("AdamW", {"lr": 1.0, "weight_decay": 0.5, "amsgrad": True}, None, 1.0, 0.0),
    ("AdamW", {"lr": 0.01, "maximize": True, "eps": 1e-3}, None, -1.0, 0.3),
]


def case_id(case: tuple[str, dict[str, Any], Any, float, float]) -> str:
    name, kwargs, groups, _, missing = case
    opts = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({opts}){'-groups' if groups else ''}{f'-missing{missing}' if missing else ''}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_1000_steps(case: tuple[str, dict[str, Any], Any, float, float], dtype: type) -> None:
    name, kwargs, group_options, sign, missing = case
    sp, tp = make_params(SHAPES, np.dtype(dtype))
    s_opt, t_opt = make_optimizers(name, sp, tp, kwargs, group_options)
    REPORT.count_case(name, np.dtype(dtype))
    drive(s_opt, t_opt, sp, tp, steps=1000, sign=sign, missing=missing)
    compare(name, s_opt, t_opt, sp, tp, tol(np.dtype(dtype)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_adam_chunked_fast_path_trajectory(dtype: type) -> None:
    """``fused=True``'s cache-sized slices (forced here with 7-element slices) follow torch's default."""
    sp, tp = make_params(SHAPES, np.dtype(dtype))
    s_opt, t_opt = make_optimizers("AdamW", sp, tp, {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True})
    s_opt = scratch.optim.AdamW(sp, lr=0.05, weight_decay=0.1, amsgrad=True, fused=True)
    s_opt.chunk_size, s_opt.flat_max_size = 7, -1
    REPORT.count_case("Adam (chunked)", np.dtype(dtype))
    drive(s_opt, t_opt, sp, tp, steps=300, missing=0.1)
    compare("Adam (chunked)", s_opt, t_opt, sp, tp, tol(np.dtype(dtype)))


def test_adam_large_parameter_takes_fast_path() -> None:
    """With ``fused=True`` a parameter larger than one slice goes through ``adam_update_chunked``."""
    sp, tp = make_params([(300, 250), (7,)], np.dtype(np.float32))
    s_opt, t_opt = make_optimizers("Adam", sp, tp, {"lr": 0.01, "weight_decay": 0.01})
    s_opt = scratch.optim.Adam(sp, lr=0.01, weight_decay=0.01, fused=True)
    assert sp[0].size > fast.CHUNK_BYTES // 4
    REPORT.count_case("Adam (chunked)", np.dtype(np.float32))
    drive(s_opt, t_opt, sp, tp, steps=20)
    compare("Adam (chunked)", s_opt, t_opt, sp, tp, None)


# ---- hypothesis over hyper-parameters and shapes ---------------------------------------------------
shape_lists = st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5), min_size=1, max_size=3)
unit = st.floats(0.0, 1.0)


@given(
    dtype=DTYPES,
    shapes=shape_lists,
    lr=st.floats(0.0, 0.2),
    momentum=st.one_of(st.just(0.0), st.floats(0.0, 0.9)),
    dampening=st.one_of(st.just(0.0), unit),
    weight_decay=st.one_of(st.just(0.0), st.floats(0.0, 0.5)),
    nesterov=st.booleans(),
    maximize=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_sgd_hypothesis(
    dtype: np.dtype[Any],
    shapes: list[tuple[int, ...]],
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
    seed: int,
) -> None:
    nesterov = nesterov and momentum > 0
    dampening = 0.0 if nesterov else dampening
    kwargs = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay}
    sp, tp = make_params(shapes, dtype, seed)
    s_opt, t_opt = make_optimizers("SGD", sp, tp, {**kwargs, "nesterov": nesterov, "maximize": maximize})
    REPORT.count_case("SGD", dtype)
    drive(s_opt, t_opt, sp, tp, steps=20, seed=seed, sign=-1.0 if maximize else 1.0, missing=0.2)
    compare("SGD", s_opt, t_opt, sp, tp, tol(dtype))


@given(
    dtype=DTYPES,
    shapes=shape_lists,
    name=st.sampled_from(["Adam", "AdamW"]),
    lr=st.floats(0.0, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2_fraction=st.floats(0.0, 0.999),
    eps=st.sampled_from([0.0, 1e-12, 1e-8, 1e-6, 1e-3]),
    weight_decay=st.one_of(st.just(0.0), st.floats(0.0, 0.5)),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_adam_hypothesis(
    dtype: np.dtype[Any],
    shapes: list[tuple[int, ...]],
    name: str,
    lr: float,
    beta1: float,
    beta2_fraction: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    seed: int,
) -> None:
    # β2 ≥ max(β1, 0.5) keeps m̂/√v̂ a smooth function of the gradients.  With small β1 and β2 the update
    # tends to lr·sign(g) (β1 = β2 = 0 is sign descent), whose jumps turn 1-ulp differences into lr-sized
    # ones: a property of the algorithm, not of either implementation.  CASES covers betas=(0.3, 0.5).
    low = max(beta1, 0.5)
    beta2 = low + (1 - low) * beta2_fraction
    kwargs = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
    sp, tp = make_params(shapes, dtype, seed)
    s_opt, t_opt = make_optimizers(name, sp, tp, {**kwargs, "maximize": maximize})
    REPORT.count_case(name, dtype)
    drive(s_opt, t_opt, sp, tp, steps=20, seed=seed, sign=-1.0 if maximize else 1.0, missing=0.2)
    compare(name, s_opt, t_opt, sp, tp, tol(dtype))


@given(
    dtype=DTYPES,
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=12),
    chunk=st.integers(1, 40),
    betas=st.sampled_from([(0.9, 0.999), (0.3, 0.5), (0.0, 0.0)]),
    weight_decay=st.sampled_from([0.0, 0.1]),
    decoupled=st.booleans(),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_adam_chunked_equals_plain_bitwise(
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    chunk: int,
    betas: tuple[float, float],
    weight_decay: float,
    decoupled: bool,
    amsgrad: bool,
    maximize: bool,
    seed: int,
) -> None:
    """``adam_update_chunked`` is ``adam_update`` bit for bit, whatever the slice size."""
    group = {
        "lr": 0.01,
        "betas": betas,
        "eps": 1e-8,
        "weight_decay": weight_decay,
        "maximize": maximize,
        "decoupled_weight_decay": decoupled,
    }
    rng = np.random.default_rng(seed)
    p1 = rng.standard_normal(shape).astype(dtype)
    p2 = p1.copy()
    plain_state = [np.zeros(shape, dtype) for _ in range(3)]
    chunked_state = [np.zeros(shape, dtype) for _ in range(3)]
    for t in range(1, 8):
        g = rng.standard_normal(shape).astype(dtype)
        m, v, v_max = plain_state
        adam_update(p1, g, m, v, v_max if amsgrad else None, float(t), group)
        m, v, v_max = chunked_state
        adam_update_chunked(p2, g, m, v, v_max if amsgrad else None, float(t), group, chunk=chunk)
    assert np.array_equal(p1, p2)
    for a, b in zip(plain_state, chunked_state, strict=True):
        assert np.array_equal(a, b)


# ---- state_dict ------------------------------------------------------------------------------------
STATEFUL = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.05}),
]
TWO_GROUPS = [{"lr": 0.02}, {}]


def numpy_state_dict(t_opt: torch.optim.Optimizer) -> dict[str, Any]:
    """torch's state_dict with every tensor as a NumPy array (copies)."""
    sd = t_opt.state_dict()
    state = {i: {k: v.detach().numpy().copy() for k, v in s.items()} for i, s in sd["state"].items()}
    return {"state": state, "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize(("name", "kwargs"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_has_torch_structure(name: str, kwargs: dict[str, Any]) -> None:
    sp, tp = make_params(SHAPES3, np.dtype(np.float64))
    s_opt, t_opt = make_optimizers(name, sp, tp, kwargs, TWO_GROUPS)
    drive(s_opt, t_opt, sp[:-1], tp[:-1], steps=5)
    s_sd, t_sd = s_opt.state_dict(), t_opt.state_dict()
    assert list(s_sd) == ["state", "param_groups"] == list(t_sd)
    assert list(s_sd["state"]) == list(t_sd["state"]) == [0, 1]  # parameter 2 never had a gradient
    for s_group, t_group in zip(s_sd["param_groups"], t_sd["param_groups"], strict=True):
        assert s_group["params"] == t_group["params"]  # [0] and [1, 2]
        assert {k: t_group[k] for k in s_group} == s_group
    for i in t_sd["state"]:
        check_state(name, s_sd["state"][i], t_sd["state"][i])
    if name != "SGD":
        step = s_sd["state"][0]["step"]
        assert isinstance(step, np.ndarray) and step.shape == () and step.dtype == np.float32 and step == 5


@pytest.mark.parametrize(("name", "kwargs"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_round_trip_and_snapshot(name: str, kwargs: dict[str, Any]) -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    s_opt, t_opt = make_optimizers(name, sp, tp, kwargs, TWO_GROUPS)
    drive(s_opt, t_opt, sp, tp, steps=4)
    saved = s_opt.state_dict()
    fresh = getattr(scratch.optim, name)(groups_of([Parameter(p.data.copy()) for p in sp], [{}, {}]))
    fresh.load_state_dict(saved)
    again = fresh.state_dict()
    assert again["param_groups"] == saved["param_groups"]
    for i, state in saved["state"].items():
        assert list(again["state"][i]) == list(state)
        for key, value in state.items():
            assert np.array_equal(again["state"][i][key], value)
            assert again["state"][i][key].dtype == value.dtype
    before = {i: {k: v.copy() for k, v in s.items()} for i, s in saved["state"].items()}
    drive(s_opt, t_opt, sp, tp, steps=2)  # unlike torch's, a saved state_dict is a snapshot
    for i, state in saved["state"].items():
        for key, value in state.items():
            assert np.array_equal(value, before[i][key])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize(("name", "kwargs"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_load_state_dict_mid_run_continues_the_trajectory(name: str, kwargs: dict[str, Any], dtype: type) -> None:
    """Save at step 100 and load into a fresh optimizer: it continues bit for bit.  Loading
    torch's own state_dict (as NumPy arrays) into a scratch optimizer continues torch's run."""
    dt = np.dtype(dtype)
    sp, tp = make_params(SHAPES, dt)
    s_opt, t_opt = make_optimizers(name, sp, tp, kwargs, TWO_GROUPS)
    drive(s_opt, t_opt, sp, tp, steps=100, missing=0.1)

    resumed = [Parameter(p.data.copy()) for p in sp]  # built with default options: the state_dict brings them
    r_opt = getattr(scratch.optim, name)(groups_of(resumed, [{}, {}]))
    r_opt.load_state_dict(s_opt.state_dict())
    from_torch = [Parameter(p.detach().numpy().copy()) for p in tp]
    x_opt = getattr(scratch.optim, name)(groups_of(from_torch, [{}, {}]))
    x_opt.load_state_dict(numpy_state_dict(t_opt))

    drive_many([s_opt, r_opt, x_opt], t_opt, [sp, resumed, from_torch], tp, steps=100, seed=7, missing=0.1)
    for ps, pr in zip(sp, resumed, strict=True):
        assert np.array_equal(ps.data, pr.data)
    compare(name, x_opt, t_opt, from_torch, tp, tol(dt))
    compare(name, s_opt, t_opt, sp, tp, tol(dt))


def test_load_state_dict_rejects_a_different_layout() -> None:
    sp, tp = make_params(SHAPES3, np.dtype(np.float64))
    s_opt, t_opt = make_optimizers("SGD", sp, tp, {"momentum": 0.9}, TWO_GROUPS)
    s_other = scratch.optim.SGD(sp, momentum=0.9)
    t_other = torch.optim.SGD(tp, momentum=0.9)
    check_rejects(
        lambda: s_other.load_state_dict(s_opt.state_dict()),
        lambda: t_other.load_state_dict(t_opt.state_dict()),
        match="loaded state dict has a different number of parameter groups",
    )
    s_other = scratch.optim.SGD([{"params": sp[:2]}, {"params": sp[2:]}], momentum=0.9)
    t_other = torch.optim.SGD([{"params": tp[:2]}, {"params": tp[2:]}], momentum=0.9)
    check_rejects(
        lambda: s_other.load_state_dict(s_opt.state_dict()),
        lambda: t_other.load_state_dict(t_opt.state_dict()),
        match="doesn't match the size of optimizer's group",
    )


# ---- validation: the same errors as torch -----------------------------------------------------------
def torch_message(call: Callable[[], Any]) -> str:
    try:
        call()
    except (ValueError, TypeError) as error:
        return str(error)
    raise AssertionError("torch accepted the input")


BAD_HYPERPARAMETERS = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1}),
    ("SGD", {"nesterov": True}),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1e-3}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (-0.1, 0.999)}),
    ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"weight_decay": -0.1}),
    ("Adam", {"betas": (0, 0.999)}),  # an int beta
    ("AdamW", {"lr": -1.0}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("AdamW", {"weight_decay": -0.01}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD_HYPERPARAMETERS, ids=[f"{n}{k}" for n, k in BAD_HYPERPARAMETERS])
def test_rejects_bad_hyperparameters_like_torch(name: str, kwargs: dict[str, Any]) -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    message = torch_message(lambda: getattr(torch.optim, name)(tp, **kwargs))
    check_rejects(
        lambda: getattr(scratch.optim, name)(sp, **kwargs),
        lambda: getattr(torch.optim, name)(tp, **kwargs),
        match=f"^{re.escape(message)}$",
        scratch_errors=ValueError,
    )


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_rejects_bad_parameter_lists_like_torch(name: str) -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    s_cls, t_cls = getattr(scratch.optim, name), getattr(torch.optim, name)
    empty = "^optimizer got an empty parameter list$"
    check_rejects(lambda: s_cls([]), lambda: t_cls([]), match=empty, scratch_errors=ValueError)
    check_rejects(lambda: s_cls(p for p in []), lambda: t_cls(p for p in []), match=empty, scratch_errors=ValueError)
    check_rejects(
        lambda: s_cls([{"params": sp[:2]}, {"params": sp[1:]}]),
        lambda: t_cls([{"params": tp[:2]}, {"params": tp[1:]}]),
        match="^some parameters appear in more than one parameter group$",
        scratch_errors=ValueError,
    )
    check_rejects(lambda: s_cls(sp[0]), lambda: t_cls(tp[0]), match="should be an iterable", scratch_errors=TypeError)
    check_rejects(lambda: s_cls([1.0]), lambda: t_cls([1.0]), match="can only optimize", scratch_errors=TypeError)
    check_rejects(
        lambda: s_cls([{"params": set(sp)}]),
        lambda: t_cls([{"params": set(tp)}]),
        match="ordered collections",
        scratch_errors=TypeError,
    )
    check_rejects(lambda: s_cls(sp, lr="0.1"), lambda: t_cls(tp, lr="0.1"), scratch_errors=TypeError)


def test_duplicate_parameter_in_a_group_warns_like_torch() -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    with pytest.warns(UserWarning, match="duplicate parameters"):
        torch.optim.SGD([tp[0], tp[0]])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        scratch.optim.SGD([sp[0], sp[0]])


# ---- behaviour ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_zero_grad_and_parameters_without_gradient(name: str) -> None:
    """After zero_grad() grads are None and step() changes nothing; set_to_none=False zeros them,
    and a zero gradient is not skipped (weight decay still moves p)."""
    sp, tp = make_params(SHAPES, np.dtype(np.float64))
    s_opt, t_opt = make_optimizers(name, sp, tp, {"lr": 0.1, "weight_decay": 0.5})
    drive(s_opt, t_opt, sp, tp, steps=1)
    s_opt.zero_grad()
    t_opt.zero_grad()
    assert all(p.grad is None for p in sp) and all(p.grad is None for p in tp)
    before = [p.data.copy() for p in sp]
    s_opt.step()
    t_opt.step()
    assert all(np.array_equal(b, p.data) for b, p in zip(before, sp, strict=True))
    drive(s_opt, t_opt, sp, tp, steps=1)
    s_opt.zero_grad(set_to_none=False)
    t_opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in sp)
    s_opt.step()
    t_opt.step()
    assert not all(np.array_equal(b, p.data) for b, p in zip(before, sp, strict=True))
    compare(name, s_opt, t_opt, sp, tp, F64_TOL)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_float32_stays_float32_and_updates_in_place(name: str) -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    options = {"momentum": 0.9, "nesterov": True} if name == "SGD" else {"amsgrad": True, "maximize": True}
    s_opt, t_opt = make_optimizers(name, sp, tp, {"lr": 0.1, "weight_decay": 0.1, **options})
    arrays = [p.data for p in sp]
    drive(s_opt, t_opt, sp, tp, steps=3)
    assert all(p.data is a for p, a in zip(sp, arrays, strict=True))
    assert all(p.data.dtype == np.float32 for p in sp)
    for state in s_opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values())
    compare(name, s_opt, t_opt, sp, tp, None)


@pytest.mark.parametrize(("name", "kwargs"), [("SGD", {"momentum": 0.9}), ("Adam", {"eps": 0.0}), ("AdamW", {})])
def test_nan_and_inf_pass_through_silently_like_torch(name: str, kwargs: dict[str, Any]) -> None:
    """A NaN gradient poisons only its own elements; Adam with eps=0 and a zero gradient gives 0/0 = NaN."""
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    s_opt, t_opt = make_optimizers(name, sp, tp, kwargs)
    grads = [np.zeros(SHAPES[0], np.float32), np.array([np.nan, np.inf, -np.inf, 1.0, 0.0, 1e30], np.float32)]
    for ps, pt, g in zip(sp, tp, grads, strict=True):
        ps.grad, pt.grad = g.copy(), torch.tensor(g)
    s_opt.step()  # pytest turns any NumPy RuntimeWarning into an error
    t_opt.step()
    compare(name, s_opt, t_opt, sp, tp, None)


def test_closure_and_add_param_group_like_torch() -> None:
    sp, tp = make_params(SHAPES3, np.dtype(np.float64))
    s_opt = scratch.optim.Adam(sp[:2], lr=0.05)
    t_opt = torch.optim.Adam(tp[:2], lr=0.05)
    drive(s_opt, t_opt, sp[:2], tp[:2], steps=10)
    s_opt.add_param_group({"params": sp[2], "lr": 0.2, "amsgrad": True})
    t_opt.add_param_group({"params": tp[2], "lr": 0.2, "amsgrad": True})
    assert s_opt.param_groups[1]["betas"] == t_opt.param_groups[1]["betas"]
    drive(s_opt, t_opt, sp, tp, steps=40)
    compare("Adam", s_opt, t_opt, sp, tp, F64_TOL)
    assert s_opt.step(closure=lambda: 1.5) == t_opt.step(closure=lambda: 1.5) == 1.5
    check_rejects(
        lambda: s_opt.add_param_group({"params": [sp[0]]}),
        lambda: t_opt.add_param_group({"params": [tp[0]]}),
        match="more than one parameter group",
    )


# ---- clip_grad_norm_ -------------------------------------------------------------------------------
@given(
    dtype=DTYPES,
    shapes=st.lists(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=20), min_size=1, max_size=4),
    max_norm=st.floats(1e-3, 1e3),
    norm_type=st.sampled_from([2.0, 1.0, float("inf"), 3.0, 0.5]),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_clip_grad_norm_hypothesis(
    dtype: np.dtype[Any], shapes: list[tuple[int, ...]], max_norm: float, norm_type: float, scale: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    sp, tp = make_params(shapes, dtype, seed)
    for i, (ps, pt) in enumerate(zip(sp, tp, strict=True)):
        if i == 1:
            continue  # a parameter without a gradient is ignored
        g = np.asarray(rng.standard_normal(ps.shape) * scale).astype(dtype)
        ps.grad, pt.grad = g.copy(), torch.tensor(g.copy())
    REPORT.count_case("clip_grad_norm_", dtype)
    total = clip_grad_norm_(sp, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert_close("clip_grad_norm_", "total norm", total, expected)
    for ps, pt in zip(sp, tp, strict=True):
        assert (ps.grad is None) == (pt.grad is None)
        if ps.grad is not None:
            assert_close("clip_grad_norm_", "clipped grad", ps.grad, pt.grad)


def test_clip_grad_norm_edge_cases_like_torch() -> None:
    sp, tp = make_params([(3,)], np.dtype(np.float32))
    assert clip_grad_norm_(sp, 1.0) == torch.nn.utils.clip_grad_norm_(tp, 1.0) == 0.0  # no gradients at all
    with pytest.warns(UserWarning, match="empty generator"):
        torch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)
    sp[0].grad = np.array([3.0, 4.0, 0.0], np.float32)
    tp[0].grad = torch.tensor([3.0, 4.0, 0.0])
    assert_close(
        "clip_grad_norm_", "single parameter", clip_grad_norm_(sp[0], 1.0), torch.nn.utils.clip_grad_norm_(tp[0], 1.0)
    )
    assert_close("clip_grad_norm_", "grad", sp[0].grad, tp[0].grad)
    sp[0].grad[0], tp[0].grad[0] = np.inf, np.inf
    check_rejects(
        lambda: clip_grad_norm_(sp, 1.0, error_if_nonfinite=True),
        lambda: torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True),
        match="non-finite",
        scratch_errors=RuntimeError,
    )


# ---- fast paths: equal to the plain rule bit for bit, and to torch --------------------------------------


def assert_same_bits(fast: Any, plain: Any, fp: list[Parameter], pp: list[Parameter]) -> None:
    """Parameters and the whole state_dict equal, bit for bit (NaN where NaN), in the same layout."""
    for a, b in zip(fp, pp, strict=True):
        assert a.data.dtype == b.data.dtype and np.array_equal(a.data, b.data, equal_nan=True)
    f_sd, p_sd = fast.state_dict(), plain.state_dict()
    paths = ("foreach", "fused")  # the one difference between the two
    assert [{k: v for k, v in g.items() if k not in paths} for g in f_sd["param_groups"]] == [
        {k: v for k, v in g.items() if k not in paths} for g in p_sd["param_groups"]
    ]
    assert list(f_sd["state"]) == list(p_sd["state"])
    for i, state in p_sd["state"].items():
        assert list(f_sd["state"][i]) == list(state)
        for key, value in state.items():
            got = f_sd["state"][i][key]
            assert got.shape == value.shape and got.dtype == value.dtype
            assert np.array_equal(got, value, equal_nan=True), (i, key)


def drive_twins(
    fast: Any, plain: Any, fp: list[Parameter], pp: list[Parameter], steps: int, seed: int, missing: float, reload: int
) -> None:
    """The same gradients to both; at step ``reload`` the fast one reloads its own state_dict (mid-run)."""
    rng = np.random.default_rng(seed)
    for t in range(steps):
        if t == reload:
            fast.load_state_dict(fast.state_dict())
        skip = rng.random(len(fp)) < missing
        for a, b, s in zip(fp, pp, skip, strict=True):
            g = None if s else rng.standard_normal(a.shape).astype(a.dtype) + np.sin(a.data)
            a.grad, b.grad = (None, None) if g is None else (g, g.copy())
        fast.step()
        plain.step()


mixed_shapes = st.lists(
    st.one_of(
        hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4),  # small: the flat state
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=5, max_side=9),  # large: slices
    ),
    min_size=1,
    max_size=6,
)


@given(
    dtype=DTYPES,
    shapes=mixed_shapes,
    two_groups=st.booleans(),
    name=st.sampled_from(["Adam", "AdamW"]),
    betas=st.sampled_from([(0.9, 0.999), (0.3, 0.5), (0.0, 0.0)]),
    eps=st.sampled_from([0.0, 1e-8]),
    weight_decay=st.sampled_from([0.0, 0.1]),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    path=st.sampled_from(["foreach", "fused"]),
    chunk=st.integers(1, 30),
    missing=st.sampled_from([0.0, 0.0, 0.3]),
    reload=st.integers(0, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_adam_fast_paths_equal_plain_rule_bitwise(
    dtype: np.dtype[Any],
    shapes: list[tuple[int, ...]],
    two_groups: bool,
    name: str,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    path: str,
    chunk: int,
    missing: float,
    reload: int,
    seed: int,
) -> None:
    """``foreach=True`` and ``fused=True``: flat state for the small parameters (≤ 16 elements here) and (fused)
    slices for the large ones give what ``adam_update`` gives one parameter at a time: with gradients missing
    on some steps (step counts part), two groups with different options, and a ``load_state_dict`` mid-run."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s).astype(dtype) for s in shapes]
    fp, pp = [Parameter(v.copy()) for v in values], [Parameter(v.copy()) for v in values]
    kwargs = {"lr": 0.01, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
    options = [{"lr": 0.1, "amsgrad": not amsgrad}, {}] if two_groups else None
    fast = getattr(scratch.optim, name)(groups_of(fp, options), **kwargs, maximize=maximize, **{path: True})
    fast.flat_max_size, fast.chunk_size = 16, chunk
    plain = getattr(scratch.optim, name)(groups_of(pp, options), **kwargs, maximize=maximize)  # adam_update
    with np.errstate(all="ignore"):
        drive_twins(fast, plain, fp, pp, steps=15, seed=seed, missing=missing, reload=reload)
    assert_same_bits(fast, plain, fp, pp)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_adam_flat_state_is_per_parameter_views(dtype: type) -> None:
    """The small parameters share one buffer per key, yet the state reads per parameter as torch's;
    after ``load_state_dict`` the state is rebuilt into a flat buffer and the run goes on as torch's."""
    shapes = [(64, 32), (64,), (10, 64), (10,), (300, 250)]  # an MLP's small layers and one large weight
    sp, tp = make_params(shapes, np.dtype(dtype))
    s_opt, t_opt = make_optimizers("Adam", sp, tp, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01, "foreach": True})
    drive(s_opt, t_opt, sp, tp, steps=5)
    exp_avg = [s_opt.state[p]["exp_avg"] for p in sp]
    assert all(m.base is exp_avg[0].base is not None for m in exp_avg[:4]) and exp_avg[4].base is None
    assert all(s_opt.state[p]["step"].shape == () and s_opt.state[p]["step"].dtype == np.float32 for p in sp)
    s_opt.load_state_dict(numpy_state_dict(t_opt))
    assert s_opt.state[sp[0]]["exp_avg"].base is None  # loaded: plain arrays, until the next step
    REPORT.count_case("Adam (flat)", np.dtype(dtype))
    drive(s_opt, t_opt, sp, tp, steps=20, seed=3, missing=0.1)
    compare("Adam (flat)", s_opt, t_opt, sp, tp, tol(np.dtype(dtype)))


@given(
    dtype=DTYPES,
    shapes=mixed_shapes,
    momentum=st.sampled_from([0.0, 0.9]),
    dampening=st.sampled_from([0.0, 0.0, 0.3]),
    weight_decay=st.sampled_from([0.0, 0.1]),
    nesterov=st.booleans(),
    maximize=st.booleans(),
    chunk=st.integers(1, 30),
    missing=st.sampled_from([0.0, 0.3]),
    reload=st.integers(0, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_sgd_chunked_equals_plain_rule_bitwise(
    dtype: np.dtype[Any],
    shapes: list[tuple[int, ...]],
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
    chunk: int,
    missing: float,
    reload: int,
    seed: int,
) -> None:
    """``SGD(fused=True)``: ``sgd_update_chunked`` (in place, slice by slice; ``buf += g`` when dampening is 0)
    gives what ``sgd_update`` gives, bit for bit, whatever the slice size."""
    nesterov = nesterov and momentum > 0 and dampening == 0
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s).astype(dtype) for s in shapes]
    fp, pp = [Parameter(v.copy()) for v in values], [Parameter(v.copy()) for v in values]
    kwargs = {"lr": 0.05, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay}
    fast = scratch.optim.SGD(fp, **kwargs, nesterov=nesterov, maximize=maximize, fused=True)
    fast.chunk_size = chunk
    plain = scratch.optim.SGD(pp, **kwargs, nesterov=nesterov, maximize=maximize)
    drive_twins(fast, plain, fp, pp, steps=15, seed=seed, missing=missing, reload=reload)
    assert_same_bits(fast, plain, fp, pp)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True},
        {"lr": 0.5},
    ],
    ids=["momentum", "dampening+wd", "nesterov+wd+maximize", "plain"],
)
def test_sgd_chunked_fast_path_trajectory(kwargs: dict[str, Any], dtype: type) -> None:
    """``fused=True``'s slice-by-slice path (forced here with 7-element slices) follows torch's default."""
    sp, tp = make_params(SHAPES, np.dtype(dtype))
    s_opt, t_opt = make_optimizers("SGD", sp, tp, kwargs)
    s_opt = scratch.optim.SGD(sp, **kwargs, fused=True)
    s_opt.chunk_size = 7
    REPORT.count_case("SGD (chunked)", np.dtype(dtype))
    drive(s_opt, t_opt, sp, tp, steps=300, sign=-1.0 if kwargs.get("maximize") else 1.0, missing=0.1)
    compare("SGD (chunked)", s_opt, t_opt, sp, tp, tol(np.dtype(dtype)))


def test_sgd_large_parameter_takes_fast_path() -> None:
    """With ``fused=True`` a parameter larger than one slice goes through ``sgd_update_chunked``."""
    sp, tp = make_params([(300, 250), (7,)], np.dtype(np.float32))
    s_opt, t_opt = make_optimizers("SGD", sp, tp, {"lr": 0.01, "momentum": 0.9})
    s_opt = scratch.optim.SGD(sp, lr=0.01, momentum=0.9, fused=True)
    assert sp[0].size > fast.CHUNK_BYTES // 4
    REPORT.count_case("SGD (chunked)", np.dtype(np.float32))
    drive(s_opt, t_opt, sp, tp, steps=20)
    compare("SGD (chunked)", s_opt, t_opt, sp, tp, None)


# ---- faults a plain parity check would miss -----------------------------------------------------
STEP_CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "fused": True}),
    ("SGD", {"lr": 0.1, "maximize": True, "fused": True}),
    ("Adam", {"weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"maximize": True}),
    ("Adam", {"weight_decay": 0.1, "maximize": True, "foreach": True}),
    ("Adam", {"weight_decay": 0.1, "maximize": True, "fused": True}),
    ("AdamW", {}),
    ("AdamW", {"fused": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), STEP_CONFIGS, ids=[f"{n}{k}" for n, k in STEP_CONFIGS])
@pytest.mark.parametrize("size", [7, 300_000], ids=["small", "large"])
def test_step_never_writes_into_the_gradient(name: str, kwargs: dict[str, Any], size: int) -> None:
    """An update computed in place in p.grad (the Nesterov look-ahead, the negated gradient of maximize, the
    decayed gradient) would pass a one-step parity check and corrupt gradient accumulation: test every path."""
    params = [Parameter(np.linspace(-1, 1, size, dtype=np.float32)), Parameter(np.ones(3, np.float32))]
    optimizer = getattr(scratch.optim, name)(params, **kwargs)
    for _ in range(3):
        grads = [np.cos(np.arange(p.size, dtype=np.float32)).reshape(p.shape) for p in params]
        for p, g in zip(params, grads, strict=True):
            p.grad = g.copy()
        optimizer.step()
        for p, g in zip(params, grads, strict=True):
            np.testing.assert_array_equal(p.grad, g)


@pytest.mark.parametrize(("name", "kwargs"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_load_state_dict_copies_the_arrays_it_loads(name: str, kwargs: dict[str, Any]) -> None:
    """torch shares the loaded tensors; scratch copies them (documented), so neither side can change the other."""
    sp, tp = make_params(SHAPES, np.dtype(np.float64))
    s_opt, _ = make_optimizers(name, sp, tp, kwargs, None)
    for p in sp:
        p.grad = np.ones(p.shape)
    s_opt.step()
    saved = s_opt.state_dict()
    other = getattr(scratch.optim, name)(sp, **kwargs)
    other.load_state_dict(saved)
    loaded = [{k: np.array(v, copy=True) for k, v in s.items()} for s in other.state.values()]
    for state in saved["state"].values():
        for value in state.values():
            value[...] = 1234.0  # the caller reuses its dict
    for state, before in zip(other.state.values(), loaded, strict=True):
        for key, value in state.items():
            np.testing.assert_array_equal(value, before[key])
    for p in sp:
        p.grad = np.ones(p.shape)
    other.step()
    assert all((np.asarray(v) == 1234.0).all() for s in saved["state"].values() for v in s.values())


# ---- the plain rule by default; foreach= and fused= as torch names them ----------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_the_default_step_runs_the_plain_rule_once_per_parameter(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a learner steps into: ``step`` calls the rule of the docstring for each parameter, in order, and
    never the fast paths (as torch's CPU default runs its single-tensor path)."""
    module = scratch.optim.sgd if name == "SGD" else scratch.optim.adam
    rule_name = "sgd_update" if name == "SGD" else "adam_update"
    rule = getattr(module, rule_name)
    seen: list[tuple[int, ...]] = []

    def counting(p: np.ndarray[Any, Any], *args: Any) -> None:
        seen.append(p.shape)
        rule(p, *args)

    monkeypatch.setattr(module, rule_name, counting)
    monkeypatch.setattr(fast, "adam_step", None)  # calling a fast path would fail
    monkeypatch.setattr(fast, "sgd_step", None)
    shapes = [(128, 784), (128,), (10, 128), (10,)]  # the tutorial's SimpleMLP(784, 128, 10)
    params = [Parameter(np.ones(shape, np.float32)) for shape in shapes]
    optimizer = getattr(scratch.optim, name)(params, lr=0.01, **({"momentum": 0.9} if name == "SGD" else {}))
    for p in params:
        p.grad = np.full(p.shape, 0.5, np.float32)
    optimizer.step()
    assert seen == shapes


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_foreach_and_fused_follow_torchs_rules(name: str) -> None:
    sp, tp = make_params(SHAPES, np.dtype(np.float32))
    groups = [g for g in getattr(scratch.optim, name)(sp).param_groups]
    assert groups[0]["foreach"] is None and groups[0]["fused"] is None  # torch's defaults: off on the CPU
    check_rejects(
        lambda: getattr(scratch.optim, name)(sp, foreach=True, fused=True),
        lambda: getattr(torch.optim, name)(tp, foreach=True, fused=True),
        match="`fused` and `foreach` cannot be `True` together",
    )
    with pytest.raises(TypeError, match="fused"):
        getattr(scratch.optim, name)(sp, fused="yes")
    s_sd = getattr(scratch.optim, name)(sp, fused=True).state_dict()["param_groups"][0]
    t_sd = getattr(torch.optim, name)(tp, fused=True).state_dict()["param_groups"][0]
    assert {k: t_sd[k] for k in s_sd} == s_sd


FAST_CASES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("path", ["foreach", "fused"])
@pytest.mark.parametrize(("name", "kwargs"), FAST_CASES, ids=[n for n, _ in FAST_CASES])
def test_fast_paths_follow_torchs_same_paths(name: str, kwargs: dict[str, Any], path: str, dtype: type) -> None:
    """scratch's foreach/fused (bit for bit its plain rule) against torch's foreach/fused (torch's fused is
    not bit for bit its default: within an ulp per step), 300 steps, with a large parameter among small ones."""
    shapes = [(300, 250), (5, 4), (6,)]
    sp, tp = make_params(shapes, np.dtype(dtype))
    s_opt, t_opt = make_optimizers(name, sp, tp, {**kwargs, path: True})
    sign = -1.0 if kwargs.get("maximize") else 1.0
    REPORT.count_case(f"{name} ({path})", np.dtype(dtype))
    drive(s_opt, t_opt, sp, tp, steps=300, sign=sign, missing=0.1)
    compare(f"{name} ({path})", s_opt, t_opt, sp, tp, tol(np.dtype(dtype)))
