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
# This tutorial builds a neural network from its parts: a neuron, a layer, an activation, a loss, the chain rule,
# an update rule and a training loop. Every idea is computed **two ways**:
#
# * **from scratch** in NumPy (`scratch/`), where each layer's `backward` is the chain rule written out by hand,
#   so that nothing is hidden;
# * in **PyTorch** (`torch_impl/` and `torch` itself), the way a PyTorch user writes it, with autograd.
#
# Both start from the same random seed, so they start from the same weights, see the same batches, and, as every
# cell shows, compute the same numbers: each comparison prints `max |scratch − torch|`, the largest difference
# between the two. In float64 the differences are a few units in the 16th digit; in float32 in the 7th. The last
# cell gathers them per section.
#
# Run the cells from top to bottom: each section needs only the first code cell (the imports), so you can also
# jump to a section, change a number and run its cells again. As a script,
# `.venv/bin/python neural_networks_fundamentals.py` runs everything and writes the figures to `figures/`
# (`--out DIR` elsewhere, `--quick` for fewer training steps, `--section N` for one section).

# %%
import inspect

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import scratch
import torch_impl.models as tm
import tutorial
from common import datasets
from plots import graph as graph_plots
from plots import perceptron as perceptron_plots
from plots import tutorial as figures
from scratch import autograd, nn, optim
from scratch import models as sm
from scratch.autograd import models as am
from scratch.data import make_loader
from scratch.train import evaluate, train
from torch_impl import data as tdata
from torch_impl import train as ttrain
from tutorial import compare, fit_both, show, t

OPTIONS = tutorial.use(tutorial.options(script=globals().get("__file__")))
QUICK = OPTIONS.quick  # fewer training steps when True (the script's --quick)
# Small matrices: one thread each is faster than several fighting over the cores (NumPy's BLAS and torch).
threadpool_limits(1)
torch.set_num_threads(1)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. What is a neural network?
#
# **The biological inspiration.** A biological neuron receives signals from thousands of others through its
# dendrites; each connection (a synapse) is stronger or weaker; the cell body sums what arrives, and when the sum
# passes a threshold the neuron fires a signal down its axon to the next neurons. Learning changes the strengths of
# the synapses. An artificial neuron keeps only that arithmetic: inputs $x_i$, one **weight** $w_i$ per input (the
# strength of the connection), a **bias** $b$ (which moves the threshold) and an **activation** $f$ (the firing):
#
# $$a = f\Big(\sum_i w_i x_i + b\Big) = f(w \cdot x + b).$$
#
# **Layers.** A layer is many neurons reading the same inputs; stacking their weight vectors as the rows of a
# matrix $W$ (one row per neuron) gives the whole layer in one product, for a whole batch $X$ of inputs at once
# (one row per sample): $Y = X W^\top + b$. That is `Linear(in_features, out_features)`, with $W$ of shape
# (out_features, in_features) as in torch. A network chains layers: the **input layer** is the data, **hidden
# layers** compute intermediate features, the **output layer** gives the prediction.
#
# **Types of networks.** Feedforward networks (multilayer perceptrons, this tutorial) send signals one way, from
# input to output; convolutional networks share weights across positions of an image; recurrent networks feed their
# output back in to process sequences; transformers let every element of a sequence weigh every other. All of them
# are built from the pieces below and trained the same way.
#
# One neuron, by hand and in both implementations:

# %%
compare.begin("1. What is a neural network?")
x = np.array([1.0, 2.0, 3.0])
w = np.array([0.2, -0.5, 0.1])
b = 0.4
z = w @ x + b
print(f"w·x + b = {w} · {x} + {b} = {z:.2f};  sigmoid(w·x + b) = {float(nn.functional.sigmoid(z)):.4f}")
compare("one neuron: w·x + b", z, torch.dot(t(w), t(x)) + b)
compare("one neuron: sigmoid(w·x + b)", nn.functional.sigmoid(z), torch.sigmoid(torch.dot(t(w), t(x)) + b))

# %% [markdown]
# A layer of 2 neurons with 3 inputs. Built right after the same `manual_seed`, the scratch layer and torch's draw
# the same initial weights, bit for bit: scratch reproduces torch's random stream (the same Mersenne-Twister words,
# turned into numbers the way torch does).

# %%
scratch.manual_seed(0)
layer = nn.Linear(3, 2)
torch.manual_seed(0)
torch_layer = torch.nn.Linear(3, 2)
print(f"W (2 × 3) =\n{layer.weight.data}\nb = {layer.bias.data}")
compare("Linear(3, 2): the initial weights", layer.weight.data, torch_layer.weight)
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=np.float32)
compare("Linear(3, 2): X Wᵀ + b for a batch of 2", layer(X), torch_layer(t(X)))

# %% [markdown]
# **How a layer learns: its gradients.** Training needs, for a loss $L$, the gradient of $L$ with respect to every
# weight. Write $G = \partial L/\partial Y$ for the gradient arriving from above (one row per sample). Since
# $Y_{nj} = \sum_i X_{ni} W_{ji} + b_j$, the chain rule gives
#
# $$\frac{\partial L}{\partial W_{ji}} = \sum_n G_{nj} X_{ni}, \quad \text{i.e.}\quad \frac{\partial L}{\partial W}
# = G^\top X; \qquad \frac{\partial L}{\partial b} = \sum_n G_n; \qquad \frac{\partial L}{\partial X} = G\,W.$$
#
# `Linear.backward(G)` computes exactly these (look at `scratch/nn/linear.py`): it adds the first two to
# `weight.grad` and `bias.grad` and returns the third, which the layer below needs. torch's autograd finds the same:

# %%
G = np.array([[1.0, 0.0], [0.5, -2.0]], dtype=np.float32)
dX = layer.backward(G)
compare("dL/dW = Gᵀ X (by hand)", layer.weight.grad, G.T @ X)
Xt = t(X).requires_grad_()
torch_layer(Xt).backward(t(G))
compare("dL/dW: scratch backward vs torch autograd", layer.weight.grad, torch_layer.weight.grad)
compare("dL/db = Σ G", layer.bias.grad, torch_layer.bias.grad)
compare("dL/dX = G W", dX, Xt.grad)

# %% [markdown]
# **Things to try.** Change `w` or `b` and predict the neuron's output before running the cell. Build
# `nn.Linear(3, 2)` twice in a row without re-seeding: why do the two layers differ, and why does torch's second
# layer still equal scratch's second? Compute `G @ layer.weight.data` yourself and compare it with `dX`.
# Exercise: write `linear` and `linear_backward` in `exercises/linear.py`, then `python -m exercises check linear`.
#
# ## 2. The perceptron and linear separability
#
# Rosenblatt's perceptron (1958) is one neuron with a step activation: it predicts
# $\hat y = \mathrm{step}(w \cdot x + b)$, 1 if $w \cdot x + b > 0$ and 0 otherwise (so step(0) = 0, as
# `torch.heaviside(z, 0)`). It learns by a rule, not by gradients (the step has no useful derivative): for each
# sample in turn, on a mistake, move the boundary towards the sample,
#
# $$w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad b \leftarrow b + \eta\,(y - \hat y).$$
#
# The boundary $w \cdot x + b = 0$ is a straight line (a hyperplane in more dimensions). So a perceptron can only
# learn **linearly separable** data, where some line puts every 0 on one side and every 1 on the other. When such a
# line exists, the rule finds one after finitely many mistakes (Novikoff's theorem, 1962: at most $(R/\gamma)^2$,
# with $R$ the largest input norm and $\gamma$ the margin of the best line). AND, OR and NAND are separable; XOR is
# not (its 1s sit on one diagonal of the square and its 0s on the other), and the rule cycles forever.

# %%
compare.begin("2. The perceptron and linear separability")
histories, panels = {}, []
for gate in ("AND", "OR", "NAND", "XOR"):
    Xg, yg = perceptron_plots.gate(gate)
    ours, theirs = sm.Perceptron(2), tm.Perceptron(2)
    history = ours.fit(Xg, yg, max_epochs=20)
    torch_history = theirs.fit(t(Xg), t(yg), max_epochs=20)
    histories[gate] = history
    print(f"{gate:<4} mistakes per epoch {history} → {'converged' if history[-1] == 0 else 'never converges'}")
    compare(f"{gate}: mistakes per epoch", history, torch_history)
    compare(f"{gate}: final weights", ours.weight.data, theirs.weight)
    if gate != "NAND":
        panels.append((perceptron_plots.perceptron_title(gate, history), ours, Xg, yg))
show(perceptron_plots.mistakes_figure(histories), "perceptron_mistakes")

# %% [markdown]
# **Stacking linear layers does not help.** Two `Linear` layers with nothing between them compute
# $(X W_1^\top + b_1) W_2^\top + b_2 = X (W_2 W_1)^\top + (W_2 b_1 + b_2)$: one `Linear` layer with weight
# $W_2 W_1$ and bias $W_2 b_1 + b_2$. Composing the weights shows it numerically:

# %%
scratch.manual_seed(1)
two_linear = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)).double()
W1, b1 = two_linear[0].weight.data, two_linear[0].bias.data
W2, b2 = two_linear[1].weight.data, two_linear[1].bias.data
one_linear = nn.Linear(2, 2, dtype=np.float64)
one_linear.load_state_dict({"weight": W2 @ W1, "bias": W2 @ b1 + b2})
Xq = np.random.default_rng(0).standard_normal((5, 2))
print(f"two layers:\n{two_linear(Xq)}\none layer with the composed weights:\n{one_linear(Xq)}")
print(f"largest difference: {np.abs(two_linear(Xq) - one_linear(Xq)).max():.1e} (rounding only)")

# %% [markdown]
# So two linear layers cannot learn XOR any more than one can: trained on XOR they get at most 3 of the 4 points
# right (75%). Put a nonlinearity between them (tanh here) and the network bends its boundary and gets all four.
# Both implementations train from the same seed, with the same full-batch Adam steps.

# %%
Xx, yx = perceptron_plots.gate("XOR")
xor_accuracy = {}
for activation in (None, "tanh"):
    scratch.manual_seed(0)
    torch.manual_seed(0)
    if activation is None:
        net = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2))
        torch_net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Linear(4, 2))
    else:
        net, torch_net = sm.MLP([2, 4, 2], activation), tm.MLP([2, 4, 2], activation)
    losses, torch_losses = fit_both(
        net, torch_net, Xx, yx, 200, lambda p, tp: (optim.Adam(p, lr=0.05), torch.optim.Adam(tp, lr=0.05))
    )
    name = "Linear, Linear (no activation)" if activation is None else "Linear, tanh, Linear"
    xor_accuracy[name] = float(np.mean(net(Xx).argmax(axis=1) == yx))
    print(f"{name:<32} on XOR: {xor_accuracy[name]:.0%} correct after 200 steps (loss {losses[-1]:.3f})")
    compare(f"XOR, {name}: loss at every step", losses, torch_losses, dtype="float32")
xor_mlp = net
accuracy = xor_accuracy["Linear, tanh, Linear"]
panels.append((f"XOR: MLP 2-4-2 (tanh), {accuracy:.0%} correct", lambda P: xor_mlp(P).argmax(axis=1), Xx, yx))
show(perceptron_plots.boundaries_figure(panels), "perceptron_boundaries")

# %% [markdown]
# **Things to try.** Give the perceptron another learning rate: does the number of mistakes change? (From zero
# weights it does not: the rate only scales $w$.) Replace tanh by ReLU in the XOR network, or give it 2 hidden
# units instead of 4, and run it for several seeds.
#
# ## 3. Activation functions
#
# **Their purpose.** Without a nonlinearity, any stack of layers is one linear map (section 2). An activation bends
# each neuron's output, and a network of bent pieces can draw any boundary. During training the gradient passes
# through each activation's derivative, so the derivative matters as much as the function:
#
# | activation | formula | derivative | range |
# |---|---|---|---|
# | sigmoid | $\sigma(x) = 1/(1 + e^{-x})$ | $\sigma(x)(1 - \sigma(x)) \le 1/4$ | (0, 1) |
# | tanh | $\tanh x$ | $1 - \tanh^2 x \le 1$ | (−1, 1) |
# | ReLU | $\max(x, 0)$ | 1 for $x > 0$, 0 otherwise (0 at 0, as torch) | [0, ∞) |
# | Leaky ReLU | $x$ for $x > 0$, $\alpha x$ otherwise | 1 or $\alpha$ ($\alpha$ at 0) | ℝ |
# | softmax | $y_i = e^{x_i} / \sum_j e^{x_j}$ | $\partial y_i/\partial x_j = y_i(\delta_{ij} - y_j)$ | sums to 1 |
#
# * **Sigmoid** squashes to (0, 1), a probability for a yes/no output. Its derivative is at most 1/4 and vanishes
#   for large |x| (it *saturates*), and its outputs are all positive (not zero-centred).
# * **Tanh** is a rescaled sigmoid, $\tanh x = 2\sigma(2x) - 1$: zero-centred, with derivative up to 1, but it
#   saturates too.
# * **ReLU** passes positive inputs unchanged (derivative 1: no shrinking) and is cheap; a unit whose input is
#   negative for every sample outputs 0 and gets no gradient: it is *dead*.
# * **Leaky ReLU** keeps a small slope $\alpha$ (0.01 by default) for negative inputs, so no unit dies.
# * **Softmax** turns a vector of scores into probabilities that sum to 1: the output layer of a classifier.
#
# The source text's example, as written for torch, and the same with scratch (`scratch.randn` draws what
# `torch.randn` draws from the same seed):

# %%
compare.begin("3. Activation functions")
torch.manual_seed(0)
x = torch.randn(2, 3)
relu, sigmoid, tanh = torch.nn.ReLU(), torch.nn.Sigmoid(), torch.nn.Tanh()
print(x)
print(relu(x))
print(sigmoid(x))
print(tanh(x))

scratch.manual_seed(0)
x_ours = scratch.randn(2, 3)
compare("scratch.randn(2, 3) vs torch.randn(2, 3)", x_ours, x)
for name, ours_fn, theirs_fn in [
    ("ReLU", nn.ReLU(), relu),
    ("Sigmoid", nn.Sigmoid(), sigmoid),
    ("Tanh", nn.Tanh(), tanh),
]:
    compare(f"{name} on the 2×3 batch", ours_fn(x_ours), theirs_fn(x))
compare("Softmax(dim=1) on the 2×3 batch", nn.Softmax(dim=1)(x_ours), torch.nn.Softmax(dim=1)(x))

# %% [markdown]
# Each function and its derivative: the lines are scratch's `forward` and `backward`, the circles torch's autograd.
# Note the derivative's jump at 0 for ReLU and Leaky ReLU, and how flat sigmoid and tanh become away from 0.

# %%
grid = np.linspace(-4, 4, 801)
curves = {}
for name, make, make_torch in [
    ("sigmoid", nn.Sigmoid, torch.nn.Sigmoid),
    ("tanh", nn.Tanh, torch.nn.Tanh),
    ("ReLU", nn.ReLU, torch.nn.ReLU),
    ("LeakyReLU (slope 0.1)", lambda: nn.LeakyReLU(0.1), lambda: torch.nn.LeakyReLU(0.1)),
    ("ELU", nn.ELU, torch.nn.ELU),
]:
    module, torch_module = make(), make_torch()
    y = module(grid)
    dy = module.backward(np.ones_like(grid))
    xt = t(grid).requires_grad_()
    torch_module(xt).sum().backward()
    compare(f"{name}: derivative from backward vs autograd", dy, xt.grad)
    curves[name] = (grid, y, dy, xt.grad.numpy())
show(figures.activations_figure(curves), "activations")

# %% [markdown]
# **Vanishing gradients, measured.** In a deep network the gradient reaching layer $l$ is a product of one factor
# per layer above it, and each factor contains the activation's derivative. Sigmoid's is at most 1/4, so the
# gradient shrinks about four times per layer on its way down; tanh's is at most 1; ReLU's is exactly 1 where it
# is active. Below, three networks of 8 hidden layers (width 32) differ only in their activation; we measure
# $\lVert \partial L/\partial W_l \rVert$ for every layer at initialisation and after some training, in both
# implementations.

# %%
rng = np.random.default_rng(0)
X_deep = rng.standard_normal((128, 32)).astype(np.float32)
y_deep = rng.integers(0, 10, 128)
deep_steps = 20 if QUICK else 60
norms: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {
    "at initialisation": {},
    f"after {deep_steps} SGD steps": {},
}
deep_nets = {}
for activation in ("sigmoid", "tanh", "relu"):
    sizes = [32] * 9 + [10]
    scratch.manual_seed(3)
    deep = sm.MLP(sizes, activation)
    torch.manual_seed(3)
    torch_deep = tm.MLP(sizes, activation)
    deep_nets[activation] = (deep, torch_deep)
    for moment, steps in (("at initialisation", 0), (f"after {deep_steps} SGD steps", deep_steps)):
        fit_both(
            deep, torch_deep, X_deep, y_deep, steps, lambda p, tp: (optim.SGD(p, lr=0.1), torch.optim.SGD(tp, lr=0.1))
        )
        loss = nn.CrossEntropyLoss()
        loss(deep(X_deep), y_deep)
        deep.zero_grad()
        deep.backward(loss.backward())
        torch_deep.zero_grad()
        torch.nn.functional.cross_entropy(torch_deep(t(X_deep)), t(y_deep)).backward()
        ours = np.array([np.linalg.norm(m.weight.grad) for m in deep if isinstance(m, nn.Linear)])
        theirs = np.array([m.weight.grad.norm().item() for m in torch_deep if isinstance(m, torch.nn.Linear)])
        norms[moment][activation] = (ours, theirs)
        compare(f"{activation}, {moment}: ‖dL/dW‖ per layer", ours, theirs)
    first_layer, last_hidden = norms["at initialisation"][activation][0][[0, -2]]
    print(f"{activation:>7}: at initialisation, ‖dL/dW‖ of layer 1 / of layer 8 = {first_layer / last_hidden:.1e}")
show(figures.gradient_norms_figure(norms), "gradient_norms")

# %% [markdown]
# **Zero-centred outputs.** A layer's outputs are the next layer's inputs. Sigmoid's are all positive (their mean is
# near 0.5), so every weight of the next layer gets a gradient of the same sign for a given sample, which makes
# gradient descent zigzag; tanh's are centred on 0. The mean activation of each hidden layer of the untrained deep
# networks above (re-built from the same seed):

# %%
mean_activation = {}
for activation in ("sigmoid", "tanh"):
    scratch.manual_seed(3)
    deep = sm.MLP([32] * 9 + [10], activation)
    torch.manual_seed(3)
    torch_deep = tm.MLP([32] * 9 + [10], activation)
    h, h_t, means, torch_means = X_deep, t(X_deep), [], []
    for module, torch_module in zip(deep, torch_deep, strict=True):
        h, h_t = module(h), torch_module(h_t)
        if not isinstance(module, nn.Linear):
            means.append(float(h.mean()))
            torch_means.append(h_t.mean().item())
    mean_activation[activation] = np.array(means)
    print(f"{activation:>7}: mean output of hidden layers 1..8 = {np.round(means, 3)}")
    compare(f"{activation}: mean activation per layer", means, torch_means, dtype="float32")

# %% [markdown]
# **Dying ReLUs, and the leak that prevents them.** A large learning-rate step can push a unit's bias so far
# down that its input is negative for every sample: it outputs 0, its gradient is 0, and it never recovers. Leaky
# ReLU's slope $\alpha$ keeps a gradient flowing. Train the same network with each, with a learning rate that is
# too high on purpose, and count the hidden units whose gradient is 0 for every training sample:

# %%
X_sp, y_sp = datasets.spirals(n_samples=300, noise=0.1, seed=0)
dead_units = {}
for activation in ("relu", "leaky_relu"):
    scratch.manual_seed(4)
    net = sm.MLP([2, 64, 64, 3], activation)
    torch.manual_seed(4)
    torch_net = tm.MLP([2, 64, 64, 3], activation)
    fit_both(net, torch_net, X_sp, y_sp, 30, lambda p, tp: (optim.SGD(p, lr=3.0), torch.optim.SGD(tp, lr=3.0)))
    pre = net[0](X_sp)  # inputs of the first hidden layer's activation
    pre_t = torch_net[0](t(X_sp))
    slope = np.where(pre > 0, 1.0, 0.0 if activation == "relu" else 0.01)  # the activation's derivative
    dead = dead_units[activation] = int((slope == 0).all(axis=0).sum())
    torch_dead = int((pre_t <= 0).all(dim=0).sum()) if activation == "relu" else 0
    print(f"{activation:>10}: {dead} of the 64 first-layer units get no gradient from any sample")
    compare(f"{activation}: units without gradient", dead, torch_dead)

# %% [markdown]
# **Softmax, computed safely.** $e^{1000}$ overflows (to inf), so the formula as written gives inf/inf = NaN for
# large scores. Since softmax does not change when the same number is subtracted from every score, the
# implementations subtract the largest first: every exponent is then ≤ 0, and nothing overflows.

# %%
logits = np.array([1000.0, 0.0, -5.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(logits) / np.exp(logits).sum()
print(f"naive exp(x)/Σexp(x):      {naive}")
print(f"scratch softmax (x − max): {nn.functional.softmax(logits, dim=0)}")
print(f"torch.softmax:             {torch.softmax(t(logits), dim=0).numpy()}")
compare("softmax at logits of 1000", nn.functional.softmax(logits, dim=0), torch.softmax(t(logits), dim=0))

# %% [markdown]
# **Choosing one.** ReLU (or Leaky ReLU, if units die) in the hidden layers of most feedforward networks; tanh where
# zero-centred, bounded outputs matter; sigmoid only at an output that is a probability; softmax at the output of a
# classifier (inside the loss, as section 6 explains).
#
# **Things to try.** Make the deep networks deeper (`[32] * 16 + [10]`) and watch sigmoid's gradient at layer 1.
# Lower the dying-ReLU learning rate to 0.1: how many units die now? Compute `np.exp(logits - logits.max())` and
# normalise it yourself. Exercise: write the five activations and their derivatives (softmax's whole Jacobian) in
# `exercises/activations.py`, then `python -m exercises check activations`.
#
# ## 4. The multilayer perceptron
#
# **Architecture.** A multilayer perceptron (MLP) alternates linear layers and activations: for inputs $x$,
#
# $$h_1 = f(x W_1^\top + b_1),\quad h_2 = f(h_1 W_2^\top + b_2),\quad \dots,\quad
# \text{output} = h_{L-1} W_L^\top + b_L.$$
#
# The number of layers is its depth, the number of units per hidden layer its width; the last layer has no
# activation (it gives scores, or a regression value). **Forward propagation** is just this chain, layer after layer,
# for a whole batch at once; each layer's output has one row per sample.
#
# **The universal approximation theorem** (Cybenko 1989, Hornik 1991): one hidden layer with enough units of a
# nonconstant, bounded, continuous activation (sigmoid, tanh; ReLU too) approximates any continuous function on a
# bounded set as closely as we like. It says such a network exists, not that training finds it, nor how many units
# it needs. Forward propagation, layer by layer, in both implementations:

# %%
compare.begin("4. The multilayer perceptron")
scratch.manual_seed(1)
mlp = sm.MLP([4, 8, 6, 3])
torch.manual_seed(1)
torch_mlp = tm.MLP([4, 8, 6, 3])
print(mlp)
h = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
h_t = t(h)
for i, (module, torch_module) in enumerate(zip(mlp, torch_mlp, strict=True)):
    h, h_t = module(h), torch_module(h_t)
    print(f"after layer {i} ({type(module).__name__}): shape {h.shape}")
    compare(f"MLP forward, after layer {i} ({type(module).__name__})", h, h_t)

# %% [markdown]
# **Universal approximation, measured.** Fit $f(x) = \sin 2x + 0.3x$ on $[-\pi, \pi]$ with one hidden layer of
# $n$ tanh units, for several $n$ (full-batch SGD with momentum, the same steps on both sides, float64). More units,
# smaller error. (Why not Adam here: near a minimum its steps are normalised by the gradient's size, so they stay
# large while the gradient vanishes, and the last-digit differences between NumPy's tanh and torch's then steer
# the two runs apart. SGD's steps shrink with the gradient, and the runs agree to the last digits.)

# %%
x_fit = np.linspace(-np.pi, np.pi, 200)[:, None]
y_fit = np.sin(2 * x_fit) + 0.3 * x_fit
fits, errors = {}, {}
uat_steps = 500 if QUICK else 1500
for n in (1, 2, 4, 8, 16, 32):
    scratch.manual_seed(2)
    net = sm.MLP([1, n, 1], "tanh").double()
    torch.manual_seed(2)
    torch_net = tm.MLP([1, n, 1], "tanh").double()
    losses, torch_losses = fit_both(
        net,
        torch_net,
        x_fit,
        y_fit,
        uat_steps,
        lambda p, tp: (optim.SGD(p, lr=0.03, momentum=0.9), torch.optim.SGD(tp, lr=0.03, momentum=0.9)),
        loss="mse",
    )
    errors[n] = (losses[-1], torch_losses[-1])
    if n in (2, 8, 32):
        fits[n] = (net(x_fit)[:, 0], torch_net(t(x_fit)).detach().numpy()[:, 0])
    print(f"{n:>2} hidden units: MSE {losses[-1]:.5f} after {uat_steps} steps")
    compare(f"{n} tanh units: loss at every step", losses, torch_losses, dtype="float64")
show(figures.uat_figure(x_fit[:, 0], y_fit[:, 0], fits, errors), "universal_approximation")

# %% [markdown]
# **Things to try.** Fit $|x|$ or a step function instead. Use ReLU units: how do the fits look? Add a second hidden
# layer with the same total number of units.
#
# ## 5. Building a network with `nn.Module`
#
# **`nn.Module`** is the base class of every layer and model, in torch and in scratch. A model **defines its layers
# in `__init__`** by assigning them to attributes; the Module registers each layer (and each layer its parameters),
# so that `parameters()` lists every trainable array in a fixed order, `state_dict()` names them
# (`fc1.weight`, ...) and `zero_grad()`, `train()`/`eval()` reach them all. **`forward`** says how the layers are
# chained. In scratch each class also has a `backward` that chains the layers' backwards in reverse; in torch,
# autograd records the forward and needs no backward. The source text's network, scratch's version:

# %%
compare.begin("5. Building a network with nn.Module")
print(inspect.getsource(sm.SimpleMLP))

# %% [markdown]
# Built after the same seed, both print alike, hold the same 101,770 parameters, and start from the same weights:

# %%
scratch.manual_seed(0)
model = sm.SimpleMLP(784, 128, 10)
torch.manual_seed(0)
torch_model = tm.SimpleMLP(784, 128, 10)
print(torch_model)
print(f"the repr is torch's, character for character: {repr(model) == repr(torch_model)}")
n_params = sum(p.numel() for p in model.parameters())
print(f"parameters: {n_params:,} = 784·128 + 128 + 128·10 + 10;  state_dict keys: {list(model.state_dict())}")
compare("SimpleMLP(784, 128, 10): parameter count", n_params, sum(p.numel() for p in torch_model.parameters()))
for key, value in model.state_dict().items():
    compare(f"SimpleMLP(784, 128, 10): initial {key}", value, torch_model.state_dict()[key])

# %% [markdown]
# **Things to try.** Write your own module: `class TwoLayers(nn.Module)` with `self.hidden = nn.Linear(4, 8)`,
# `self.act = nn.Tanh()`, `self.out = nn.Linear(8, 2)`, its `forward` and its `backward`; check it with
# `scratch.gradcheck(TwoLayers().double(), np.random.rand(3, 4))`.
#
# ## 6. Loss functions
#
# **Their purpose.** A loss turns "how wrong is the network" into one number; training lowers it, and its gradient
# with respect to the output starts the backward pass.
#
# * **Mean squared error**, for regression: $L = \frac1N \sum_i (\hat y_i - y_i)^2$, with
#   $\partial L/\partial \hat y_i = \frac2N(\hat y_i - y_i)$.
# * **Cross-entropy**, for classification into $C$ classes from raw scores (logits) $z$:
#   $p = \mathrm{softmax}(z)$ and $L = -\frac1N \sum_i \log p_{i, y_i}$. torch's `CrossEntropyLoss` takes the
#   logits, not probabilities: it is `LogSoftmax` followed by `NLLLoss`. Its gradient is the most useful formula in
#   deep learning. With $\log p_c = z_c - \log \sum_k e^{z_k}$,
#   $\partial(-\log p_y)/\partial z_c = -[c = y] + e^{z_c}/\sum_k e^{z_k} = p_c - [c = y]$, so
#   $$\frac{\partial L}{\partial z_i} = \frac{p_i - \mathrm{onehot}(y_i)}{N},$$
#   which `CrossEntropyLoss.backward` computes in those words (`scratch/nn/loss.py`).
# * **Binary cross-entropy**, for yes/no targets from probabilities $p = \sigma(z)$:
#   $L = -[y \log p + (1 - y)\log(1 - p)]$.
# * **BCE with logits** takes $z$ instead and is *numerically stable*: since $\log \sigma(z) = -\log(1 + e^{-z})$
#   and $\log(1 - \sigma(z)) = -z - \log(1 + e^{-z})$, the loss is $(1 - y) z + \log(1 + e^{-z})$; written as
#   $(1 - y)z + \max(-z, 0) + \log(1 + e^{-|z|})$ nothing overflows, and its gradient is simply $\sigma(z) - y$.
#
# **Choosing one.** MSE for real-valued targets; `CrossEntropyLoss` on logits for one class out of several;
# `BCEWithLogitsLoss` on logits for yes/no (or several independent yes/no) targets. The source text's three
# examples, as written for torch, and the same with scratch:

# %%
compare.begin("6. Loss functions")
predictions, targets = torch.tensor([[2.5], [0.0], [2.1]]), torch.tensor([[3.0], [-0.5], [2.0]])
print("MSELoss:", torch.nn.MSELoss()(predictions, targets).item())
compare("MSELoss", nn.MSELoss()(predictions.numpy(), targets.numpy()), torch.nn.MSELoss()(predictions, targets))

outputs, labels = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), torch.tensor([0, 1])
print("CrossEntropyLoss:", torch.nn.CrossEntropyLoss()(outputs, labels).item())
compare(
    "CrossEntropyLoss",
    nn.CrossEntropyLoss()(outputs.numpy(), labels.numpy()),
    torch.nn.CrossEntropyLoss()(outputs, labels),
)

logits_b, targets_b = torch.tensor([0.8, -1.2, 2.0]), torch.tensor([1.0, 0.0, 1.0])
print("BCEWithLogitsLoss:", torch.nn.BCEWithLogitsLoss()(logits_b, targets_b).item())
compare(
    "BCEWithLogitsLoss",
    nn.BCEWithLogitsLoss()(logits_b.numpy(), targets_b.numpy()),
    torch.nn.BCEWithLogitsLoss()(logits_b, targets_b),
)

# %% [markdown]
# **Cross-entropy is LogSoftmax then NLLLoss**, and its gradient is softmax minus one-hot over N:

# %%
z6 = np.random.default_rng(6).standard_normal((5, 3))
y6 = np.array([0, 1, 2, 0, 1])
ce, nll, log_softmax = nn.CrossEntropyLoss(), nn.NLLLoss(), nn.LogSoftmax(dim=1)
print(f"CrossEntropyLoss = {float(ce(z6, y6)):.6f};  NLLLoss(LogSoftmax) = {float(nll(log_softmax(z6), y6)):.6f}")
grad_ce = ce.backward()
grad_composed = log_softmax.backward(nll.backward())
p6 = np.exp(z6) / np.exp(z6).sum(axis=1, keepdims=True)
compare("gradient: (p − onehot)/N by hand vs CrossEntropyLoss.backward", grad_ce, (p6 - np.eye(3)[y6]) / 5)
compare("gradient: CrossEntropyLoss vs NLLLoss∘LogSoftmax", grad_ce, grad_composed)
z6t = t(z6).requires_grad_()
torch.nn.functional.cross_entropy(z6t, t(y6)).backward()
compare("gradient: scratch vs torch autograd", grad_ce, z6t.grad)

# %% [markdown]
# **Why BCE-with-logits.** With target 0 and a large logit $z$, the true loss is $\approx z$ and its gradient 1.
# Computed as BCE of $\sigma(z)$ in float32, $\sigma(z)$ rounds to exactly 1 from $z \approx 17$: the loss hits the
# −100 clamp of the logarithm and, worse, the gradient through the sigmoid is 0 — a confidently wrong network
# stops learning. BCE-with-logits gives the right loss and gradient at every $z$:

# %%
z_b = np.arange(0.0, 40.5, 0.5, dtype=np.float32)
y_b = np.zeros_like(z_b)
losses_b, grads_b = {}, {}
sigmoid, bce = nn.Sigmoid(), nn.BCELoss(reduction="none")
loss_sig = bce(sigmoid(z_b), y_b)
grad_sig = sigmoid.backward(bce.backward(np.ones_like(z_b)))
zt = t(z_b).requires_grad_()
torch_loss_sig = torch.nn.functional.binary_cross_entropy(torch.sigmoid(zt), t(y_b), reduction="none")
torch_loss_sig.sum().backward()
losses_b["BCE of sigmoid(z)"] = (loss_sig, torch_loss_sig.detach().numpy())
grads_b["BCE of sigmoid(z)"] = (grad_sig, zt.grad.numpy())
with_logits = nn.BCEWithLogitsLoss(reduction="none")
loss_log = with_logits(z_b, y_b)
grad_log = with_logits.backward(np.ones_like(z_b))
zt2 = t(z_b).requires_grad_()
torch_loss_log = torch.nn.functional.binary_cross_entropy_with_logits(zt2, t(y_b), reduction="none")
torch_loss_log.sum().backward()
losses_b["BCE with logits"] = (loss_log, torch_loss_log.detach().numpy())
grads_b["BCE with logits"] = (grad_log, zt2.grad.numpy())
shown = np.isin(z_b, [0.0, 5.0, 10.0, 15.0, 17.0, 20.0, 40.0])
print(f"{'z':<27}{z_b[shown]}")
for name in losses_b:
    print(f"{name + ': loss':<27}{losses_b[name][0][shown]}\n{name + ': dL/dz':<27}{grads_b[name][0][shown]}")
    compare(f"{name}: loss", *losses_b[name])
    compare(f"{name}: gradient", *grads_b[name])
show(figures.bce_figure(z_b, losses_b, grads_b), "bce_with_logits")

# %% [markdown]
# **Things to try.** Give `CrossEntropyLoss` a `weight` per class or `label_smoothing=0.1` and compare with torch.
# Repeat the BCE experiment in float64 (`z_b.astype(np.float64)`): where does the sigmoid saturate now?
# Exercise: write MSE, cross-entropy and BCE-with-logits and their gradients, stable at logits of ±1000, in
# `exercises/losses.py`, then `python -m exercises check losses`.
#
# ## 7. How networks learn: gradient descent and its refinements
#
# **Gradient descent.** The gradient $\nabla L(\theta)$ points uphill; a small step against it lowers the loss:
# $\theta \leftarrow \theta - \eta \nabla L(\theta)$, with the **learning rate** $\eta$. **Stochastic** gradient
# descent (SGD) estimates the gradient on a mini-batch instead of the whole data set: cheaper steps, with noise.
#
# **Momentum** remembers a running direction $v$ and steps along it (torch's convention):
# $v \leftarrow \mu v + g$, $\theta \leftarrow \theta - \eta v$. Along a direction where successive gradients agree,
# $v$ grows to $g/(1 - \mu)$ (ten times with $\mu = 0.9$); where they alternate in sign (a zigzag across a narrow
# valley) they cancel: momentum *dampens oscillations*.
#
# **Adam** keeps running means of the gradient and of its square,
# $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$. Both start at 0, so
# early on they are biased towards 0: after $t$ steps of a constant $g$, $m = (1 - \beta_1^t) g$. Dividing by
# $1 - \beta_1^t$ (and $1 - \beta_2^t$) removes the bias: $\hat m = m / (1 - \beta_1^t)$,
# $\hat v = v / (1 - \beta_2^t)$, and the step is
# $\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)$:
# each coordinate moves by about $\eta$, whatever the scale of its gradient.
#
# **Linking the optimizer to the parameters.** An optimizer is built from `model.parameters()`: it keeps a reference
# to every parameter array, reads their `.grad` in `step()` and updates them in place. The source text's three
# constructors, on both sides:

# %%
compare.begin("7. How networks learn")
model, torch_model = sm.SimpleMLP(784, 128, 10), tm.SimpleMLP(784, 128, 10)
for make, make_torch in [
    (lambda p: optim.SGD(p, lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    (lambda p: optim.SGD(p, lr=0.01, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    (lambda p: optim.Adam(p, lr=0.001), lambda p: torch.optim.Adam(p, lr=0.001)),
]:
    print(make(model.parameters()))
    print(make_torch(torch_model.parameters()))

# %% [markdown]
# Two steps of each on the same parameter and gradient (the second step uses momentum's buffer and Adam's moments):

# %%
rng7 = np.random.default_rng(0)
p0, g0 = rng7.standard_normal(4), rng7.standard_normal(4)
print(f"p = {p0}\ng = {g0}")
for name, make, make_torch in [
    ("SGD(lr=0.1)", lambda ps: optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    (
        "SGD(lr=0.1, momentum=0.9)",
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    ),
    ("Adam(lr=0.1)", lambda ps: optim.Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1)),
]:
    p, pt = nn.Parameter(p0.copy()), torch.nn.Parameter(t(p0))
    optimizer, torch_optimizer = make([p]), make_torch([pt])
    for _ in range(2):
        p.grad, pt.grad = g0.copy(), t(g0)
        optimizer.step()
        torch_optimizer.step()
    print(f"{name:<26} after 2 steps: Δp = {p.data - p0}")
    compare(f"{name}: the parameter after 2 steps", p.data, pt)

# %% [markdown]
# **Oscillations, and momentum damping them.** On the elongated bowl $L(w) = \frac12(w_1^2 + 25 w_2^2)$ the
# gradient $(w_1, 25 w_2)$ is 25 times steeper across the valley than along it. A learning rate large enough to
# make progress along $w_1$ overshoots across it: plain SGD zigzags. Momentum cancels the alternating part and
# accumulates the steady one; Adam rescales each coordinate. The lines are scratch's optimizers, the circles
# torch's, on the same bowl from the same start:

# %%
A = np.array([1.0, 25.0])


def bowl(w1, w2):  # the loss
    return 0.5 * (A[0] * w1**2 + A[1] * w2**2)


def descend(make, make_torch, steps=40):
    """The path of an optimizer on the bowl from (−4.5, 1), scratch's and torch's: the gradient is A·w."""
    w, wt = nn.Parameter(np.array([-4.5, 1.0])), torch.nn.Parameter(t(np.array([-4.5, 1.0])))
    optimizer, torch_optimizer = make([w]), make_torch([wt])
    path, torch_path = [w.data.copy()], [wt.detach().numpy().copy()]
    for _ in range(steps):
        w.grad, wt.grad = A * w.data, t(A) * wt.detach()
        optimizer.step()
        torch_optimizer.step()
        path.append(w.data.copy())
        torch_path.append(wt.detach().numpy().copy())
    return np.array(path), np.array(torch_path)


paths = {}
for name, make, make_torch in [
    ("SGD, lr 0.07", lambda ps: optim.SGD(ps, lr=0.07), lambda ps: torch.optim.SGD(ps, lr=0.07)),
    (
        "SGD + momentum 0.6, lr 0.04",
        lambda ps: optim.SGD(ps, lr=0.04, momentum=0.6),
        lambda ps: torch.optim.SGD(ps, lr=0.04, momentum=0.6),
    ),
    ("Adam, lr 0.2", lambda ps: optim.Adam(ps, lr=0.2), lambda ps: torch.optim.Adam(ps, lr=0.2)),
]:
    paths[name] = descend(make, make_torch)
    print(f"{name:<28} loss after 40 steps: {bowl(*paths[name][0][-1]):.2e}")
    compare(f"bowl, {name}: the path", *paths[name])
show(figures.trajectories_figure(bowl, paths, (-5.0, 1.0, -1.3, 1.3)), "optimizer_paths")

# %% [markdown]
# **The learning rate is the crucial hyperparameter.** On the same bowl, plain SGD converges only if every
# coordinate shrinks, $|1 - \eta a_i| < 1$, i.e. $\eta < 2/25 = 0.08$: too small and it crawls, too large and it
# diverges:

# %%
sweep = {}
for lr in (0.005, 0.07, 0.085):
    path, torch_path = descend(lambda ps, lr=lr: optim.SGD(ps, lr=lr), lambda ps, lr=lr: torch.optim.SGD(ps, lr=lr), 60)
    losses, torch_losses = bowl(*path.T), bowl(*torch_path.T)
    verdict = "diverges" if losses[-1] > losses[0] else "too slow" if losses[-1] > 1e-2 else "converges"
    print(f"lr {lr:<6} loss after 60 steps {losses[-1]:.2e}: {verdict}")
    sweep[f"lr {lr}: {verdict}"] = (losses, torch_losses)
    compare(f"learning rate {lr}: the loss at every step", losses, torch_losses)
show(
    figures.curves_figure(sweep, "step", "loss", "SGD on the bowl at three learning rates", log=True), "learning_rates"
)

# %% [markdown]
# **Things to try.** Find the largest learning rate at which SGD converges on the bowl, then add momentum: does
# the limit move? Give Adam `betas=(0.5, 0.9)`. Start the bowl from another point. Exercise: write one step of
# SGD (momentum, dampening, Nesterov, weight decay) and of Adam in `exercises/optimizers.py`, then
# `python -m exercises check optimizers`.
#
# ## 8. The training loop
#
# Training repeats one step, over **batches** of the data, for several **epochs** (passes over the data):
#
# 1. `optimizer.zero_grad()`: forget the last step's gradients (they would otherwise add up);
# 2. **forward**: `out = model(X)`, the predictions for the batch;
# 3. **loss**: `loss = criterion(out, y)`;
# 4. **backward**: the gradient of the loss with respect to every parameter. In torch `loss.backward()` (autograd
#    walks the recorded graph); in scratch `model.backward(criterion.backward())`, each layer's backward in
#    reverse order, by hand;
# 5. `optimizer.step()`: update the parameters.
#
# A `DataLoader` cuts the data into batches, in a new random order each epoch when `shuffle=True`; scratch's
# consumes the random stream as torch's does, so both see the same batches. The source text's loop, as written for
# torch, on the 8×8 handwritten digits (1,347 training images, batches of 10), and the same loop in scratch; both
# print the same lines:

# %%
compare.begin("8. The training loop")
digits_X, digits_y = datasets.load_digits()
X_train, X_test, y_train, y_test = datasets.train_test_split(digits_X, digits_y, test_size=0.25, seed=0)
X_train, X_test = datasets.standardize(X_train, X_test)
num_epochs = 2

torch.manual_seed(0)
torch_model = tm.SimpleMLP(64, 128, 10)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(torch_model.parameters(), lr=0.001)
train_loader = tdata.make_loader(
    X_train, y_train, batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(0)
)
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        outputs = torch_model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (i + 1) % 100 == 0:
            print(f"Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(train_loader)}], Loss: {loss.item():.4f}")

# %%
scratch.manual_seed(0)
model = sm.SimpleMLP(64, 128, 10)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
train_loader = make_loader(X_train, y_train, batch_size=10, shuffle=True, generator=scratch.Generator().manual_seed(0))
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        outputs = model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        model.backward(criterion.backward())
        optimizer.step()
        if (i + 1) % 100 == 0:
            print(f"Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(train_loader)}], Loss: {loss.item():.4f}")
for key, value in model.state_dict().items():
    compare(f"after {num_epochs} epochs: {key}", value, torch_model.state_dict()[key])

# %% [markdown]
# **The backward pass, one layer at a time.** `model.backward(g)` is nothing but the forward run in reverse: each
# layer turns the gradient of its output into the gradient of its input, and adds its parameters' gradients to
# their `.grad`:

# %%
scratch.manual_seed(3)
small = sm.SimpleMLP(4, 8, 3)
torch.manual_seed(3)
torch_small = tm.SimpleMLP(4, 8, 3)
X8 = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
y8 = np.array([0, 1, 2, 2, 1, 0])
ce8 = nn.CrossEntropyLoss()
loss8 = ce8(small(X8), y8)
g = ce8.backward()  # dL/d(logits) = (softmax − onehot) / N
g = small.fc2.backward(g)  # dL/dh = g W2, and fc2.weight.grad += gᵀ h, fc2.bias.grad += Σ g
g = small.relu.backward(g)  # × 1[h > 0]
small.fc1.backward(g)  # fc1.weight.grad += gᵀ x, fc1.bias.grad += Σ g
torch_loss8 = torch.nn.functional.cross_entropy(torch_small(t(X8)), t(y8))
torch_loss8.backward()
compare("the loss", loss8, torch_loss8)
for name, p in small.named_parameters():
    compare(f"dL/d{name}: manual backward vs autograd", p.grad, dict(torch_small.named_parameters())[name].grad)

# %% [markdown]
# **Why `zero_grad`.** Every backward *adds* its gradient to `.grad` (as autograd does: that is what makes gradient
# accumulation over micro-batches possible). Forget to reset it and the second step uses the sum of two gradients:

# %%
first = small.fc1.weight.grad.copy()
ce8(small(X8), y8)
small.backward(ce8.backward())  # a second backward without zero_grad
torch.nn.functional.cross_entropy(torch_small(t(X8)), t(y8)).backward()
doubling = float(np.linalg.norm(small.fc1.weight.grad) / np.linalg.norm(first))
print(f"‖fc1.weight.grad‖ after two backward passes = {doubling:.3f} × after one")
compare("two backward passes: 2 × the gradient", small.fc1.weight.grad, 2 * first)
compare("two backward passes: scratch vs torch", small.fc1.weight.grad, torch_small.fc1.weight.grad)

# %% [markdown]
# **What `loss.backward()` does.** scratch's backward above is written by hand, layer by layer; torch's autograd
# works for *any* expression. It can, because every operation on a tensor that requires a gradient is **recorded**:
# the result remembers the operation, its inputs, and its *vector-Jacobian product* (VJP), the rule that turns
# g = ∂L/∂(output) into ∂L/∂(input) — for $z = a \cdot b$, $\partial L/\partial a = g \cdot b$ and
# $\partial L/\partial b = g \cdot a$. `backward()` then orders the recorded graph so that every tensor comes after
# everything computed from it (a reverse *topological order*), starts from ∂L/∂L = 1, and walks back: each operation
# receives the *sum* of the gradients flowing into its output (a tensor used twice receives two), applies its VJP,
# and passes the results to its inputs; what reaches a leaf is added (`+=`) to its `.grad`. `scratch.autograd` is
# that, in NumPy, small enough to read in one sitting (`scratch/autograd/tensor.py` and `ops.py`). A small
# expression, its graph, and the numbers:

# %%
a = autograd.Tensor(np.array([1.0, 2.0]), requires_grad=True)
b = autograd.Tensor(np.array([3.0, -1.0]), requires_grad=True)
c = autograd.Tensor(np.array([0.5, 0.5]), requires_grad=True)
e = (a * b + c).sum()
e.backward()
print(f"e = {e.item()}; de/da = b = {a.grad}, de/db = a = {b.grad}, de/dc = 1 = {c.grad}")
ta, tb, tc = (torch.tensor(v.data, requires_grad=True) for v in (a, b, c))
(ta * tb + tc).sum().backward()
for name, ours, theirs in (("a", a, ta), ("b", b, tb), ("c", c, tc)):
    compare(f"(a·b + c).sum(): de/d{name}", ours.grad, theirs.grad)
e_again = (a * b + c).sum()  # backward frees what the graph saved: a new graph for the picture
show(graph_plots.graph_figure(e_again, {"a": a, "b": b, "c": c}, "(a·b + c).sum()"), "graph_expression")

# %% [markdown]
# The same `SimpleMLP`, its forward written with autograd tensors (`scratch/autograd/models.py`: `F.linear`, `relu`,
# and a `cross_entropy` built from `log_softmax` and integer indexing, none of them differentiated by hand). The
# graph of its loss on the six samples above, and the numbers red in the corners: the order in which `backward()`
# visits the operations, from the loss (1) back to the first layer's weight. Note the `constant`: the row maximum
# that `log_softmax` subtracts to avoid overflow is *detached*, since the result does not depend on it.

# %%
scratch.manual_seed(3)
auto_small = am.SimpleMLP(4, 8, 3)
x_leaf = autograd.Tensor(X8)
auto_loss = autograd.functional.cross_entropy(auto_small(x_leaf), y8)
show(
    graph_plots.graph_figure(
        auto_loss, dict(auto_small.named_parameters()) | {"x": x_leaf}, "cross_entropy(SimpleMLP(x), y)", vertical=True
    ),
    "graph_mlp",
)
auto_loss.backward()
torch.manual_seed(3)
torch_fresh = tm.SimpleMLP(4, 8, 3)  # torch_small's gradients hold two backward passes by now
torch.nn.functional.cross_entropy(torch_fresh(t(X8)), t(y8)).backward()
for name, p in auto_small.named_parameters():
    compare(f"dL/d{name}: scratch.autograd vs torch", p.grad, dict(torch_fresh.named_parameters())[name].grad)

# %% [markdown]
# **One model trained three ways** — manual backprop, scratch.autograd, torch's autograd — from the same seed,
# 300 steps of Adam in float64 on the same batch; the autograd version's loop is torch's, line for line:

# %%
X3, y3 = datasets.blobs(n_samples=96, centers=3, n_features=4, seed=0, dtype=np.float64)
scratch.manual_seed(0)
manual_net = sm.SimpleMLP(4, 16, 3).double()
scratch.manual_seed(0)
autograd_net = am.SimpleMLP(4, 16, 3).double()
torch.manual_seed(0)
torch_net3 = tm.SimpleMLP(4, 16, 3).double()
manual_losses, torch_losses3 = fit_both(
    manual_net,
    torch_net3,
    X3,
    y3,
    300,
    lambda ours, theirs: (optim.Adam(ours, lr=0.01), torch.optim.Adam(theirs, lr=0.01)),
)
autograd_optimizer = optim.Adam(autograd_net.parameters(), lr=0.01)
autograd_losses = []
for _ in range(300):
    autograd_optimizer.zero_grad()
    loss3 = autograd.functional.cross_entropy(autograd_net(X3), y3)
    loss3.backward()
    autograd_optimizer.step()
    autograd_losses.append(loss3.item())
final = {"manual": manual_losses[-1], "autograd": autograd_losses[-1], "torch": torch_losses3[-1]}
print("loss after 300 steps:", ", ".join(f"{way} {value:.6f}" for way, value in final.items()))
compare("3 ways: manual vs torch, loss per step", manual_losses, torch_losses3, dtype="float64")
compare("3 ways: scratch.autograd vs torch, loss per step", autograd_losses, torch_losses3, dtype="float64")
for name, p in autograd_net.named_parameters():
    compare(f"3 ways: {name}, scratch.autograd vs torch", p.data, dict(torch_net3.named_parameters())[name])

# %% [markdown]
# **Batch size, steps per epoch, and noise.** An epoch of $n$ samples in batches of $B$ takes $\lceil n/B \rceil$
# steps. Small batches give many cheap, noisy steps (each gradient is estimated from few samples); large batches
# few, smooth ones. Five epochs on the digits with three batch sizes:

# %%
batch_runs = {}
for batch_size in (8, 64, 512):
    scratch.manual_seed(0)
    model_b = sm.SimpleMLP(64, 128, 10)
    torch.manual_seed(0)
    torch_model_b = tm.SimpleMLP(64, 128, 10)
    loader = make_loader(
        X_train, y_train, batch_size=batch_size, shuffle=True, generator=scratch.Generator().manual_seed(1)
    )
    torch_loader = tdata.make_loader(
        X_train, y_train, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(1)
    )
    epochs = 2 if QUICK else 5
    history = train(
        model_b, loader, nn.CrossEntropyLoss(), optim.Adam(model_b.parameters(), lr=1e-3), epochs, log_every=None
    )
    torch_history = ttrain.train(
        torch_model_b,
        torch_loader,
        torch.nn.CrossEntropyLoss(),
        torch.optim.Adam(torch_model_b.parameters(), lr=1e-3),
        epochs,
        log_every=None,
    )
    steps = len(loader)
    print(f"batch {batch_size:>3}: {steps:>3} steps per epoch, loss {history.train_loss[-1]:.3f} after {epochs} epochs")
    batch_runs[f"batch size {batch_size}"] = (history.loss, torch_history.loss, len(loader))
    compare(f"batch size {batch_size}: the loss at every step", history.loss, torch_history.loss, dtype="float32")
show(figures.batch_sizes_figure(batch_runs), "batch_sizes")

# %% [markdown]
# **Things to try.** Move `optimizer.zero_grad()` to after `optimizer.step()` in the loops above: does anything
# change? Train with batch size 1 for one epoch. Halve the learning rate for batch size 8 and compare the noise.
# Exercise: write a whole backward pass by hand, `mlp_gradients` (linear, ReLU, linear, cross-entropy), in
# `exercises/backprop.py`, then `python -m exercises check backprop`; then write what `loss.backward()` does, for
# scalars, in `exercises/autograd.py`, then `python -m exercises check autograd`.
#
# ## 9. Building and training a first network
#
# Five steps, in both implementations:
#
# 1. **Prepare the data**: arrays of inputs and targets, split into a training and a test set, scaled with the
#    training set's statistics, and wrapped in loaders;
# 2. **define the model**;
# 3. **choose the loss and the optimizer**;
# 4. **train** for some epochs (`train` runs the loop of section 8, and `evaluate` on the test set after each epoch);
# 5. **evaluate** on data the network never saw.
#
# First three interleaved spirals in the plane (a classic that no straight line can separate), in float64:

# %%
compare.begin("9. Building and training a first network")
X_sp, y_sp = datasets.spirals(n_samples=600, n_classes=3, noise=0.15, seed=0, dtype=np.float64)
sp_train, sp_test, ysp_train, ysp_test = datasets.train_test_split(X_sp, y_sp, test_size=0.25, seed=0)
epochs = 20 if QUICK else 60
scratch.manual_seed(0)
spiral_model = sm.MLP([2, 64, 64, 3]).double()
torch.manual_seed(0)
torch_spiral_model = tm.MLP([2, 64, 64, 3]).double()
spiral_history = train(
    spiral_model,
    make_loader(sp_train, ysp_train, batch_size=32, shuffle=True, generator=scratch.Generator().manual_seed(0)),
    nn.CrossEntropyLoss(),
    optim.Adam(spiral_model.parameters(), lr=0.01),
    epochs,
    log_every=None,
    test_loader=make_loader(sp_test, ysp_test, batch_size=256),
)
torch_spiral_history = ttrain.train(
    torch_spiral_model,
    tdata.make_loader(sp_train, ysp_train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)),
    torch.nn.CrossEntropyLoss(),
    torch.optim.Adam(torch_spiral_model.parameters(), lr=0.01),
    epochs,
    log_every=None,
    test_loader=tdata.make_loader(sp_test, ysp_test, batch_size=256),
)
print(spiral_history.summary(epochs, epochs))
print(torch_spiral_history.summary(epochs, epochs))
compare("spirals: the loss at every step", spiral_history.loss, torch_spiral_history.loss, dtype="float64")
fig_sp = figures.Figure(figsize=(10, 4.6), layout="constrained")
for ax, name, predict in zip(
    fig_sp.subplots(1, 2),
    ("scratch MLP", "torch MLP"),
    (lambda P: spiral_model(P).argmax(axis=1), lambda P: torch_spiral_model(t(P)).argmax(dim=1).numpy()),
    strict=True,
):
    figures.decision_regions(ax, predict, X_sp, y_sp, f"{name}: decision regions")
show(fig_sp, "spirals_boundary")

# %% [markdown]
# Then the handwritten digits: 8×8 images (64 inputs, gray levels 0–16 scaled to [0, 1]), 10 classes, with the
# tutorial's `SimpleMLP`. Step 1, the data: a split, and each pixel standardised with the training set's mean and
# standard deviation (never the test set's: it stands for data not seen yet):

# %%
digits_X, digits_y = datasets.load_digits()
X_train, X_test, y_train, y_test = datasets.train_test_split(digits_X, digits_y, test_size=0.25, seed=0)
X_train, X_test = datasets.standardize(X_train, X_test)
print(f"{len(X_train)} training and {len(X_test)} test images of {X_train.shape[1]} pixels")
digit_epochs = 5 if QUICK else 20
scratch.manual_seed(0)
net = sm.SimpleMLP(64, 128, 10)
torch.manual_seed(0)
torch_net = tm.SimpleMLP(64, 128, 10)
digits_history = train(
    net,
    make_loader(X_train, y_train, batch_size=32, shuffle=True, generator=scratch.Generator().manual_seed(0)),
    nn.CrossEntropyLoss(),
    optim.Adam(net.parameters(), lr=1e-3),
    digit_epochs,
    log_every=None,
    test_loader=make_loader(X_test, y_test, batch_size=500),
)
torch_digits_history = ttrain.train(
    torch_net,
    tdata.make_loader(X_train, y_train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)),
    torch.nn.CrossEntropyLoss(),
    torch.optim.Adam(torch_net.parameters(), lr=1e-3),
    digit_epochs,
    log_every=None,
    test_loader=tdata.make_loader(X_test, y_test, batch_size=500),
)
print(digits_history.summary(digit_epochs, digit_epochs))
print(torch_digits_history.summary(digit_epochs, digit_epochs))
compare("digits: the loss at every step", digits_history.loss, torch_digits_history.loss, dtype="float32")
steps_per_epoch = -(-len(X_train) // 32)
show(
    figures.loss_curves_figure(
        {
            "spirals": (spiral_history.loss, torch_spiral_history.loss, -(-len(sp_train) // 32)),
            "digits": (digits_history.loss, torch_digits_history.loss, steps_per_epoch),
        },
        "training loss",
    ),
    "loss_curves",
)

# %% [markdown]
# **Step 5, evaluate.** The test accuracy, the confusion matrix (how often each digit is taken for each other), and
# a few of the test images the network gets wrong:

# %%
test_loss, test_accuracy = evaluate(net, make_loader(X_test, y_test, batch_size=500), nn.CrossEntropyLoss())
torch_test_loss, torch_test_accuracy = ttrain.evaluate(
    torch_net, tdata.make_loader(X_test, y_test, batch_size=500), torch.nn.CrossEntropyLoss()
)
predictions = net(X_test).argmax(axis=1)
torch_predictions = torch_net(t(X_test)).argmax(dim=1).numpy()
print(
    f"test accuracy: scratch {test_accuracy:.1%}, torch {torch_test_accuracy:.1%}; "
    f"{int(np.sum(predictions != torch_predictions))} of {len(y_test)} predictions differ"
)
compare("digits: test predictions", predictions, torch_predictions)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predictions), 1)
torch_confusion = np.zeros((10, 10), dtype=int)
np.add.at(torch_confusion, (y_test, torch_predictions), 1)
compare("digits: confusion matrix", confusion, torch_confusion)
show(
    figures.confusion_figure({"scratch": confusion, "torch": torch_confusion}, [str(d) for d in range(10)]), "confusion"
)
wrong = np.flatnonzero(predictions != y_test)[:8]
raw_test = datasets.train_test_split(digits_X, digits_y, test_size=0.25, seed=0)[1]
show(
    figures.digits_figure(
        raw_test[wrong], [f"true {y_test[i]}, said {predictions[i]}" for i in wrong], "Misclassified test digits"
    ),
    "misclassified",
)

# %% [markdown]
# **Things to try.** Train the digits for more epochs and watch the test loss in the summaries: when does it stop
# improving? Replace Adam with SGD and momentum. Give the spirals network one hidden layer of 16 units.

# %% [markdown]
# ## 10. Overfitting and regularisation
#
# A network with many more parameters than training examples can **memorise** them: the training accuracy climbs to
# 100% while the accuracy on new data stays behind. The gap between the two is **overfitting**. Two layers that
# fight it, and that behave differently while training and while evaluating, which is what `model.train()` and
# `model.eval()` switch:
#
# **Dropout** (Srivastava et al., 2014). In training, each unit is zeroed with probability $p$ and the survivors are
# scaled by $1/(1-p)$:
#
# $$y = \frac{m \odot x}{1-p}, \quad m_i \sim \text{Bernoulli}(1-p), \qquad
#   \frac{\partial L}{\partial x} = \frac{m \odot g}{1-p}.$$
#
# A unit cannot rely on any other being there, so units cannot co-adapt; the scaling keeps $E[y] = x$, so that in
# evaluation dropout is simply the identity. The mask is random, drawn from the global stream: scratch draws it as
# torch does (one 53-bit uniform per element, kept if below $1-p$), so the same seed gives the same mask.
#
# **Batch normalisation** (Ioffe & Szegedy, 2015). In training, each feature is standardised with the batch's
# statistics, then scaled and shifted by learned $\gamma, \beta$:
#
# $$\hat x = \frac{x-\mu_B}{\sqrt{\sigma_B^2+\epsilon}}, \quad y = \gamma \hat x + \beta, \qquad
#   \frac{\partial L}{\partial x} = \frac{1}{m\sqrt{\sigma_B^2+\epsilon}}
#   \Big(m\,\hat g - \sum \hat g - \hat x \sum \hat g\,\hat x\Big), \quad \hat g = \gamma g,$$
#
# where $\sigma_B^2$ is the biased variance (divided by $m$). The gradient has three terms because $\mu_B$ and
# $\sigma_B^2$ depend on every $x$ of the batch. It also keeps running estimates for evaluation, where there may be
# no batch: $\text{running} \leftarrow (1-\text{momentum})\cdot\text{running} + \text{momentum}\cdot\text{batch}$
# (torch's convention: momentum is the weight of the *new* value), with the *unbiased* variance
# $\frac{m}{m-1}\sigma_B^2$. In evaluation it uses the running estimates, so one sample's output no longer depends on
# the rest of its batch.
#
# First the two modes on one small batch: in training the same input gives a different output at every call, in
# evaluation it is a fixed function; and both implementations agree in both modes.

# %%
compare.begin("10. Overfitting and regularisation")
x_small = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
scratch.manual_seed(0)
regularised = sm.MLP([6, 8, 3], dropout=0.5, batch_norm=True)
torch.manual_seed(0)
torch_regularised = tm.MLP([6, 8, 3], dropout=0.5, batch_norm=True)
print(regularised)
for mode in ("train", "eval"):
    regularised.train(mode == "train")
    torch_regularised.train(mode == "train")
    first, second = regularised(x_small), regularised(x_small)
    torch_first, torch_second = torch_regularised(t(x_small)), torch_regularised(t(x_small))
    print(f"{mode} mode: two calls on the same input agree: {np.array_equal(first, second)}")
    compare(f"{mode} mode: outputs of both calls", np.stack([first, second]), torch.stack([torch_first, torch_second]))
bn = regularised[1]
print("running mean after two training calls:", bn.running_mean[:4], "batches:", int(bn.num_batches_tracked))
compare("running statistics", bn.running_var, torch_regularised[1].running_var)

# %% [markdown]
# Now overfitting itself. A wide network (two hidden layers of 256 units, 85,000 parameters) learns from only 150
# of the training digits and is tested on all 450 test digits, four ways: plain, with dropout (p = 0.5 after each
# hidden layer), with batch normalisation (after each hidden Linear, which then needs no bias: the normalisation
# subtracts the mean), and with both. Both implementations train each model from the same seed, on the same batches,
# with the same dropout masks, in float64; `train` switches to `eval()` for the test set after every epoch.

# %%
digits_X, digits_y = datasets.load_digits(dtype=np.float64)
X_train, X_test, y_train, y_test = datasets.train_test_split(digits_X, digits_y, test_size=0.25, seed=0)
X_train, X_test = datasets.standardize(X_train, X_test)
X_few, y_few = X_train[:150], y_train[:150]
reg_epochs = 15 if QUICK else 40
variants = {"plain": {}, "dropout": {"dropout": 0.5}, "batch norm": {"batch_norm": True}}
variants["both"] = {"dropout": 0.5, "batch_norm": True}
accuracy_curves = {}
for name, options in variants.items():
    scratch.manual_seed(0)
    model = sm.MLP([64, 256, 256, 10], **options).double()
    torch.manual_seed(0)
    torch_model = tm.MLP([64, 256, 256, 10], **options).double()
    history = train(
        model,
        make_loader(X_few, y_few, batch_size=16, shuffle=True),
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=1e-3),
        reg_epochs,
        log_every=None,
        test_loader=make_loader(X_test, y_test, batch_size=450),
    )
    torch_history = ttrain.train(
        torch_model,
        tdata.make_loader(X_few, y_few, batch_size=16, shuffle=True),
        torch.nn.CrossEntropyLoss(),
        torch.optim.Adam(torch_model.parameters(), lr=1e-3),
        reg_epochs,
        log_every=None,
        test_loader=tdata.make_loader(X_test, y_test, batch_size=450),
    )
    print(f"{name:>10}: {history.summary(reg_epochs, reg_epochs)}")
    compare(f"{name}: the loss at every step", history.loss, torch_history.loss, dtype="float64")
    compare(f"{name}: test accuracy after each epoch", history.test_metric, torch_history.test_metric, "float64")
    accuracy_curves[name] = {
        "train": (history.train_metric, torch_history.train_metric),
        "test": (history.test_metric, torch_history.test_metric),
    }
show(figures.regularization_figure(accuracy_curves), "regularization")

# %% [markdown]
# Every model ends at (nearly) 100% on its 150 training digits and some 93–94% on the test digits: the gap of 5–7
# points is the overfitting. In this run dropout narrows the gap and slows the fit (the training curve climbs for
# longer); batch normalisation reaches 100% training accuracy in the fewest epochs, since each layer sees inputs of a
# steady scale; with both, the test accuracy is among the highest. On data this easy the test accuracies differ by
# about a point, which is about as much as changing the seed changes them: the effects are small here. The training
# accuracy of a model with dropout is measured *with* its masks, during the epoch, which is why early on it can lie
# below the test accuracy (measured in `eval()` mode, without masks).
#
# **Things to try.** Run the four models with seeds 1 to 4: which differences survive? Train on all 1,347 training
# digits: how large is the gap now? Set p = 0.2 or 0.8. Evaluate a dropout model in training mode (`model.train()`
# before `evaluate`) and see the test accuracy fall and change from run to run. Exercise: write batch norm's
# forward and three-term backward in `exercises/batchnorm.py`, then `python -m exercises check batchnorm`; and
# inverted dropout in `exercises/dropout.py`, then `python -m exercises check dropout`.
#
# ## Parity, section by section
#
# The largest |scratch − torch| of every comparison above, per section (float32 unless the section worked in
# float64):

# %%
print(compare.summary())
