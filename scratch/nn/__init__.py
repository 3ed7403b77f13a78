"""Neural-network building blocks with manual backprop (~ torch.nn)."""

from scratch.nn import functional, init
from scratch.nn.activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from scratch.nn.container import Sequential
from scratch.nn.linear import Linear
from scratch.nn.module import Module, Parameter

__all__ = [
    "ELU",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
