"""Autograd from scratch: Tensors that record their operations, and ``backward`` that walks them back.

``Tensor`` and ``no_grad`` (tensor.py), the operations with their vector-Jacobian products (ops.py), functions
built from them (functional.py), and the tutorial's models written on them (models.py), trained with the same
``scratch.optim`` optimizers: ``loss.backward()`` fills the ``.grad`` of every parameter.
"""

from scratch.autograd import functional
from scratch.autograd.tensor import MaxResult, Node, Tensor, no_grad, topological_order

__all__ = ["MaxResult", "Node", "Tensor", "functional", "no_grad", "topological_order"]
