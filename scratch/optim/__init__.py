"""Optimizers and learning-rate schedules (~ torch.optim)."""

from scratch.optim import lr_scheduler
from scratch.optim.adam import Adam, AdamW
from scratch.optim.optimizer import Optimizer
from scratch.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
