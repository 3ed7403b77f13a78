"""The concepts on the side-by-side page, in reading order: adding a concept is one entry in CONCEPTS.

An entry names the scratch code to show (``src``), the docstrings the formula comes from (``Doc``), the torch
side (torch_impl code where a twin exists, else a short idiomatic snippet), the torch API it mirrors, the
parity tests that prove the two equal (checked to exist), and a fixed-seed probe (tools/side_by_side/probes.py).
"""

from __future__ import annotations

import torch

import scratch
import scratch.data
import scratch.optim
import scratch.train
import torch_impl.data
import torch_impl.models
import torch_impl.train
from scratch import models
from scratch.autograd import models as autograd_models
from tools.side_by_side import probes
from tools.side_by_side.page import Concept, Doc, src

ACT = "parity_tests/test_activations.py::"
LINEAR = "parity_tests/test_linear.py::"
MODELS = "parity_tests/test_models.py::"
PERCEPTRON = "parity_tests/test_perceptron.py::"
DATA = "parity_tests/test_data.py::"
LOSSES = "parity_tests/test_losses.py::"
CE = "parity_tests/test_losses_cross_entropy.py::"
CHECKPOINT = "parity_tests/test_checkpoint.py::"
OPTIM = "parity_tests/test_optim.py::"
DROPOUT = "parity_tests/test_dropout.py::"
BATCHNORM = "parity_tests/test_batchnorm.py::"
AUTOGRAD = "parity_tests/test_autograd.py::"

MODULE_PROBE = "fixed-seed init, forward, dL/dx and every dL/dθ"


def activation(name: str, functional: str, tests: tuple[str, ...], exact: bool = False) -> Concept:
    """An activation (default arguments; dim=1 for the softmaxes): the functional pair (value, derivative) and
    the layer that caches for backward."""
    kwargs = {"dim": 1} if name.endswith("Softmax") else {}
    call = f"torch.nn.{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    return Concept(
        name=name,
        group="Activations",
        scratch=(
            src(f"scratch.nn.functional.activation:{functional}"),
            src(f"scratch.nn.functional.activation:{functional}_backward"),
            src(f"scratch.nn.activation:{name}"),
        ),
        formula=(Doc(f"scratch.nn.activation:{name}"),),
        torch_code=f"""
            act = {call}
            y = act(x)  # or torch.nn.functional.{functional}(x)
            y.backward(grad_output)  # autograd: x.grad = dL/dx
        """,
        torch_api=(f"torch.nn.{name}", f"torch.nn.functional.{functional}"),
        tests=tests,
        probe=probes.module(
            lambda: getattr(scratch.nn, name)(**kwargs),
            lambda: getattr(torch.nn, name)(**kwargs),
            (4, 5),
        ),
        probed="forward and dL/dx on a 4×5 input with a 0",
        exact=exact,
    )


def loss(
    name: str, functional: str, target: str, tests: tuple[str, ...], module: str = "loss", extra: tuple[str, ...] = ()
) -> Concept:
    """A loss: the functional pair (value, derivative), any ``extra`` functions, and the criterion that saves
    its inputs for backward."""
    return Concept(
        name=name,
        group="Losses",
        scratch=(
            src(f"scratch.nn.loss:{name}"),
            *(src(f"scratch.nn.functional.{module}:{e}") for e in extra),
            src(f"scratch.nn.functional.{module}:{functional}"),
            src(f"scratch.nn.functional.{module}:{functional}_backward"),
        ),
        formula=(Doc(f"scratch.nn.loss:{name}", 2),),
        torch_code=f"""
            criterion = torch.nn.{name}()
            loss = criterion(input, target)
            loss.backward()  # autograd: input.grad = dL/dinput
        """,
        torch_api=(f"torch.nn.{name}", f"torch.nn.functional.{functional}"),
        tests=tests,
        probe=probes.loss(getattr(scratch.nn, name), getattr(torch.nn, name), target),
        probed=f"loss and dL/dinput, reduction 'mean', for a 6×3 input of {probes.LOSS_DATA[target]}",
    )


def optimizer(
    name: str,
    module: str,
    options: dict[str, float],
    tests: tuple[str, ...],
    members: tuple[str, ...] = ("step",),
    helpers: tuple[str, ...] = (),
) -> Concept:
    """An optimizer: its step (the update rule in torch's order) beside torch.optim's."""
    kwargs = ", ".join(f"{k}={v!r}" for k, v in options.items())
    return Concept(
        name=name,
        group="Optimizers",
        scratch=(
            src(f"scratch.optim.{module}:{name}", *members),
            *(src(f"scratch.optim.functional:{h}") for h in helpers),
        ),
        formula=(Doc(f"scratch.optim.{module}:{name}", 2),),
        torch_code=f"""
            optimizer = torch.optim.{name}(model.parameters(), {kwargs})
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()  # the rule on the left, in the same order
        """,
        torch_api=(f"torch.optim.{name}",),
        tests=tests,
        probe=probes.optimizer(
            lambda params: getattr(scratch.optim, name)(params, **options),
            lambda params: getattr(torch.optim, name)(params, **options),
        ),
        probed=f"{name}({kwargs}): ten steps on a 3×4 weight and a 4-vector, the parameters after every step",
    )


ELEMENTWISE = (f"{ACT}test_elementwise_activation", f"{ACT}test_gradient_at_the_kink_is_torchs", f"{ACT}test_gradcheck")
SOFTMAXES = (f"{ACT}test_softmax_family", f"{ACT}test_gradcheck")
REGRESSION = (f"{LOSSES}test_regression_losses_match_torch", f"{LOSSES}test_regression_losses_gradcheck")
TRAJECTORY = (f"{OPTIM}test_trajectory_1000_steps",)

CONCEPTS: list[Concept] = [
    Concept(
        name="Linear",
        group="Layers",
        scratch=(src("scratch.nn.linear:Linear", "__init__", "reset_parameters", "forward", "backward"),),
        formula=(Doc("scratch.nn.linear:Linear", 2),),
        torch_code="""
            layer = torch.nn.Linear(in_features, out_features)
            y = layer(x)  # x @ weight.T + bias, weight (out, in)
            y.backward(grad_output)  # autograd: x.grad, weight.grad, bias.grad
        """,
        torch_api=("torch.nn.Linear",),
        tests=(
            f"{LINEAR}test_linear_matches_torch",
            f"{LINEAR}test_init_is_bit_identical",
            f"{LINEAR}test_gradients_accumulate_like_autograd",
        ),
        probe=probes.module(lambda: scratch.nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (4, 5)),
        probed=MODULE_PROBE + " of Linear(5, 3) on a 4×5 input",
    ),
    Concept(
        name="Dropout",
        group="Layers",
        scratch=(
            src("scratch.nn.dropout:Dropout", "forward", "backward"),
            src("scratch.nn.functional.regularization:dropout_noise"),
            src("scratch.nn.functional.regularization:dropout_backward"),
        ),
        formula=(Doc("scratch.nn.dropout:Dropout"),),
        torch_code="""
            layer = torch.nn.Dropout(p)
            y = layer(x)  # training mode: x * bernoulli_(1 - p) / (1 - p); model.eval(): y = x
            y.backward(grad_output)  # autograd: x.grad = grad_output * the same mask / (1 - p)
        """,
        torch_api=("torch.nn.Dropout", "torch.nn.functional.dropout"),
        tests=(
            f"{DROPOUT}test_the_same_seed_gives_torchs_mask_and_gradient",
            f"{DROPOUT}test_evaluation_mode_and_p_zero_are_the_identity_and_draw_nothing",
            f"{DROPOUT}test_gradcheck_with_a_fixed_mask",
        ),
        probe=probes.module(lambda: scratch.nn.Dropout(0.3), lambda: torch.nn.Dropout(0.3), (4, 5)),
        probed="the mask after a fixed seed, forward and dL/dx of Dropout(0.3) on a 4×5 input",
        exact=True,
    ),
    Concept(
        name="BatchNorm1d",
        group="Layers",
        scratch=(
            src("scratch.nn.batchnorm:BatchNorm1d", "forward", "backward"),
            src("scratch.nn.functional.normalization:batch_statistics"),
            src("scratch.nn.functional.normalization:update_running"),
            src("scratch.nn.functional.normalization:batch_norm_backward"),
        ),
        formula=(Doc("scratch.nn.batchnorm:BatchNorm1d", 2),),
        torch_code="""
            layer = torch.nn.BatchNorm1d(num_features)
            y = layer(x)  # training: batch statistics, running ones updated; model.eval(): running statistics
            y.backward(grad_output)  # autograd: x.grad, weight.grad, bias.grad
        """,
        torch_api=("torch.nn.BatchNorm1d", "torch.nn.functional.batch_norm"),
        tests=(
            f"{BATCHNORM}test_training_then_evaluation_match_torch",
            f"{BATCHNORM}test_gradcheck_in_both_modes",
            "parity_tests/test_regularized_training.py::test_a_whole_run_gives_the_same_losses_weights_and_statistics",
        ),
        probe=probes.module(lambda: scratch.nn.BatchNorm1d(5), lambda: torch.nn.BatchNorm1d(5), (4, 5)),
        probed=MODULE_PROBE + " of BatchNorm1d(5) in training mode on a 4×5 input",
    ),
    activation("Sigmoid", "sigmoid", ELEMENTWISE),
    activation("Tanh", "tanh", ELEMENTWISE),
    activation("ReLU", "relu", ELEMENTWISE, exact=True),
    activation("LeakyReLU", "leaky_relu", ELEMENTWISE, exact=True),
    activation("ELU", "elu", ELEMENTWISE),
    activation("Softmax", "softmax", SOFTMAXES),
    activation("LogSoftmax", "log_softmax", SOFTMAXES),
    loss("MSELoss", "mse_loss", "values", (*REGRESSION, f"{LOSSES}test_mse_on_five_by_one")),
    loss("L1Loss", "l1_loss", "values", (*REGRESSION, f"{LOSSES}test_kinks_follow_torch")),
    loss("HuberLoss", "huber_loss", "values", (*REGRESSION, f"{LOSSES}test_kinks_follow_torch")),
    loss("SmoothL1Loss", "smooth_l1_loss", "values", REGRESSION),
    loss(
        "BCELoss",
        "binary_cross_entropy",
        "probabilities",
        (
            f"{LOSSES}test_bce_matches_torch",
            f"{LOSSES}test_bce_gradcheck",
            f"{LOSSES}test_bce_at_probabilities_zero_and_one",
        ),
        module="binary_cross_entropy",
    ),
    loss(
        "BCEWithLogitsLoss",
        "binary_cross_entropy_with_logits",
        "binary",
        (
            f"{LOSSES}test_bce_with_logits_matches_torch",
            f"{LOSSES}test_bce_with_logits_on_five_by_one",
            f"{LOSSES}test_bce_with_logits_equals_sigmoid_then_bce",
        ),
        module="binary_cross_entropy",
    ),
    loss(
        "CrossEntropyLoss",
        "cross_entropy",
        "classes",
        (
            f"{CE}test_cross_entropy_class_indices",
            f"{CE}test_fused_gradient_equals_softmax_jacobian_path",
            f"{CE}test_cross_entropy_and_nll_gradcheck",
            f"{CE}test_cross_entropy_on_five_by_three",
        ),
        module="cross_entropy",
        extra=("softmax_minus_onehot", "cross_entropy_backward_stepwise"),
    ),
    loss(
        "NLLLoss",
        "nll_loss",
        "log_probabilities",
        (
            f"{CE}test_nll_loss",
            f"{CE}test_cross_entropy_is_nll_of_log_softmax",
            f"{CE}test_cross_entropy_and_nll_gradcheck",
        ),
        module="nll",
    ),
    optimizer(
        "SGD",
        "sgd",
        {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01},
        (*TRAJECTORY, f"{OPTIM}test_sgd_hypothesis"),
        helpers=("sgd_update",),
    ),
    optimizer(
        "Adam",
        "adam",
        {"lr": 0.01},
        (*TRAJECTORY, f"{OPTIM}test_adam_hypothesis"),
        members=("step", "init_state"),
        helpers=("adam_update", "decayed_gradient"),
    ),
    optimizer(
        "AdamW", "adam", {"lr": 0.01, "weight_decay": 0.1}, (*TRAJECTORY, f"{OPTIM}test_adam_hypothesis"), members=()
    ),
    Concept(
        name="Perceptron",
        group="Models",
        scratch=(src("scratch.models:Perceptron", "__init__", "forward", "fit"),),
        formula=(Doc("scratch.models:Perceptron"), Doc("scratch.models:Perceptron.fit", first=1)),
        torch=(src("torch_impl.models:Perceptron", "__init__", "forward", "fit"),),
        torch_api=("torch.heaviside",),
        tests=(
            f"{PERCEPTRON}test_twins_take_the_same_steps",
            f"{PERCEPTRON}test_separable_gates_converge",
            f"{PERCEPTRON}test_xor_history_cycles",
        ),
        probe=probes.perceptron(models.Perceptron, torch_impl.models.Perceptron),
        probed="AND, OR and XOR fitted with lr=0.5: mistakes per epoch, weight, bias, predictions",
        exact=True,
    ),
    Concept(
        name="SimpleMLP",
        group="Models",
        scratch=(src("scratch.models:SimpleMLP"),),
        formula=(Doc("scratch.models:SimpleMLP"), Doc("scratch.models:SimpleMLP.backward")),
        torch=(src("torch_impl.models:SimpleMLP"),),
        torch_api=("torch.nn.Module",),
        tests=(
            f"{MODELS}test_simple_mlp_same_seed_same_weights",
            f"{MODELS}test_tutorial_simple_mlp_784_128_10_bitwise",
            f"{MODELS}test_simple_mlp_gradients_and_backward_params",
        ),
        probe=probes.module(lambda: models.SimpleMLP(5, 8, 3), lambda: torch_impl.models.SimpleMLP(5, 8, 3), (4, 5)),
        probed=MODULE_PROBE + " of SimpleMLP(5, 8, 3)",
    ),
    Concept(
        name="MLP",
        group="Models",
        scratch=(src("scratch.models:MLP"), src("scratch.nn.container:Sequential", "forward", "backward")),
        formula=(Doc("scratch.models:MLP", 2), Doc("scratch.nn.container:Sequential")),
        torch=(src("torch_impl.models:MLP"),),
        torch_api=("torch.nn.Sequential",),
        tests=(f"{MODELS}test_mlp_matches_torch", f"{MODELS}test_mlp_gradcheck"),
        probe=probes.module(
            lambda: models.MLP([5, 8, 6, 3], "tanh"), lambda: torch_impl.models.MLP([5, 8, 6, 3], "tanh"), (4, 5)
        ),
        probed=MODULE_PROBE + " of MLP([5, 8, 6, 3], 'tanh')",
    ),
    Concept(
        name="Autograd: Tensor and backward",
        group="Autograd from scratch",
        scratch=(
            src("scratch.autograd.tensor:Tensor", "backward"),
            src("scratch.autograd.tensor:topological_order"),
            src("scratch.autograd.ops:record"),
            src("scratch.autograd.ops:unbroadcast"),
            src("scratch.autograd.ops:mul"),
            src("scratch.autograd.ops:matmul"),
        ),
        formula=(Doc("scratch.autograd.tensor", 2),),
        torch_code="""
            a = torch.tensor(..., requires_grad=True)
            loss = (a * b).sum()  # each operation records its grad_fn (MulBackward0, SumBackward0)
            loss.backward()  # reverse topological order, vector-Jacobian products, a.grad += ...
        """,
        torch_api=("torch.Tensor.backward", "torch.autograd.backward"),
        tests=(
            f"{AUTOGRAD}test_binary_operations_broadcast_and_sum_their_gradients_back",
            f"{AUTOGRAD}test_a_tensor_used_twice_gets_both_gradients_and_branches_add_up",
            f"{AUTOGRAD}test_two_backward_calls_accumulate_exactly_g_plus_g",
        ),
        probe=probes.autograd_model(
            lambda: autograd_models.MLP([5, 8, 3], "tanh"), lambda: torch_impl.models.MLP([5, 8, 3], "tanh"), (4, 5)
        ),
        probed="cross-entropy of MLP([5, 8, 3], 'tanh') on a 4×5 batch, then loss.backward(): the loss and every dL/dθ",
    ),
    Concept(
        name="SimpleMLP on autograd",
        group="Autograd from scratch",
        scratch=(
            src("scratch.autograd.models:SimpleMLP"),
            src("scratch.autograd.models:Linear", "forward"),
            src("scratch.autograd.functional:linear"),
            src("scratch.autograd.functional:log_softmax"),
            src("scratch.autograd.functional:cross_entropy"),
        ),
        formula=(Doc("scratch.autograd.models", 2),),
        torch=(src("torch_impl.models:SimpleMLP"),),
        torch_api=("torch.nn.Module", "torch.nn.functional.cross_entropy"),
        tests=(
            "parity_tests/test_autograd_training.py::test_manual_autograd_and_torch_train_the_same_model",
            f"{AUTOGRAD}test_functional_matches_torch",
        ),
        probe=probes.autograd_model(
            lambda: autograd_models.SimpleMLP(5, 8, 3), lambda: torch_impl.models.SimpleMLP(5, 8, 3), (4, 5)
        ),
        probed="cross-entropy of SimpleMLP(5, 8, 3) on a 4×5 batch, then loss.backward(): the loss and every dL/dθ",
    ),
    Concept(
        name="DataLoader",
        group="Data and the training loop",
        scratch=(src("scratch.data:make_loader"), src("scratch.data:DataLoader")),
        formula=(Doc("scratch.data", 2),),
        torch=(src("torch_impl.data:make_loader"),),
        torch_api=("torch.utils.data.DataLoader", "torch.utils.data.TensorDataset"),
        tests=(f"{DATA}test_batches_equal_torch_over_epochs", f"{DATA}test_large_shuffles_equal_torch"),
        probe=probes.loader(scratch.data.make_loader, torch_impl.data.make_loader),
        probed="three shuffled epochs of 10 samples in batches of 4 from one seed: every batch",
        exact=True,
    ),
    Concept(
        name="Training loop",
        group="Data and the training loop",
        scratch=(src("scratch.train:train"),),
        formula=(Doc("scratch.train", 2, first=1),),
        torch=(src("torch_impl.train:train"),),
        torch_api=("torch.Tensor.backward", "torch.optim.Optimizer.step", "torch.optim.Optimizer.zero_grad"),
        tests=(
            "parity_tests/test_train.py::test_whole_runs_agree",
            "parity_tests/test_train.py::test_digits_reach_97_percent_in_both",
            f"{CHECKPOINT}test_a_run_crosses_over_and_continues",
        ),
        probe=probes.training(scratch.train.train, torch_impl.train.train),
        probed="SimpleMLP(4, 8, 3), cross-entropy, SGD(lr=0.1, momentum=0.9), three shuffled epochs of 24 "
        "samples in batches of 8: the loss of every step and the final parameters",
    ),
]
