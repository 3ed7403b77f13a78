# ---
# jupyter:
#   jupytext:
#     formats: py:percent,ipynb
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Neural networks fundamentals, twice
#
# Every idea below is computed two ways: **from scratch** in NumPy, where each layer's `backward` is the
# chain rule written out by hand (`scratch/`), and in **PyTorch**, where autograd does it (`torch_impl/`).
# Each section prints how closely the two agree; the last one gathers the differences in one table.
#
# Run it as a script: `python neural_networks_fundamentals.py [--out figures] [--section N] [--quick]`.

# %%
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

import scratch
import torch_impl.models as tm
from common import datasets
from plots.perceptron import boundaries_figure, gate, mistakes_figure, perceptron_title, plot_decision_boundary
from scratch import models as sm
from scratch import nn, optim
from scratch.data import make_loader
from scratch.train import train, train_step
from torch_impl import data as tdata
from torch_impl import train as ttrain

torch.set_num_threads(1)  # small tensors: one thread is faster, and timings compare fairly with NumPy
np.set_printoptions(precision=4, suppress=True)


@dataclass
class Section:
    """What a section shows: its scratch-vs-torch differences and its figures."""

    differences: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)

    def compare(self, component: str, ours: Any, theirs: Any) -> float:
        """Print and record max |scratch − torch| for one quantity."""
        a = np.asarray(ours, dtype=np.float64)
        b = np.asarray(theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs, dtype=np.float64)
        if a.shape != b.shape:
            raise AssertionError(f"{component}: shapes differ, scratch {a.shape} vs torch {b.shape}")
        diff = float(np.max(np.abs(a - b))) if a.size else 0.0
        self.differences[component] = max(diff, self.differences.get(component, 0.0))
        print(f"    {component:<42} max |scratch − torch| = {diff:.1e}")
        return diff


def t(array: np.ndarray) -> torch.Tensor:
    """The same numbers as a torch tensor (a copy, so neither side can change the other's)."""
    return torch.tensor(array)


# %% [markdown]
# ## 1. What a neuron computes
# A neuron takes a weighted sum of its inputs, adds a bias and applies an activation:
# `output = activation(Σ_i w_i·x_i + b)`. A layer is many neurons reading the same inputs: `y = x Wᵀ + b`,
# one row of `W` per neuron (`Linear` stores `W` as (out_features, in_features), like torch).


# %%
def section_1(quick: bool = False) -> Section:
    s = Section()
    x = np.array([1.0, 2.0, 3.0])
    w = np.array([0.2, -0.5, 0.1])
    b = 0.4
    z = w @ x + b
    print(f"  one neuron: w·x + b = {w} · {x} + {b} = {z:.2f}; sigmoid → {float(nn.functional.sigmoid(z)):.4f}")
    s.compare("neuron w·x + b", z, torch.dot(t(w), t(x)) + b)

    scratch.manual_seed(0)
    layer = nn.Linear(3, 2)
    torch.manual_seed(0)
    torch_layer = torch.nn.Linear(3, 2)
    print("  a layer of 2 neurons, built after manual_seed(0) on both sides — the same weights, bit for bit:")
    print(f"    W =\n{layer.weight.data}\n    b = {layer.bias.data}")
    s.compare("Linear init (same seed)", layer.weight.data, torch_layer.weight)
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=np.float32)
    s.compare("Linear forward", layer(X), torch_layer(t(X)))
    return s


# %% [markdown]
# ## 2. The perceptron and linear separability
# Rosenblatt's perceptron predicts `step(w·x + b)` and learns by a simple rule: on a mistake,
# `w += lr·(y − ŷ)·x` and `b += lr·(y − ŷ)`. It converges on any linearly separable data (AND, OR, NAND) and
# never on XOR, whose classes no straight line separates. An MLP with one hidden layer solves XOR.


# %%
def section_2(quick: bool = False) -> Section:
    s = Section()
    histories = {}
    panels = []
    for name in ("AND", "OR", "NAND", "XOR"):
        X, y = gate(name)
        ours, theirs = sm.Perceptron(2), tm.Perceptron(2)
        history = ours.fit(X, y, max_epochs=20)
        torch_history = theirs.fit(t(X), t(y), max_epochs=20)
        histories[name] = history
        verdict = "converged" if history[-1] == 0 else "never converges"
        print(f"  {name:<4} mistakes per epoch {history} → {verdict}")
        s.compare("Perceptron mistakes per epoch", history, torch_history)
        s.compare("Perceptron weights", ours.weight.data, theirs.weight)
        if name != "NAND":
            panels.append((perceptron_title(name, history), ours, X, y))

    scratch.manual_seed(0)
    mlp = sm.MLP([2, 4, 2], activation="tanh")
    torch.manual_seed(0)
    torch_mlp = tm.MLP([2, 4, 2], activation="tanh")
    X, y = gate("XOR")
    fit_full_batch(mlp, torch_mlp, X, y, steps=200, lr=0.05, section=s, name="XOR MLP")
    accuracy = float(np.mean(mlp(X).argmax(axis=1) == y))
    print(
        f"  MLP 2-4-2 (tanh) on XOR: {accuracy:.0%} correct (torch: "
        f"{float((torch_mlp(t(X)).argmax(dim=1).numpy() == y).mean()):.0%})"
    )
    panels.append((f"XOR: MLP 2-4-2 (tanh), {accuracy:.0%} correct", lambda P: mlp(P).argmax(axis=1), X, y))
    s.figures["perceptron_boundaries"] = boundaries_figure(panels)
    s.figures["perceptron_mistakes"] = mistakes_figure(histories)
    return s


def fit_full_batch(
    model: nn.Module,
    torch_model: torch.nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    section: Section,
    name: str,
    loss: str = "cross_entropy",
) -> tuple[list[float], list[float]]:
    """Full-batch Adam on both twins; the per-step losses of each."""
    criterion, torch_criterion = (
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss())
        if loss == "cross_entropy"
        else (nn.MSELoss(), torch.nn.MSELoss())
    )
    optimizer = optim.Adam(model.parameters(), lr=lr)
    torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=lr)
    losses, torch_losses = [], []
    Xt, yt = t(X), t(y)
    for _ in range(steps):
        losses.append(float(train_step(model, criterion, optimizer, X, y)[1]))
        torch_losses.append(ttrain.train_step(torch_model, torch_criterion, torch_optimizer, Xt, yt)[1].item())
    section.compare(f"{name}: loss at every step", losses, torch_losses)
    section.compare(f"{name}: final weights", model[0].weight.data, torch_model[0].weight)
    return losses, torch_losses


# %% [markdown]
# ## 3. Activation functions
# Without a nonlinearity, stacked layers collapse into one linear map. Each activation below is shown with its
# derivative, the quantity backprop multiplies by; note the conventions at the kinks (ReLU'(0) = 0).


# %%
ACTIVATIONS: dict[str, tuple[Callable[[], nn.Module], Callable[[], torch.nn.Module]]] = {
    "sigmoid": (nn.Sigmoid, torch.nn.Sigmoid),
    "tanh": (nn.Tanh, torch.nn.Tanh),
    "ReLU": (nn.ReLU, torch.nn.ReLU),
    "LeakyReLU(0.1)": (lambda: nn.LeakyReLU(0.1), lambda: torch.nn.LeakyReLU(0.1)),
    "ELU": (nn.ELU, torch.nn.ELU),
}


def section_3(quick: bool = False) -> Section:
    s = Section()
    x = np.array([[-1.0, 0.0, 1.0], [2.0, -2.0, 0.5]], dtype=np.float32)
    print(f"  input x (2×3):\n{x}")
    for name, ours, theirs in [
        ("sigmoid", nn.functional.sigmoid(x), torch.sigmoid(t(x))),
        ("ReLU", nn.functional.relu(x), torch.relu(t(x))),
        ("tanh", nn.functional.tanh(x), torch.tanh(t(x))),
        ("softmax(dim=1)", nn.functional.softmax(x, dim=1), torch.softmax(t(x), dim=1)),
    ]:
        print(f"  {name}:\n{ours}")
        s.compare(f"{name} on the 2×3 batch", ours, theirs)

    fig = Figure(figsize=(15, 3.4), layout="constrained")
    grid = np.linspace(-3, 3, 601)
    for ax, (name, (make, make_torch)) in zip(fig.subplots(1, len(ACTIVATIONS)), ACTIVATIONS.items(), strict=True):
        module, torch_module = make(), make_torch()
        y = module(grid)
        dy = module.backward(np.ones_like(grid))
        xt = t(grid).requires_grad_()
        torch_module(xt).sum().backward()
        s.compare(f"{name}: derivative from backward", dy, xt.grad)
        ax.plot(grid, y, label=f"{name}(x)")
        ax.plot(grid, dy, "--", label="derivative (scratch backward)")
        ax.plot(grid[::40], xt.grad.numpy()[::40], "k.", label="derivative (torch autograd)")
        ax.set(title=name, xlabel="x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small")
    fig.suptitle("Activations and their derivatives")
    s.figures["activations"] = fig
    return s


# %% [markdown]
# ## 4. The multilayer perceptron
# An MLP alternates linear layers and activations: `h1 = relu(x W1ᵀ + b1)`, `h2 = relu(h1 W2ᵀ + b2)`,
# `output = h2 W3ᵀ + b3`. With enough hidden units it can approximate any continuous function on a bounded
# interval (the universal approximation theorem); below, a small MLP learns sin(x).


# %%
def section_4(quick: bool = False) -> Section:
    s = Section()
    scratch.manual_seed(1)
    mlp = sm.MLP([4, 8, 6, 3])
    torch.manual_seed(1)
    torch_mlp = tm.MLP([4, 8, 6, 3])
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    h, ht = x, t(x)
    for name, layers in [("h1", (0, 1)), ("h2", (2, 3)), ("output", (4,))]:
        for i in layers:
            h, ht = mlp[i](h), torch_mlp[i](ht)
        print(f"  {name}: shape {h.shape}")
        s.compare(f"MLP forward, {name}", h, ht)

    # float64 from here on: over thousands of steps, float32's one-ulp differences would grow visibly
    X, y = datasets.sine(n_samples=128, noise=0.0, seed=0, dtype=np.float64)
    scratch.manual_seed(2)
    net = sm.MLP([1, 32, 32, 1], activation="tanh").double()
    torch.manual_seed(2)
    torch_net = tm.MLP([1, 32, 32, 1], activation="tanh").double()
    steps = 300 if quick else 1000
    losses, _ = fit_full_batch(net, torch_net, X, y, steps=steps, lr=0.01, section=s, name="sin fit", loss="mse")
    print(f"  MLP 1-32-32-1 (tanh) fitting sin(x): MSE {losses[0]:.3f} → {losses[-1]:.5f} after {steps} Adam steps")
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    order = np.argsort(X[:, 0])
    ax.plot(X[order, 0], y[order, 0], "k.", label="data: sin(x)")
    ax.plot(X[order, 0], net(X)[order, 0], label="scratch MLP")
    ax.plot(X[order, 0], torch_net(t(X)).detach().numpy()[order, 0], "--", label="torch MLP")
    ax.set(xlabel="x", ylabel="y", title=f"Universal approximation: MLP 1-32-32-1 after {steps} steps")
    ax.legend()
    s.figures["sine_fit"] = fig
    return s


# %% [markdown]
# ## 5. Defining a network: `SimpleMLP`
# The tutorial's model, `SimpleMLP(784, 128, 10)`: 784 pixels in, 128 hidden ReLU units, 10 class scores out.


# %%
def section_5(quick: bool = False) -> Section:
    s = Section()
    scratch.manual_seed(0)
    model = sm.SimpleMLP(784, 128, 10)
    torch.manual_seed(0)
    torch_model = tm.SimpleMLP(784, 128, 10)
    print(model)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"  trainable parameters: {n_params:,} = 784·128 + 128 + 128·10 + 10")
    print(f"  the repr is torch's, character for character: {repr(model) == repr(torch_model)}")
    s.compare("SimpleMLP parameter count", n_params, sum(p.numel() for p in torch_model.parameters()))
    for key, value in model.state_dict().items():
        s.compare(f"SimpleMLP init {key}", value, torch_model.state_dict()[key])
    return s


# %% [markdown]
# ## 6. Loss functions
# MSE for regression; cross-entropy for classes (it combines LogSoftmax and NLLLoss and takes raw logits);
# BCE-with-logits for yes/no targets (a sigmoid and BCE in one numerically stable formula).


# %%
def section_6(quick: bool = False) -> Section:
    s = Section()
    rng = np.random.default_rng(0)
    cases = [
        ("MSELoss on 5×1", nn.MSELoss(), torch.nn.MSELoss(), rng.standard_normal((5, 1)), rng.standard_normal((5, 1))),
        (
            "CrossEntropyLoss on 5×3, targets [0,1,2,0,1]",
            nn.CrossEntropyLoss(),
            torch.nn.CrossEntropyLoss(),
            rng.standard_normal((5, 3)),
            np.array([0, 1, 2, 0, 1]),
        ),
        (
            "BCEWithLogitsLoss on 5×1",
            nn.BCEWithLogitsLoss(),
            torch.nn.BCEWithLogitsLoss(),
            rng.standard_normal((5, 1)),
            rng.integers(0, 2, (5, 1)).astype(np.float64),
        ),
    ]
    for name, criterion, torch_criterion, out, target in cases:
        loss = criterion(out, target)
        out_t = t(out).requires_grad_()
        torch_loss = torch_criterion(out_t, t(target))
        torch_loss.backward()
        print(f"  {name}: scratch {float(loss):.6f}, torch {torch_loss.item():.6f}")
        s.compare(f"{name.split(' on')[0]} value", loss, torch_loss)
        s.compare(f"{name.split(' on')[0]} gradient", criterion.backward(), out_t.grad)
    return s


# %% [markdown]
# ## 7. How networks learn: one optimizer step
# Gradient descent moves each parameter against its gradient: `p ← p − lr·g`. Momentum keeps a running
# direction (`buf ← μ·buf + g`), Adam scales each coordinate by a running estimate of the gradient's size.


# %%
def section_7(quick: bool = False) -> Section:
    s = Section()
    rng = np.random.default_rng(0)
    p0, grad = rng.standard_normal(4), rng.standard_normal(4)
    print(f"  p = {p0}\n  g = {grad}")
    for name, make, make_torch in [
        ("SGD(lr=0.1)", lambda ps: optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
        (
            "SGD(lr=0.1, momentum=0.9)",
            lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
            lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        ),
        ("Adam(lr=0.1)", lambda ps: optim.Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1)),
    ]:
        p = nn.Parameter(p0.copy())
        pt = torch.nn.Parameter(t(p0))
        optimizer, torch_optimizer = make([p]), make_torch([pt])
        for _ in range(2):  # two steps: the second uses the momentum buffer / Adam's moments
            p.grad, pt.grad = grad.copy(), t(grad)
            optimizer.step()
            torch_optimizer.step()
        print(f"  {name:<26} after 2 steps: Δp = {p.data - p0}")
        s.compare(f"{name.split('(')[0]}{'-momentum' if 'momentum' in name else ''} update", p.data, pt)
    return s


# %% [markdown]
# ## 8. The training loop: forward, loss, backward, step
# One step, `train_step` in `scratch/train.py` and in `torch_impl/train.py`:
# ```
# optimizer.zero_grad()                          optimizer.zero_grad()
# out = model(X)                                 out = model(X)
# loss = criterion(out, y)                       loss = criterion(out, y)
# model.backward_params(criterion.backward())    loss.backward()          # autograd
# optimizer.step()                               optimizer.step()
# ```
# The only different line is the backward pass: scratch runs each layer's `backward` in reverse order
# (`backward_params` skips the gradient of the data batch, which autograd never computes either).


# %%
def section_8(quick: bool = False) -> Section:
    s = Section()
    scratch.manual_seed(3)
    model = sm.SimpleMLP(4, 8, 3)
    torch.manual_seed(3)
    torch_model = tm.SimpleMLP(4, 8, 3)
    X = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 2, 1, 0])
    criterion, torch_criterion = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()

    loss = criterion(model(X), y)
    grad_out = criterion.backward()  # dL/d(logits) = (softmax − onehot)/N
    grad_hidden = model.fc2.backward(grad_out)  # dL/dh = g W2; dW2 = gᵀh, db2 = Σg
    grad_hidden = model.relu.backward(grad_hidden)  # × 1[h > 0]
    model.fc1.backward(grad_hidden)  # dW1 = gᵀx, db1 = Σg

    torch_loss = torch_criterion(torch_model(t(X)), t(y))
    torch_loss.backward()
    print(f"  loss: scratch {float(loss):.6f}, torch {torch_loss.item():.6f}")
    s.compare("training step: loss", loss, torch_loss)
    torch_params = dict(torch_model.named_parameters())
    for name, p in model.named_parameters():
        s.compare(f"training step: dL/d{name}", p.grad, torch_params[name].grad)
    return s


# %% [markdown]
# ## 9. Building and training a first network
# The same seed gives both implementations the same initial weights and the same shuffled batches, so their
# loss curves coincide. First a synthetic 2-D problem (three interleaved spirals), then real handwritten digits.


# %%
def train_both(
    sizes_or_model: tuple[Callable[[], nn.Module], Callable[[], torch.nn.Module]],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    epochs: int,
    lr: float,
    seed: int,
) -> tuple[nn.Module, torch.nn.Module, Any, Any]:
    """Train the scratch and the torch model from the same seed on the same batches; return both and their histories."""
    X_train, X_test, y_train, y_test = data
    make, make_torch = sizes_or_model
    scratch.manual_seed(seed)
    model = make()
    loader = make_loader(X_train, y_train, batch_size=32, shuffle=True, generator=scratch.Generator().manual_seed(seed))
    test_loader = make_loader(X_test, y_test, batch_size=256)
    history = train(
        model,
        loader,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=lr),
        epochs,
        log_every=0,
        test_loader=test_loader,
    )
    torch.manual_seed(seed)
    torch_model = make_torch()
    torch_loader = tdata.make_loader(
        X_train, y_train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    torch_test_loader = tdata.make_loader(X_test, y_test, batch_size=256)
    torch_history = ttrain.train(
        torch_model,
        torch_loader,
        torch.nn.CrossEntropyLoss(),
        torch.optim.Adam(torch_model.parameters(), lr=lr),
        epochs,
        log_every=0,
        test_loader=torch_test_loader,
    )
    return model, torch_model, history, torch_history


def loss_curves_figure(curves: dict[str, tuple[list[float], list[float]]]) -> Figure:
    fig = Figure(figsize=(6 * len(curves), 4), layout="constrained")
    for ax, (name, (ours, theirs)) in zip(fig.subplots(1, len(curves), squeeze=False)[0], curves.items(), strict=True):
        ax.plot(ours, label="scratch (manual backprop)", linewidth=2.5, alpha=0.6)
        ax.plot(theirs, "--", label="torch (autograd)", linewidth=1)
        ax.set(xlabel="step", ylabel="training loss (cross-entropy)", title=f"{name}: loss per step", yscale="log")
        ax.legend()
    return fig


def section_9(quick: bool = False) -> Section:
    s = Section()
    X, y = datasets.spirals(n_samples=600, n_classes=3, noise=0.15, seed=0, dtype=np.float64)
    spirals = datasets.train_test_split(X, y, test_size=0.25, seed=0)
    epochs = 20 if quick else 60
    model, torch_model, history, torch_history = train_both(
        (lambda: sm.MLP([2, 64, 64, 3]).double(), lambda: tm.MLP([2, 64, 64, 3]).double()),
        spirals,
        epochs,
        lr=0.01,
        seed=0,
    )
    print(
        f"  spirals (float64), MLP 2-64-64-3, {epochs} epochs: test accuracy scratch {history.test_metric[-1]:.1%}, "
        f"torch {torch_history.test_metric[-1]:.1%}"
    )
    s.compare("spirals: loss at every step", history.loss, torch_history.loss)

    digits_X, digits_y = datasets.load_digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(digits_X, digits_y, test_size=0.25, seed=0)
    X_train, X_test = datasets.standardize(X_train, X_test)  # per-pixel mean 0, std ~1, from the training set
    digits = (X_train, X_test, y_train, y_test)
    digit_epochs = 5 if quick else 20
    net, torch_net, digits_history, torch_digits_history = train_both(
        (lambda: sm.SimpleMLP(64, 128, 10), lambda: tm.SimpleMLP(64, 128, 10)), digits, digit_epochs, lr=1e-3, seed=0
    )
    predictions = net(X_test).argmax(axis=1)
    torch_predictions = torch_net(t(X_test)).argmax(dim=1).numpy()
    print(
        f"  digits (8×8), SimpleMLP(64, 128, 10), {digit_epochs} epochs: test accuracy scratch "
        f"{np.mean(predictions == y_test):.1%}, torch {np.mean(torch_predictions == y_test):.1%}; "
        f"{np.sum(predictions != torch_predictions)} of {len(y_test)} test predictions differ"
    )
    s.compare("digits: loss at every step", digits_history.loss, torch_digits_history.loss)
    s.compare("digits: test predictions", predictions, torch_predictions)

    s.figures["loss_curves"] = loss_curves_figure(
        {"spirals": (history.loss, torch_history.loss), "digits": (digits_history.loss, torch_digits_history.loss)}
    )
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    X_all, y_all = np.concatenate([spirals[0], spirals[1]]), np.concatenate([spirals[2], spirals[3]])
    limits = (float(X_all.min()) - 0.1, float(X_all.max()) + 0.1)
    ax1, ax2 = fig.subplots(1, 2)
    plot_decision_boundary(ax1, lambda P: model(P).argmax(axis=1), X_all, y_all, "scratch MLP", limits, 12)
    plot_decision_boundary(
        ax2, lambda P: torch_model(t(P)).argmax(dim=1).numpy(), X_all, y_all, "torch MLP", limits, 12
    )
    fig.suptitle("Decision regions on the spirals (same seed, same batches)")
    s.figures["spirals_boundary"] = fig
    return s


# %% [markdown]
# ## Run everything
# `main` runs the sections in order, saves the figures and prints the closing parity table: the largest
# difference between scratch and torch for everything compared above (float32 unless stated).


# %%
SECTIONS = [section_1, section_2, section_3, section_4, section_5, section_6, section_7, section_8, section_9]
TITLES = [
    "What a neuron computes",
    "The perceptron and linear separability",
    "Activation functions",
    "The multilayer perceptron",
    "Defining a network: SimpleMLP",
    "Loss functions",
    "How networks learn: one optimizer step",
    "The training loop",
    "Building and training a first network",
]


def parity_table(results: dict[int, Section]) -> str:
    rows = [f"  {'component':<52} worst |scratch − torch|"]
    for number, result in results.items():
        rows += [f"  {number}. {name:<49} {diff:.1e}" for name, diff in result.differences.items()]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict[int, Section]:
    parser = argparse.ArgumentParser(description=__doc__ or "Neural networks fundamentals, twice.")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="where figures are written")
    parser.add_argument("--section", type=int, choices=range(1, 10), help="run one section only")
    parser.add_argument("--quick", action="store_true", help="fewer training steps")
    args, _ = parser.parse_known_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for number, (section, title) in enumerate(zip(SECTIONS, TITLES, strict=True), start=1):
        if args.section not in (None, number):
            continue
        print(f"\n{number}. {title}")
        results[number] = section(quick=args.quick)
        for name, fig in results[number].figures.items():
            fig.savefig(args.out / f"{name}.png", dpi=100)
            print(f"    figure: {args.out / f'{name}.png'}")
            if "ipykernel" in sys.modules:  # in the notebook, show it below the section's output too
                from IPython.display import display

                display(fig)
    print("\nParity: the worst difference seen in each comparison\n" + parity_table(results))
    return results


if __name__ == "__main__":
    main(sys.argv[1:] if "ipykernel" not in sys.modules else [])
