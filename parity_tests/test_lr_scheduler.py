"""scratch.optim.lr_scheduler against torch.optim.lr_scheduler: the same lr sequence, bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch.optim
from parity_tests.harness import REPORT, assert_close, check_rejects
from scratch.nn import Parameter
from scratch.nn.utils import clip_grad_norm_

F64 = np.dtype(np.float64)


def twin_optimizers(lrs: tuple[float, ...] = (0.1, 0.05)) -> tuple[scratch.optim.SGD, torch.optim.SGD]:
    """An SGD per side with one group per learning rate (their parameters never get a gradient)."""
    s_groups = [{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs]
    t_groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs]
    return scratch.optim.SGD(s_groups), torch.optim.SGD(t_groups)


def twin_schedulers(name: str, kwargs: dict[str, Any], lrs: tuple[float, ...] = (0.1, 0.05)) -> tuple[Any, Any]:
    s_opt, t_opt = twin_optimizers(lrs)
    return getattr(scratch.optim.lr_scheduler, name)(s_opt, **kwargs), getattr(torch.optim.lr_scheduler, name)(
        t_opt, **kwargs
    )


def check_sequence(component: str, s_sched: Any, t_sched: Any, steps: int) -> None:
    """``steps`` epochs on both sides: get_last_lr() and every group's lr must be equal, to the last bit."""
    REPORT.count_case(component, F64)
    s_lrs, t_lrs = [s_sched.get_last_lr()], [t_sched.get_last_lr()]
    for _ in range(steps):
        s_sched.optimizer.step()  # torch warns when the scheduler steps before the optimizer
        t_sched.optimizer.step()
        s_sched.step()
        t_sched.step()
        s_lrs.append(list(s_sched.get_last_lr()))
        t_lrs.append(list(t_sched.get_last_lr()))
    assert_close(component, "lr sequence", np.array(s_lrs), np.array(t_lrs), tol=0.0)
    s_group_lrs = [g["lr"] for g in s_sched.optimizer.param_groups]
    assert s_group_lrs == [g["lr"] for g in t_sched.optimizer.param_groups] == s_lrs[-1]


SCHEDULES = [
    ("StepLR", {"step_size": 30}, 300),
    ("StepLR", {"step_size": 7, "gamma": 0.5}, 400),
    ("StepLR", {"step_size": 1, "gamma": 0.97}, 400),
    ("ExponentialLR", {"gamma": 0.95}, 500),
    ("ExponentialLR", {"gamma": 0.999}, 1000),
    ("CosineAnnealingLR", {"T_max": 100}, 450),  # past T_max the lr climbs back: the 0/0 branch at t = T_max + 1
    ("CosineAnnealingLR", {"T_max": 50, "eta_min": 1e-4}, 400),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}, 300),
    ("CosineAnnealingLR", {"T_max": 1}, 100),
]


@pytest.mark.parametrize(("name", "kwargs", "steps"), SCHEDULES, ids=[f"{n}{k}" for n, k, _ in SCHEDULES])
def test_lr_sequence_matches_torch(name: str, kwargs: dict[str, Any], steps: int) -> None:
    s_sched, t_sched = twin_schedulers(name, kwargs)
    check_sequence(name, s_sched, t_sched, steps)


@given(
    name=st.sampled_from(["StepLR", "ExponentialLR", "CosineAnnealingLR"]),
    step_size=st.integers(1, 40),
    gamma=st.floats(0.05, 1.0),
    T_max=st.integers(1, 120),
    eta_min=st.one_of(st.just(0.0), st.floats(0.0, 1e-2)),
    lrs=st.lists(st.floats(1e-5, 1.0), min_size=1, max_size=3),
    steps=st.integers(1, 300),
)
def test_lr_sequence_hypothesis(
    name: str, step_size: int, gamma: float, T_max: int, eta_min: float, lrs: list[float], steps: int
) -> None:
    kwargs: dict[str, Any] = {
        "StepLR": {"step_size": step_size, "gamma": gamma},
        "ExponentialLR": {"gamma": gamma},
        "CosineAnnealingLR": {"T_max": T_max, "eta_min": eta_min},
    }[name]
    s_sched, t_sched = twin_schedulers(name, kwargs, tuple(lrs))
    check_sequence(name, s_sched, t_sched, steps)


def test_recursive_form_is_what_torch_runs() -> None:
    """The chainable (recursive) lr differs from the closed form in the last bits; torch steps recursively."""
    s_sched, t_sched = twin_schedulers("ExponentialLR", {"gamma": 0.95})
    check_sequence("ExponentialLR", s_sched, t_sched, 200)
    closed = [base_lr * 0.95**200 for base_lr in s_sched.base_lrs]
    assert s_sched.get_last_lr() != closed
    s_sched, _ = twin_schedulers("CosineAnnealingLR", {"T_max": 100})
    recursive = []
    s_sched.optimizer.step()
    for _ in range(60):
        s_sched.step()
        recursive.append(s_sched.get_last_lr()[0])
    closed = [0.1 * (1 + np.cos(np.pi * t / 100)) / 2 for t in range(1, 61)]
    assert recursive != closed
    np.testing.assert_allclose(recursive, closed, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("StepLR", {"step_size": 3}), ("ExponentialLR", {"gamma": 0.9}), ("CosineAnnealingLR", {"T_max": 10})],
)
def test_step_with_epoch_uses_the_closed_form_and_warns(name: str, kwargs: dict[str, Any]) -> None:
    s_sched, t_sched = twin_schedulers(name, kwargs)
    s_sched.optimizer.step()
    t_sched.optimizer.step()
    for epoch in (5, 2, 17, 9):
        with pytest.warns(UserWarning, match="epoch parameter"):
            t_sched.step(epoch)
        with pytest.warns(UserWarning, match="epoch parameter"):
            s_sched.step(epoch)
        assert_close(name, "closed-form lr", np.array(s_sched.get_last_lr()), np.array(t_sched.get_last_lr()), 0.0)
    check_sequence(name, s_sched, t_sched, 30)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 4, "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 8}),
    ],
)
def test_state_dict_and_resuming_like_torch(name: str, kwargs: dict[str, Any]) -> None:
    s_sched, t_sched = twin_schedulers(name, kwargs)
    check_sequence(name, s_sched, t_sched, 10)
    s_state, t_state = s_sched.state_dict(), t_sched.state_dict()
    assert "optimizer" not in s_state
    for key in ("base_lrs", "last_epoch", "_step_count", "_last_lr", *kwargs):
        assert s_state[key] == t_state[key], key
    # a fresh scheduler on the same optimizer, loaded from the saved state, continues the sequence
    s_next = getattr(scratch.optim.lr_scheduler, name)(s_sched.optimizer, **kwargs)
    t_next = getattr(torch.optim.lr_scheduler, name)(t_sched.optimizer, **kwargs)
    s_next.load_state_dict(s_state)
    t_next.load_state_dict(t_state)
    check_sequence(name, s_next, t_next, 30)
    # resuming with last_epoch (the optimizer's groups carry 'initial_lr')
    s_resumed = getattr(scratch.optim.lr_scheduler, name)(s_sched.optimizer, last_epoch=40, **kwargs)
    t_resumed = getattr(torch.optim.lr_scheduler, name)(t_sched.optimizer, last_epoch=40, **kwargs)
    check_sequence(name, s_resumed, t_resumed, 30)


def test_rejects_like_torch() -> None:
    s_opt, t_opt = twin_optimizers()
    check_rejects(
        lambda: scratch.optim.lr_scheduler.StepLR(s_opt, 3, last_epoch=5),
        lambda: torch.optim.lr_scheduler.StepLR(t_opt, 3, last_epoch=5),
        match="initial_lr",
    )
    check_rejects(
        lambda: scratch.optim.lr_scheduler.ExponentialLR(t_opt, 0.9),
        lambda: torch.optim.lr_scheduler.ExponentialLR(s_opt, 0.9),
        match="is not an Optimizer",
        scratch_errors=TypeError,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_schedule_and_clipping_drive_the_same_training_run(dtype: type) -> None:
    """AdamW + CosineAnnealingLR (stepped every 10 iterations) + clip_grad_norm_ for 300 iterations."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(s).astype(dt) for s in [(4, 3), (3,)]]
    sp = [Parameter(v.copy()) for v in init]
    tp = [torch.nn.Parameter(torch.tensor(v.copy())) for v in init]
    s_opt = scratch.optim.AdamW(sp, lr=0.05, weight_decay=0.1)
    t_opt = torch.optim.AdamW(tp, lr=0.05, weight_decay=0.1)
    s_sched = scratch.optim.lr_scheduler.CosineAnnealingLR(s_opt, T_max=20, eta_min=1e-3)
    t_sched = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=20, eta_min=1e-3)
    REPORT.count_case("CosineAnnealingLR + clip_grad_norm_ + AdamW", dt)
    for it in range(300):
        A = [rng.uniform(0.5, 1.5, p.shape).astype(dt) for p in sp]
        B = [(3 * rng.standard_normal(p.shape)).astype(dt) for p in sp]
        for p, a, b in zip(sp, A, B, strict=True):
            p.grad = a * p.data + b + np.sin(p.data)
        for p, a, b in zip(tp, A, B, strict=True):
            theirs = p.detach().numpy()
            p.grad = torch.from_numpy(a * theirs + b + np.sin(theirs))
        s_norm = clip_grad_norm_(sp, max_norm=1.0)
        t_norm = torch.nn.utils.clip_grad_norm_(tp, max_norm=1.0)
        s_opt.step()
        t_opt.step()
        if it % 10 == 9:
            s_sched.step()
            t_sched.step()
    tol = 1e-13 if dt == np.float64 else None
    assert_close("CosineAnnealingLR + clip_grad_norm_ + AdamW", "last total norm", s_norm, t_norm, tol)
    for ps, pt in zip(sp, tp, strict=True):
        assert_close("CosineAnnealingLR + clip_grad_norm_ + AdamW", "param", ps.data, pt, tol)
    assert s_sched.get_last_lr() == t_sched.get_last_lr()


def test_warns_like_torch_when_the_scheduler_steps_before_the_optimizer() -> None:
    s_sched, t_sched = twin_schedulers("StepLR", {"step_size": 2})
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        t_sched.step()
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s_sched.step()
    check_sequence("StepLR", s_sched, t_sched, 10)  # no further warning once the optimizer has stepped


def test_get_last_lr_is_a_list_of_python_floats() -> None:
    s_sched, t_sched = twin_schedulers("CosineAnnealingLR", {"T_max": 5})
    check_sequence("CosineAnnealingLR", s_sched, t_sched, 3)
    assert all(type(lr) is float for lr in s_sched.get_last_lr())
    assert all(type(lr) is float for lr in t_sched.get_last_lr())
