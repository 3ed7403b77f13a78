"""The rule first: what a learner steps through on each concept's default call is the maths of its docstring.

``tools.trace`` records the Python functions a call enters (a debugger's "step into" visits exactly these).
The budgets are what a textbook version of each concept needs, its input checks included; the files are the
module, its functional maths, the checks, the parameter and the random stream.  Registration hooks, option
parsing, rounding emulation and speed dispatch stay off these paths, one visible branch away.
"""

from __future__ import annotations

import ast
import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests.harness import assert_close
from scratch import nn
from scratch.nn import functional as F
from tools.trace import ROOT, table

BUDGETS = {
    "Linear forward + backward": 10,
    "ReLU forward + backward": 8,
    "Sigmoid forward + backward": 8,
    "CrossEntropyLoss forward + backward": 14,
    "MSELoss forward + backward": 10,
    "an MLP: forward, loss, backward": 40,
    "Adam.step() on 4 parameters": 12,
    "SGD(momentum=0.9).step() on 4 parameters": 12,
    "BatchNorm1d (train) forward + backward": 16,
    "Dropout (train) forward + backward": 12,
}
ALLOWED = ("scratch/nn/module.py", "scratch/nn/functional/", "common/checks.py", "scratch/autograd/tensor.py")
OWN_FILES = {
    "Linear": ("scratch/nn/linear.py",),
    "ReLU": ("scratch/nn/activation.py",),
    "Sigmoid": ("scratch/nn/activation.py",),
    "CrossEntropyLoss": ("scratch/nn/loss.py",),
    "MSELoss": ("scratch/nn/loss.py",),
    "an MLP": ("scratch/models.py", "scratch/nn/linear.py", "scratch/nn/activation.py", "scratch/nn/loss.py"),
    "Adam": ("scratch/optim/adam.py", "scratch/optim/functional.py", "scratch/optim/optimizer.py"),
    "SGD": ("scratch/optim/sgd.py", "scratch/optim/functional.py", "scratch/optim/optimizer.py"),
    "BatchNorm1d": ("scratch/nn/batchnorm.py",),
    "Dropout": ("scratch/nn/dropout.py", "scratch/random.py"),
}
TRACES = dict(table())


@pytest.mark.parametrize("name", list(BUDGETS))
def test_the_default_call_steps_through_the_rule_only(name: str) -> None:
    trace = TRACES[name]
    entered = [function for _, function in trace.project()]
    assert len(entered) <= BUDGETS[name], f"{name}: {len(entered)} functions entered: {entered}"
    own = next(files for prefix, files in OWN_FILES.items() if name.startswith(prefix))
    for file in trace.files():
        assert file.startswith(ALLOWED + own), f"{name} steps into {file}: {entered}"
    assert not any(f.startswith(("Module.__setattr__", "Module._forget")) for f in entered), "a cache took the hook"


def test_a_forward_saves_what_backward_needs_outside_the_registration() -> None:
    layer = nn.Linear(3, 2)
    layer(np.ones((4, 3), np.float32))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.state_dict().keys() == {"weight", "bias"} and layer.saved.x.shape == (4, 3)
    with pytest.raises(RuntimeError, match=r"ReLU.backward called before forward"):
        nn.ReLU().backward(np.ones(2))
    copied = copy.deepcopy(layer)  # copy and pickle probe the namespace for __deepcopy__ and __setstate__
    assert copied.saved.x is not layer.saved.x and pickle.loads(pickle.dumps(layer)).saved.x.shape == (4, 3)


def test_no_scratch_module_is_over_300_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "scratch").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert not long


def test_the_optimizer_rules_import_no_optimizer_class() -> None:
    """Rules as functions (optim/functional.py) that the classes and the fast paths both import: no circle."""
    for file in ("functional.py", "fast.py"):
        tree = ast.parse((ROOT / "scratch" / "optim" / file).read_text())
        runtime_imports = [
            node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scratch.optim")
        ]
        assert runtime_imports == (["scratch.optim.functional"] if file == "fast.py" else []), (file, runtime_imports)
    for first in ("scratch.optim.fast", "scratch.optim.functional", "scratch.optim.adam"):
        subprocess.run([sys.executable, "-c", f"import {first}"], check=True, cwd=ROOT)


def test_the_linear_layer_computes_its_input_gradient_unless_asked_not_to() -> None:
    """``backward`` is the whole chain rule; ``backward_params`` (the training loop's opt-in) skips dL/dx only."""
    x, g = np.random.default_rng(0).standard_normal((4, 3)), np.random.default_rng(1).standard_normal((4, 2))
    plain, skipping = nn.Linear(3, 2, dtype=np.float64), nn.Linear(3, 2, dtype=np.float64)
    skipping.load_state_dict(plain.state_dict())
    plain(x), skipping(x)
    np.testing.assert_array_equal(plain.backward(g), g @ plain.weight.data)
    assert skipping.backward_params(g) is None
    for a, b in zip(plain.parameters(), skipping.parameters(), strict=True):
        np.testing.assert_array_equal(a.grad, b.grad)


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)


@given(
    y=hnp.arrays(np.float32, (3, 4), elements=st.sampled_from([0.0, -0.0, 1.5, np.nan, 3.0])),
    g=hnp.arrays(np.float32, (3, 4), elements=FLOATS),
)
def test_relu_gradient_is_the_textbook_product_and_torchs_at_inf_and_nan(y: np.ndarray, g: np.ndarray) -> None:
    """g·1[y > 0] where everything is finite; torch's threshold_backward (0 where blocked, g where the input
    was NaN) where g or y is not."""
    ours = F.relu_backward(g, y)
    np.testing.assert_array_equal(ours, F.relu_backward_nonfinite(g, y))
    if np.isfinite(g).all() and not np.isnan(y).any():
        np.testing.assert_array_equal(ours, g * (y > 0))
    torch_grad = torch.ops.aten.threshold_backward(torch.from_numpy(g), torch.from_numpy(y), 0.0)
    assert_close("ReLU", "gradient at inf and NaN", ours, torch_grad)
