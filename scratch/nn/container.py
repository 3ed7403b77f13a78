"""Sequential (~ torch.nn.Sequential): the chain rule, written as a loop."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from common import Array
from scratch.nn.module import Module


class Sequential(Module):
    """y = f_n(... f_2(f_1(x))); backward runs the layers in reverse:
    dL/dx = J_1ᵀ J_2ᵀ ... J_nᵀ g, each layer applying its own Jacobian transpose.

    Children are named "0", "1", ... (or by the keys of an OrderedDict), so
    ``state_dict`` keys equal torch's.
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        named = modules[0] if len(modules) == 1 and isinstance(modules[0], OrderedDict) else None
        pairs = named.items() if named is not None else ((str(i), m) for i, m in enumerate(modules))
        for name, module in pairs:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {name} is a {type(module).__name__}, not a Module")
            setattr(self, name, module)

    def __getitem__(self, index: int) -> Module:
        return list(self.children())[index]

    def __len__(self) -> int:
        return len(self.__dict__["_modules"])

    def __iter__(self) -> Iterator[Module]:
        return iter(self.__dict__["_modules"].values())  # children(), without its two generators

    def forward(self, input: Array) -> Array:
        for module in self:
            input = module(input)
        return input

    def backward(self, grad_output: Array) -> Array:
        for module in reversed(list(self)):
            grad_output = module.backward(grad_output)
        return grad_output

    def backward_params(self, grad_output: Array) -> None:
        """``backward`` without the first layer's dL/dx (opt-in: see ``Module.backward_params``)."""
        first, *rest = list(self)
        for module in reversed(rest):
            grad_output = module.backward(grad_output)
        first.backward_params(grad_output)
