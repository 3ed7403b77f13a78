"""``foreach=True`` and ``fused=True``: the update rules of adam.py and sgd.py, the same numbers, faster.

The rules a learner reads are ``adam_update`` and ``sgd_update`` (functional.py): one parameter at a time, in
torch's order, which is what runs by default (torch's single-tensor path, its CPU default).  These paths run the
same operations in the same order, so the results are bit for bit the same (tested), under torch's names:

* ``foreach=True`` (torch: one multi-tensor kernel over all the parameters): the small parameters of a group
  (at most ``FLAT_MAX_SIZE`` elements) that share a dtype and a step count keep their Adam state in one flat
  buffer per key, and one ``adam_update`` call updates them all, instead of a dozen NumPy calls per parameter;
* ``fused=True`` (torch: one fused kernel): the same flat state, and every large parameter updated in slices of
  ``CHUNK_BYTES`` (``adam_update_chunked``, ``sgd_update_chunked``), so that every temporary stays in cache and
  each slice of p, grad and state is read from memory once.

SGD has no multi-tensor path here: ``SGD(foreach=True)`` runs the plain rule (torch's foreach SGD is bit for
bit its single-tensor one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from common import Array
from scratch.nn.module import Parameter
from scratch.optim.functional import adam_update, sgd_update

if TYPE_CHECKING:
    from scratch.optim.adam import Adam
    from scratch.optim.sgd import SGD

CHUNK_BYTES = 1 << 18  # slices this large keep their temporaries in cache
FLAT_MAX_SIZE = 1 << 16  # parameters up to this size share the flat state

State = dict[str, Any]


def adam_step(optimizer: Adam, index: int, group: dict[str, Any]) -> None:
    """One step of the parameters of group ``index`` that have a gradient, through the flat state."""
    params = [p for p in group["params"] if p.grad is not None]
    fused = bool(group["fused"])
    small: dict[np.dtype[Any], list[Parameter]] = {}
    for p in params:
        optimizer.state.setdefault(p, {})  # state_dict lists the state in first-step order, as torch's
        if p.size <= optimizer.flat_max_size:
            small.setdefault(p.dtype, []).append(p)
        else:
            _adam_one(optimizer, p, group, fused)
    for dtype, together in small.items():
        flat = _flat_state(optimizer, (index, dtype), together, group)
        if flat is None:
            for p in together:
                _adam_one(optimizer, p, group, fused)
        else:
            flat.update(group, _chunk(optimizer, dtype) if fused else None)


def _chunk(optimizer: Adam | SGD, dtype: np.dtype[Any]) -> int:
    """Elements per slice: ``CHUNK_BYTES`` worth, unless the optimizer's ``chunk_size`` says otherwise."""
    return optimizer.chunk_size or CHUNK_BYTES // dtype.itemsize


def _adam_one(optimizer: Adam, p: Parameter, group: dict[str, Any], fused: bool) -> None:
    """One parameter's step: ``adam_update``, or its sliced twin for a large parameter with ``fused=True``."""
    state = optimizer.init_state(p, group)
    state["step"] += 1
    assert p.grad is not None
    arrays = (p.data, p.grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"))
    chunk = _chunk(optimizer, p.dtype)
    if fused and p.size > chunk and all(a.flags.c_contiguous for a in arrays if a is not None):
        adam_update_chunked(*arrays, float(state["step"]), group, chunk)
    else:
        adam_update(*arrays, float(state["step"]), group)


def _flat_state(
    optimizer: Adam, key: tuple[int, np.dtype[Any]], params: list[Parameter], group: dict[str, Any]
) -> _FlatState | None:
    """The flat state through which ``params`` take this step together, or None: one by one.

    It is kept while ``optimizer.state`` holds its views, for the very parameters it was built
    for, at one step count (a step without some gradient parts them: one by one from then
    on).  It is built when there is none (the first step; after ``load_state_dict``) for
    parameters all new or all at one step count, copying their state in.
    """
    keys = _moment_keys(group)
    flats: dict[tuple[int, np.dtype[Any]], _FlatState] = optimizer.__dict__.setdefault("_flat", {})
    flat = flats.get(key)
    if flat is not None and flat.holds(optimizer.state, keys):
        return flat if flat.params == params and flat.in_step() else None
    flats.pop(key, None)
    if _can_share(params, [optimizer.state.get(p, {}) for p in params], keys):
        flat = flats[key] = _FlatState(params, optimizer.state, keys)
        return flat
    return None


def sgd_step(optimizer: SGD, group: dict[str, Any]) -> None:
    """``SGD(fused=True)``: every parameter that has a gradient, slice by slice, in place (the plain rule where
    an array is not contiguous)."""
    for p in group["params"]:
        if p.grad is None:
            continue
        chunk = _chunk(optimizer, p.dtype)
        state = optimizer.state[p] if group["momentum"] != 0 else {}
        buf = state.get("momentum_buffer")
        if not all(a.flags.c_contiguous for a in (p.data, p.grad, buf) if a is not None):
            sgd_update(p.data, p.grad, state, group)
            continue
        first = group["momentum"] != 0 and buf is None
        if first:
            buf = state["momentum_buffer"] = np.empty_like(p.data)
        sgd_update_chunked(p.data, p.grad, buf, first, group, chunk)


def adam_update_chunked(
    p: Array,
    grad: Array,
    m: Array,
    v: Array,
    v_max: Array | None,
    t: float,
    group: dict[str, Any],
    chunk: int = CHUNK_BYTES // 4,
) -> None:
    """``adam_update``, the same operations in the same order, one cache-sized slice at a time."""
    dt = p.dtype.type
    lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
    l2 = weight_decay != 0 and not group["decoupled_weight_decay"]
    decay = dt(1 - lr * weight_decay) if weight_decay != 0 and not l2 else None
    w, wd, b2, c2 = dt(1 - beta1), dt(weight_decay), dt(beta2), dt(1 - beta2)
    sqrt_bc2, eps_, neg_step_size = dt((1 - beta2**t) ** 0.5), dt(eps), dt(-lr / (1 - beta1**t))
    n = min(chunk, p.size)
    a, b, g_buf = np.empty(n, p.dtype), np.empty(n, p.dtype), np.empty(n, p.dtype)
    flat = [x.reshape(-1) for x in (p, grad, m, v)]
    vm = v_max.reshape(-1) if v_max is not None else None
    for start in range(0, p.size, chunk):
        pc, gc, mc, vc = (x[start : start + chunk] for x in flat)
        k = pc.size
        ta, tb = a[:k], b[:k]  # scratch space
        if group["maximize"]:  # g, and the weight decay
            gc = np.negative(gc, out=g_buf[:k])
        if decay is not None:
            pc *= decay
        elif l2:
            gc = np.add(gc, np.multiply(wd, pc, out=tb), out=g_buf[:k])
        np.subtract(gc, mc, out=ta)  # m: torch's lerp
        if w < 0.5:
            ta *= w
            mc += ta
        else:
            ta *= dt(1) - w
            np.subtract(gc, ta, out=mc)
        vc *= b2  # v
        np.multiply(c2, gc, out=ta)
        ta *= gc
        vc += ta
        if vm is not None:
            vmc = vm[start : start + chunk]
            vc = np.maximum(vmc, vc, out=vmc)
        np.sqrt(vc, out=ta)  # denom
        ta /= sqrt_bc2
        ta += eps_
        np.multiply(neg_step_size, mc, out=tb)  # p
        tb /= ta
        pc += tb


def _moment_keys(group: dict[str, Any]) -> tuple[str, ...]:
    return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if group["amsgrad"] else ("exp_avg", "exp_avg_sq")


def _can_share(params: list[Parameter], states: list[State], keys: tuple[str, ...]) -> bool:
    """Two or more distinct parameters, all new or all with Adam's state (``keys``) at one step count."""
    if len(params) < 2 or len({id(p) for p in params}) < len(params):
        return False
    if not any(states):
        return True
    arrays_fit = all(
        s.keys() == {"step", *keys}
        and isinstance(s["step"], np.ndarray)
        and s["step"].shape == ()
        and s["step"].dtype == np.float32
        and all(isinstance(s[k], np.ndarray) and s[k].shape == p.shape and s[k].dtype == p.dtype for k in keys)
        for p, s in zip(params, states, strict=True)
    )
    return arrays_fit and len({float(s["step"]) for s in states}) == 1


class _FlatState:
    """The Adam state of several parameters of one dtype and step count, each key in one flat buffer.

    ``optimizer.state[p]`` holds views into the buffers (``step`` a 0-d float32 view), so
    the state still reads, saves and loads per parameter, in torch's layout.  ``update``
    gathers p and its gradient into flat arrays, runs ``adam_update`` (or its chunked twin)
    once, and copies p back: per element the same operations with the same rounded
    scalars (one t, one group), so the result is the per-parameter one, bit for bit.
    """

    def __init__(self, params: list[Parameter], state: Mapping[Parameter, State], keys: tuple[str, ...]) -> None:
        ends = np.cumsum([p.size for p in params]).tolist()
        starts = [0, *ends[:-1]]
        dtype = params[0].dtype
        self.params, self.keys = params, keys
        self.step = np.zeros(len(params), np.float32)
        self.buffers = {k: np.zeros(ends[-1], dtype) for k in keys}
        self.p, self.grad = np.empty(ends[-1], dtype), np.empty(ends[-1], dtype)
        self.p_views = [self.p[lo:hi].reshape(p.shape) for p, lo, hi in zip(params, starts, ends, strict=True)]
        self.states = [state[p] for p in params]  # the optimizer's defaultdict: new parameters get an entry
        self.views: list[tuple[State, str, Array]] = []
        for i, (s, lo, hi) in enumerate(zip(self.states, starts, ends, strict=True)):
            views = {"step": self.step[i : i + 1].reshape(())}
            views |= {k: self.buffers[k][lo:hi].reshape(self.p_views[i].shape) for k in keys}
            for k, view in views.items():
                if k in s:
                    view[...] = s[k]
            s.clear()
            s.update(views)
            self.views += [(s, k, view) for k, view in views.items()]

    def holds(self, state: Mapping[Parameter, State], keys: tuple[str, ...]) -> bool:
        """Whether every parameter's state is still these views (``load_state_dict`` replaces them)."""
        return (
            self.keys == keys
            and all(state.get(p) is s for p, s in zip(self.params, self.states, strict=True))
            and all(s.get(k) is view for s, k, view in self.views)
        )

    def in_step(self) -> bool:
        """Whether all the parameters are at one step count (a step without a gradient makes them part)."""
        return len(set(self.step.tolist())) == 1

    def update(self, group: dict[str, Any], chunk: int | None) -> None:
        """One step of every parameter: gather p and grad, one ``adam_update`` (sliced when ``chunk``), scatter p."""
        self.step += 1
        np.concatenate([p.data.reshape(-1) for p in self.params], out=self.p)
        np.concatenate([p.grad.reshape(-1) for p in self.params if p.grad is not None], out=self.grad)
        arrays = (self.p, self.grad, self.buffers["exp_avg"], self.buffers["exp_avg_sq"])
        v_max, t = self.buffers.get("max_exp_avg_sq"), float(self.step[0])
        if chunk and self.p.size > chunk:
            adam_update_chunked(*arrays, v_max, t, group, chunk)
        else:
            adam_update(*arrays, v_max, t, group)
        for p, view in zip(self.params, self.p_views, strict=True):
            p.data[...] = view


def sgd_update_chunked(
    p: Array, grad: Array, buf: Array | None, first: bool, group: dict[str, Any], chunk: int = CHUNK_BYTES // 4
) -> None:
    """``sgd_update``, the same operations in the same order, one cache-sized slice at a time.

    ``buf`` is the momentum buffer (None without momentum); ``first`` says it is new and takes a copy of g.
    """
    dt = p.dtype.type
    lr, momentum, dampening = dt(group["lr"]), dt(group["momentum"]), group["dampening"]
    weight_decay, nesterov = group["weight_decay"], group["nesterov"]
    n = min(chunk, p.size)
    a, b = np.empty(n, p.dtype), np.empty(n, p.dtype)
    flat_p, flat_grad = p.reshape(-1), grad.reshape(-1)
    flat_buf = buf.reshape(-1) if buf is not None else None
    for start in range(0, p.size, chunk):
        pc, gc = flat_p[start : start + chunk], flat_grad[start : start + chunk]
        k = pc.size
        ta, tb = a[:k], b[:k]  # scratch space
        if group["maximize"]:
            gc = np.negative(gc, out=ta)
        if weight_decay != 0:
            gc = np.add(gc, np.multiply(dt(weight_decay), pc, out=tb), out=ta)
        if flat_buf is not None:
            bc = flat_buf[start : start + chunk]
            if first:
                bc[...] = gc
            else:
                bc *= momentum
                if dampening == 0:  # (1 - 0) * g is g: skip the multiply, the sum is the same
                    bc += gc
                else:
                    bc += np.multiply(dt(1 - dampening), gc, out=tb)
            gc = np.add(gc, np.multiply(momentum, bc, out=tb), out=ta) if nesterov else bc
        pc -= np.multiply(lr, gc, out=tb)
