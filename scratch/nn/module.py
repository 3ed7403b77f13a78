"""Parameter and Module: the bookkeeping behind every layer (~ torch.nn.Module).

A Module registers the Parameters and child Modules assigned to its attributes,
and the buffers given to ``register_buffer`` (state that is saved but not trained,
such as BatchNorm's running statistics), so that ``parameters()``, ``buffers()``
and ``state_dict()`` list them in the order torch does: a module's own parameters,
then its buffers, then each child in the order it was assigned.  ``forward`` computes the output and caches what the
layer's ``backward`` needs; ``backward(grad_output)`` applies the chain rule,
accumulates (``+=``) the parameter gradients and returns the input gradient.  What forward keeps for
backward goes into ``self.saved`` (``self.saved.x = x``), a plain namespace, not through the registration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from common import Array, checks
from scratch.autograd.tensor import Tensor
from scratch.nn import state


class Parameter(Tensor):
    """A Tensor that a Module trains (as torch's ``nn.Parameter`` is a Tensor): it requires a gradient, ``.data``
    holds the values and ``.grad`` the gradient (None until a backward).

    Manual backprop writes ``.grad`` with ``accumulate_grad``; autograd (``loss.backward()``) does the same, and
    either way a gradient assigned to ``.grad`` must be None or an array of the parameter's shape and dtype.
    """

    def __init__(self, data: ArrayLike) -> None:
        super().__init__(np.array(data), requires_grad=True)

    @property
    def size(self) -> int:
        """Number of elements, as NumPy's ``size`` (torch: ``numel()``)."""
        return self.data.size

    def __repr__(self) -> str:
        return f"Parameter containing:\n{self.data!r}"


class Saved:
    """``module.saved``: the arrays a forward keeps for its backward (``self.saved.x = x``), ordinary attributes.

    Reading one that no forward has saved is a RuntimeError naming the module: backward came before forward.
    """

    def __init__(self, owner: str) -> None:
        self._owner = owner

    if TYPE_CHECKING:  # any attribute may be saved; at run time assignment is the plain one, no hook

        def __setattr__(self, name: str, value: Any) -> None: ...

    def __getattr__(self, name: str) -> Any:  # called only for a name never saved
        if name.startswith("__") or name == "_owner":  # copy and pickle probe for these
            raise AttributeError(name)
        raise RuntimeError(f"{self._owner}.backward called before forward (nothing saved as {name!r})")


def _checked_buffer(name: str, value: Any, action: str) -> Array | None:
    """A buffer is a NumPy array (a NumPy scalar becomes a 0-d one) or None."""
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if value is not None and not isinstance(value, np.ndarray):
        verb = "object to" if action == "register" else "as"
        raise TypeError(
            f"cannot {action} '{type(value).__name__}' {verb} buffer '{name}' (numpy array or None required)"
        )
    return value


class Module:
    """Base class of every layer, loss and model.

    Subclasses implement ``forward(x)`` and ``backward(grad_output)``.
    """

    training: bool
    saved: Saved
    _optional_state: tuple[str, ...] = ()
    """Buffers a loaded state may lack (they keep their value), as torch's BatchNorm's num_batches_tracked."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "saved", Saved(type(self).__name__))

    # ---- registration ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        """``self.weight = Parameter(...)``, ``self.fc1 = Linear(...)``: registered in order, and an attribute."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("call Module.__init__() before assigning attributes")
        params: dict[str, Parameter | None] = self.__dict__["_parameters"]
        buffers: dict[str, Array | None] = self.__dict__["_buffers"]
        modules: dict[str, Module] = self.__dict__["_modules"]
        if isinstance(value, Parameter) or (value is None and name in params):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif name in buffers:  # self.running_mean = new_array updates the buffer
            buffers[name] = _checked_buffer(name, value, "assign")
        else:
            self._forget(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        """Unregister ``name`` (as a parameter, buffer or child), leaving the attribute to the caller."""
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__[registry].pop(name, None)
        self.__dict__["_non_persistent_buffers"].discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, as torch does for ``bias=False``) under ``name``."""
        self.__dict__["_parameters"][name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Array | None, persistent: bool = True) -> None:
        """Register an array that is state but not a parameter (BatchNorm's running mean, a loss's class weights).

        A buffer is an attribute, listed by ``buffers()``, cast by ``double()``/``float()`` when it holds
        floating-point values, and saved in ``state_dict`` unless ``persistent=False``; no optimizer sees it.
        """
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if name in self.__dict__ and name not in self.__dict__["_buffers"]:
            raise KeyError(f"attribute '{name}' already exists")
        tensor = _checked_buffer(name, tensor, "register")
        self._forget(name)
        self.__dict__["_buffers"][name] = tensor
        if not persistent:
            self.__dict__["_non_persistent_buffers"].add(name)
        object.__setattr__(self, name, tensor)

    # ---- the computation -------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, grad_output: Array) -> Array:
        """Backpropagate through the latest ``forward``: accumulate parameter grads, return dL/dinput."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    def backward_params(self, grad_output: Array) -> None:
        """``backward`` for a model whose input is data: accumulate dL/dθ; dL/dinput, which nothing reads, may
        be skipped (torch never computes the gradient of an input that does not require one).

        Opt-in (the training loop's ``train_step`` calls it): a learner's ``model.backward(g)`` is the plain
        chain rule.  By default it is ``backward`` with the result dropped; Linear and Sequential skip the
        first layer's dL/dx.
        """
        self.backward(grad_output)

    # ---- traversal -------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self.__dict__["_modules"].items()

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_parameters_all(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, param in self.__dict__["_parameters"].items():
            if param is not None:
                yield prefix + name, param
        for name, child in self.named_children():
            yield from child._named_parameters_all(f"{prefix}{name}.")

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in torch's order; a shared parameter appears once."""
        seen: set[int] = set()
        for name, param in self._named_parameters_all(prefix + "." if prefix else ""):
            if id(param) not in seen:
                seen.add(id(param))
                yield name, param

    def parameters(self) -> Iterator[Parameter]:
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Array]]:
        """(name, buffer) pairs, own buffers first, then each child's (when ``recurse``); None buffers are skipped."""
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, buffer in module.__dict__["_buffers"].items():
                if buffer is not None and id(buffer) not in seen:
                    seen.add(id(buffer))
                    yield (f"{module_prefix}.{name}" if module_prefix else name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Array]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Array]:
        """Copies of every parameter and persistent buffer under torch's keys (``fc1.weight``, ``1.running_mean``)."""
        return {key: state.value(module, name).copy() for key, module, name in state.named_state(self)}

    def load_state_dict(self, state_dict: Mapping[str, ArrayLike], strict: bool = True) -> None:
        """Copy values into the parameters and buffers, cast to each one's dtype (see ``state.load_state_dict``).

        Everything is checked before anything is written, so a bad state leaves the module as it was.
        """
        state.load_state_dict(self, state_dict, strict)

    # ---- gradients, dtype and mode -----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (torch's default) or to zeros in place."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def to(self, dtype: Any) -> Module:
        """Cast every parameter (and gradient) and every floating-point buffer to ``dtype``; return self.

        ``dtype`` is float32 or float64; integer buffers (``num_batches_tracked``) keep their dtype, as in torch.
        """
        dtype = checks.float_dtype(f"{type(self).__name__}.to", dtype)
        with np.errstate(over="ignore"):
            for p in self.parameters():
                grad = None if p.grad is None else p.grad.astype(dtype)
                p.grad = None
                p.data = p.data.astype(dtype)
                p.grad = grad
            for module in self.modules():
                for name, buffer in module.__dict__["_buffers"].items():
                    if buffer is not None and buffer.dtype.kind == "f":
                        setattr(module, name, buffer.astype(dtype))
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    # ---- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        extra = [self.extra_repr()] if self.extra_repr() else []
        body = "\n  ".join(extra + lines)
        return f"{type(self).__name__}(\n  {body}\n)"
