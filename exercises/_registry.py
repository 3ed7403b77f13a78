"""The exercises in the tutorial's order, their functions, and where scratch/ holds each solution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Exercise:
    name: str
    section: str  # the tutorial section to read first
    functions: tuple[str, ...]  # what is graded, in order: each function's terms together
    owner: str | None = None  # the class of the learner's file whose methods these are (None: module functions)

    @property
    def stub(self) -> Path:
        return HERE / f"{self.name}.py"


EXERCISES = {
    e.name: e
    for e in (
        Exercise("linear", "1. What is a neural network?", ("linear", "linear_backward")),
        Exercise(
            "activations",
            "3. Activation functions",
            (
                "sigmoid",
                "sigmoid_backward",
                "tanh",
                "tanh_backward",
                "relu",
                "relu_backward",
                "leaky_relu",
                "leaky_relu_backward",
                "softmax",
                "softmax_backward",
            ),
        ),
        Exercise(
            "losses",
            "6. Loss functions",
            (
                "mse_loss",
                "mse_loss_backward",
                "cross_entropy",
                "cross_entropy_backward",
                "binary_cross_entropy_with_logits",
                "binary_cross_entropy_with_logits_backward",
            ),
        ),
        Exercise(
            "optimizers", "7. How networks learn: gradient descent and its refinements", ("sgd_step", "adam_step")
        ),
        Exercise("backprop", "8. The training loop", ("mlp_gradients",)),
        Exercise(
            "autograd", "8. The training loop", ("add", "mul", "pow", "tanh", "relu", "exp", "backward"), owner="Value"
        ),
        Exercise("batchnorm", "10. Overfitting and regularisation", ("batch_norm", "batch_norm_backward")),
        Exercise("dropout", "10. Overfitting and regularisation", ("dropout", "dropout_backward")),
    )
}

# Where scratch/ writes each rule: (module, qualified name) pairs, read by ``python -m exercises solution NAME``.
SOLUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "linear": (("scratch.nn.linear", "Linear.forward"), ("scratch.nn.linear", "Linear.backward")),
    "activations": tuple(
        ("scratch.nn.functional", name)
        for name in (
            "sigmoid",
            "sigmoid_backward",
            "tanh",
            "tanh_backward",
            "relu",
            "relu_backward",
            "leaky_relu",
            "leaky_relu_backward",
            "softmax",
            "softmax_backward",
        )
    ),
    "losses": (
        ("scratch.nn.loss", "CrossEntropyLoss.forward"),
        ("scratch.nn.loss", "CrossEntropyLoss.backward"),
        ("scratch.nn.functional", "softmax_minus_onehot"),
        ("scratch.nn.functional", "mse_loss"),
        ("scratch.nn.functional", "mse_loss_backward"),
        ("scratch.nn.functional", "binary_cross_entropy_with_logits"),
        ("scratch.nn.functional", "binary_cross_entropy_with_logits_backward"),
    ),
    "optimizers": (("scratch.optim.functional", "sgd_update"), ("scratch.optim.functional", "adam_update")),
    "backprop": (
        ("scratch.models", "SimpleMLP.backward"),
        ("scratch.nn.linear", "Linear.backward"),
        ("scratch.nn.functional", "relu_backward"),
        ("scratch.nn.loss", "CrossEntropyLoss.backward"),
    ),
    "autograd": (
        ("scratch.autograd.tensor", "Tensor.backward"),
        ("scratch.autograd.tensor", "topological_order"),
        ("scratch.autograd.ops", "mul"),
        ("scratch.autograd.ops", "tanh"),
    ),
    "batchnorm": (
        ("scratch.nn.batchnorm", "BatchNorm1d.forward"),
        ("scratch.nn.functional.normalization", "batch_norm_backward"),
    ),
    "dropout": (("scratch.nn.functional", "dropout"), ("scratch.nn.functional", "dropout_backward")),
}
