"""Neural-network building blocks with manual backprop (~ torch.nn)."""

from scratch.nn import functional, init, utils
from scratch.nn.activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from scratch.nn.batchnorm import BatchNorm1d
from scratch.nn.container import Sequential
from scratch.nn.dropout import Dropout
from scratch.nn.linear import Linear
from scratch.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from scratch.nn.module import Module, Parameter

__all__ = [
    "ELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "HuberLoss",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Tanh",
    "functional",
    "init",
    "utils",
]
