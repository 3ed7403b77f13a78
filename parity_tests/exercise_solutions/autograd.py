"""``autograd`` answered by ``scratch.autograd.Tensor``: a Value is a 0-d Tensor that requires a gradient."""

from __future__ import annotations

import numpy as np

from scratch.autograd import Tensor


def Value(data: float) -> Tensor:
    return Tensor(np.float64(data), requires_grad=True)
