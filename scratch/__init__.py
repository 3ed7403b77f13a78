"""nnfundamentals' NumPy implementation: neural networks with manual backprop, mirroring torch's API."""

from scratch import data, nn, optim
from scratch.gradcheck import GradcheckError, gradcheck
from scratch.random import Generator, default_generator, initial_seed, manual_seed, rand, randn

__all__ = [
    "Generator",
    "GradcheckError",
    "data",
    "default_generator",
    "gradcheck",
    "initial_seed",
    "manual_seed",
    "nn",
    "optim",
    "rand",
    "randn",
]
