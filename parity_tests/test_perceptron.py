"""The perceptron twice: the same steps as torch, the rule as written, Novikoff's bound, and XOR out of reach.

A mistake-free epoch means the current weights separate the data, so fit can only stop
early on linearly separable data: AND, OR and NAND stop, XOR never does.  An MLP
with one hidden layer learns XOR in both implementations.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet

import torch_impl.models as tm
from parity_tests.harness import REPORT, assert_close, check_rejects
from parity_tests.strategies import DTYPES
from plots import perceptron as figures
from scratch import models as sm
from torch_impl.train import train_step

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def twins(n_features: int, dtype: np.dtype[Any] = F32) -> tuple[sm.Perceptron, tm.Perceptron]:
    ours, theirs = sm.Perceptron(n_features), tm.Perceptron(n_features)
    if dtype == np.float64:
        ours.double()
        theirs.double()
    return ours, theirs


@st.composite
def separable(draw: st.DrawFn, dtype: np.dtype[Any], max_features: int = 4, max_samples: int = 60) -> Any:
    """(X, y, γ): data separable with margin γ by a known unit vector u in augmented space x̃ = (x, 1).

    u = (w, b)/‖(w, b)‖ with a random direction w and an offset b that keeps the plane
    across the cube; points are drawn in [-1, 1]^d, those with |u·x̃| < γ are dropped,
    and y = [u·x̃ > 0].
    """
    d, n = draw(st.integers(1, max_features)), draw(st.integers(5, max_samples))
    gamma = draw(st.floats(0.02, 0.3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = rng.standard_normal(d)
    u = np.append(w, rng.uniform(-0.5, 0.5) * np.linalg.norm(w))
    u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, (n, d)).astype(dtype)
    margin = np.column_stack([X.astype(np.float64), np.ones(n)]) @ u
    keep = np.abs(margin) >= gamma
    return X[keep], (margin[keep] > 0).astype(np.int64), gamma


@st.composite
def dyadic(draw: st.DrawFn, max_features: int = 4, max_samples: int = 12) -> Any:
    """(X, y) on the grid k/4, k in [-8, 8], with any labels: every sum the rule forms is exact in float32."""
    d = draw(st.integers(1, max_features))
    n = draw(st.integers(1, max_samples))
    X = draw(hnp.arrays(np.int64, (n, d), elements=st.integers(-8, 8))) / 4
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    return X, y


def reference_fit(X: np.ndarray[Any, Any], y: np.ndarray[Any, Any], lr: float, max_epochs: int) -> Any:
    """The perceptron rule in exact rational arithmetic, written from its statement."""
    w = [Fraction(0)] * X.shape[1]
    b = Fraction(0)
    history = []
    for _ in range(max_epochs):
        mistakes = 0
        for x, target in zip(X.tolist(), y.tolist(), strict=True):
            z = sum((w_j * Fraction(x_j) for w_j, x_j in zip(w, x, strict=True)), Fraction(0)) + b
            prediction = 1 if z > 0 else 0
            if prediction != target:
                step = Fraction(lr) * (target - prediction)
                w = [w_j + step * Fraction(x_j) for w_j, x_j in zip(w, x, strict=True)]
                b += step
                mistakes += 1
        history.append(mistakes)
        if mistakes == 0:
            break
    return history, w, b


# ---- the model itself ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [F32, F64])
def test_parameters_like_linear_n_to_1_zero_at_start(dtype: np.dtype[Any]) -> None:
    ours, theirs = twins(3, dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    for name, value in ours.state_dict().items():
        assert value.shape == tuple(torch.nn.Linear(3, 1).state_dict()[name].shape)
        assert_close("Perceptron", f"initial {name}", value, theirs.state_dict()[name])
        assert not value.any()
    assert repr(ours) == repr(theirs) == "Perceptron(n_features=3)"


@pytest.mark.parametrize("dtype", [F32, F64])
def test_prediction_is_the_step_with_zero_at_zero(dtype: np.dtype[Any]) -> None:
    ours, theirs = twins(2, dtype)
    X = np.array([[0.0, 0.0], [1.0, -1.0], [3.0, 0.0], [0.0, 1.0], [np.nan, 0.0]], dtype=dtype)
    assert_close("Perceptron", "zero weights: every z is 0", ours(X), theirs(torch.from_numpy(X)))
    assert not ours(X).any()
    state = {"weight": np.array([[1.0, 1.0]], dtype), "bias": np.array([-1.0], dtype)}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    # z = x1 + x2 - 1:  -1 → 0,  -1 → 0,  2 → 1,  0 → 0 (the step at exactly 0),  NaN → 0 (as torch.heaviside)
    expected = np.array([0, 0, 1, 0, 0], dtype=dtype)
    np.testing.assert_array_equal(ours(X), expected)
    assert_close("Perceptron", "predictions", ours(X), theirs(torch.from_numpy(X)))
    assert ours(X[:0]).shape == (0,)


# ---- the twins take the same steps ---------------------------------------------------------------
@given(data=st.data(), dtype=DTYPES, lr=st.sampled_from([1.0, 0.5, 0.1, 3.0]), scale=st.sampled_from([1, 1e-3, 1e3]))
def test_twins_take_the_same_steps(data: st.DataObject, dtype: np.dtype[Any], lr: float, scale: float) -> None:
    """Same mistakes in every epoch and the same final weights, on separable data of any scale."""
    X, y, _ = data.draw(separable(dtype))
    X = X * dtype.type(scale)
    ours, theirs = twins(X.shape[1], dtype)
    REPORT.count_case("Perceptron", dtype)
    history = ours.fit(X, y, lr=lr, max_epochs=50)
    assert history == theirs.fit(torch.from_numpy(X), torch.from_numpy(y), lr=lr, max_epochs=50)
    assert_close("Perceptron", "fitted weight", ours.weight.data, theirs.weight)
    assert_close("Perceptron", "fitted bias", ours.bias.data, theirs.bias)
    assert_close("Perceptron", "predictions", ours(X), theirs(torch.from_numpy(X)))


@given(data=dyadic(), lr=st.sampled_from([0.25, 0.5, 1.0, 2.0]), max_epochs=st.integers(1, 20))
@pytest.mark.parametrize("dtype", [F32, F64])
def test_fit_is_the_rule(data: Any, lr: float, max_epochs: int, dtype: np.dtype[Any]) -> None:
    """On data where float arithmetic is exact, both twins equal the rule in rational arithmetic, bit for bit."""
    X, y = data[0].astype(dtype), data[1]
    history, w, b = reference_fit(X, y, lr, max_epochs)
    ours, theirs = twins(X.shape[1], dtype)
    assert ours.fit(X, y, lr=lr, max_epochs=max_epochs) == history
    assert theirs.fit(torch.from_numpy(X), torch.from_numpy(y), lr=lr, max_epochs=max_epochs) == history
    expected = np.array([[float(w_j) for w_j in w]], dtype=dtype), np.array([float(b)], dtype=dtype)
    for model in (ours, theirs):
        state = {k: np.asarray(v) for k, v in model.state_dict().items()}
        np.testing.assert_array_equal(state["weight"], expected[0])
        np.testing.assert_array_equal(state["bias"], expected[1])


@given(data=dyadic(), epochs=st.integers(1, 6))
def test_fit_continues_from_the_current_weights(data: Any, epochs: int) -> None:
    X, y = data[0].astype(np.float32), data[1]
    once, stepwise = sm.Perceptron(X.shape[1]), sm.Perceptron(X.shape[1])
    history = once.fit(X, y, max_epochs=epochs)
    by_one: list[int] = []
    while len(by_one) < epochs and not (by_one and by_one[-1] == 0):
        by_one += stepwise.fit(X, y, max_epochs=1)
    assert by_one == history
    np.testing.assert_array_equal(stepwise.weight.data, once.weight.data)


@given(data=separable(F64), k=st.integers(-3, 3))
def test_from_zero_the_learning_rate_only_scales_the_weights(data: Any, k: int) -> None:
    """w stays lr·(a sum of ±x), so the signs of every z, hence every mistake, do not depend on lr."""
    X, y, _ = data
    unit, scaled = sm.Perceptron(X.shape[1]).double(), sm.Perceptron(X.shape[1]).double()
    assert unit.fit(X, y, lr=1.0) == scaled.fit(X, y, lr=2.0**k)
    np.testing.assert_array_equal(scaled.weight.data, 2.0**k * unit.weight.data)


# ---- the convergence theorem ---------------------------------------------------------------------
@given(data=separable(F64))
def test_novikoff_bound(data: Any) -> None:
    """Separable with margin γ by a unit vector, from zero weights with lr 1: mistakes ≤ (R/γ)².

    R is the largest norm of the augmented inputs x̃ = (x, 1).  Every epoch but the last has a
    mistake, so the run converges within (R/γ)² + 1 epochs, and then it classifies every point.
    """
    X, y, gamma = data
    R = np.linalg.norm(np.column_stack([X, np.ones(len(X))]), axis=1).max(initial=0.0)
    bound = (R / gamma) ** 2
    model = sm.Perceptron(X.shape[1]).double()
    history = model.fit(X, y, lr=1.0, max_epochs=math.floor(bound) + 1)
    assert sum(history) <= bound
    assert history[-1] == 0
    np.testing.assert_array_equal(model(X), y)


# ---- logic gates: AND, OR, NAND learnable; XOR not -----------------------------------------------
@pytest.mark.parametrize("twin", [sm, tm], ids=["scratch", "torch"])
@pytest.mark.parametrize(
    ("gate", "expected"), [("AND", [1, 3, 3, 2, 1, 0]), ("OR", [1, 2, 1, 0]), ("NAND", [2, 3, 3, 2, 1, 0])]
)
def test_separable_gates_converge(twin: Any, gate: str, expected: list[int]) -> None:
    X, y = figures.gate(gate)
    if twin is tm:
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    model = twin.Perceptron(2)
    assert model.fit(X, y) == expected
    np.testing.assert_array_equal(np.asarray(model(X)), np.asarray(y))


@given(budget=st.integers(1, 300), order=st.permutations(range(4)), lr=st.sampled_from([0.1, 0.5, 1.0, 7.0]))
def test_xor_never_has_a_mistake_free_epoch(budget: int, order: list[int], lr: float) -> None:
    X, y = figures.gate("XOR")
    history = sm.Perceptron(2).fit(X[order], y[order], lr=lr, max_epochs=budget)
    assert len(history) == budget
    assert min(history) > 0


@pytest.mark.parametrize("twin", [sm, tm], ids=["scratch", "torch"])
def test_xor_history_cycles(twin: Any) -> None:
    """The weights at the end of an epoch come back: from then on the epochs repeat, none mistake-free."""
    X, y = figures.gate("XOR")
    if twin is tm:
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    model = twin.Perceptron(2)
    seen: dict[tuple[float, ...], int] = {}
    history: list[int] = []
    while (state := tuple(np.concatenate([np.asarray(v).ravel() for v in model.state_dict().values()]))) not in seen:
        seen[state] = len(history)
        history += model.fit(X, y, max_epochs=1)
        assert len(history) < 50, "no cycle within 50 epochs"
    start = seen[state]
    period = len(history) - start
    assert min(history[start:]) > 0
    assert twin.Perceptron(2).fit(X, y, max_epochs=start + 3 * period) == history + history[start:] * 2


# ---- bad input ------------------------------------------------------------------------------------
X_GOOD = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
Y_GOOD = np.array([0, 1])
BAD_FITS = {
    "X of the wrong width": ((np.zeros((2, 3), np.float32), Y_GOOD), {}, ValueError, r"shape \(N, 2\)"),
    "X one-dimensional": ((np.zeros(2, np.float32), Y_GOOD[:1]), {}, ValueError, r"shape \(N, 2\)"),
    "X float64 into a float32 model": ((X_GOOD.astype(np.float64), Y_GOOD), {}, TypeError, "dtype"),
    "X with NaN": ((np.array([[np.nan, 0.0], [1.0, 0.0]], np.float32), Y_GOOD), {}, ValueError, "NaN"),
    "y with a 2": ((X_GOOD, np.array([0, 2])), {}, ValueError, "only 0 and 1"),
    "y with -1": ((X_GOOD, np.array([-1, 1])), {}, ValueError, "only 0 and 1"),
    "y with 0.5": ((X_GOOD, np.array([0.5, 1.0])), {}, ValueError, "only 0 and 1"),
    "y with NaN": ((X_GOOD, np.array([np.nan, 1.0])), {}, ValueError, "only 0 and 1"),
    "y shorter than X": ((X_GOOD, Y_GOOD[:1]), {}, ValueError, "to match X"),
    "y two-dimensional": ((X_GOOD, Y_GOOD[:, None]), {}, ValueError, "to match X"),
    "lr = 0": ((X_GOOD, Y_GOOD), {"lr": 0.0}, ValueError, "lr must be positive"),
    "lr < 0": ((X_GOOD, Y_GOOD), {"lr": -1.0}, ValueError, "lr must be positive"),
    "lr NaN": ((X_GOOD, Y_GOOD), {"lr": float("nan")}, ValueError, "lr must be positive"),
    "lr inf": ((X_GOOD, Y_GOOD), {"lr": float("inf")}, ValueError, "lr must be positive"),
    "lr beyond float32": ((X_GOOD, Y_GOOD), {"lr": 1e300}, ValueError, "lr must be positive"),
    "lr a string": ((X_GOOD, Y_GOOD), {"lr": "1"}, TypeError, "lr must be a number"),
    "max_epochs = 0": ((X_GOOD, Y_GOOD), {"max_epochs": 0}, ValueError, "max_epochs"),
    "max_epochs a float": ((X_GOOD, Y_GOOD), {"max_epochs": 10.0}, ValueError, "max_epochs"),
}


@pytest.mark.parametrize("case", BAD_FITS.values(), ids=BAD_FITS.keys())
def test_bad_fit_input_is_rejected_before_any_step(case: Any) -> None:
    (X, y), kwargs, error, match = case
    ours, theirs = twins(2)
    with pytest.raises(error, match=match):
        ours.fit(X, y, **kwargs)
    with pytest.raises(error, match=match):
        theirs.fit(torch.from_numpy(X), torch.from_numpy(y), **kwargs)
    assert not ours.weight.data.any() and not theirs.weight.any()


@pytest.mark.parametrize(
    ("X", "y", "error"),
    [([[0.0, 1.0]], Y_GOOD[:1], TypeError), (X_GOOD, [0, 1], TypeError), (X_GOOD, np.array(["0", "1"]), TypeError)],
    ids=["X a list", "y a list", "y strings"],
)
def test_inputs_that_are_not_arrays_are_rejected(X: Any, y: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        sm.Perceptron(2).fit(X, y)
    with pytest.raises(error):
        tm.Perceptron(2).fit(torch.tensor(X) if isinstance(X, np.ndarray) else X, y)


@pytest.mark.parametrize("n_features", [0, -1, 2.5, True, "2"])
def test_bad_n_features(n_features: Any) -> None:
    for twin in (sm, tm):
        with pytest.raises(ValueError, match="n_features must be a positive int"):
            twin.Perceptron(n_features)


def test_predicting_with_the_wrong_dtype_or_width() -> None:
    ours, theirs = twins(2)
    for X in (np.zeros((3, 2), np.float64), np.zeros((3, 3), np.float32)):
        check_rejects(lambda X=X: ours(X), lambda X=X: theirs(torch.from_numpy(X)))


# ---- an MLP learns XOR --------------------------------------------------------------------------
def train_xor_mlp_torch(
    hidden: int = 4, steps: int = 200, lr: float = 0.05, seed: int = 0, dtype: torch.dtype = torch.float32
) -> tuple[tm.MLP, list[float]]:
    """torch's twin of ``plots.perceptron.train_xor_mlp``: the same network, loss, optimizer and steps."""
    torch.manual_seed(seed)
    X, y = (torch.from_numpy(a) for a in figures.gate("XOR"))
    model = tm.MLP([2, hidden, 2], activation="tanh").to(dtype)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = [train_step(model, criterion, optimizer, X.to(dtype), y)[1].item() for _ in range(steps)]
    return model, losses


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_mlp_solves_xor_in_both(seed: int, dtype: np.dtype[Any]) -> None:
    """2-4-2 with tanh, cross-entropy and Adam: 100 % on XOR, and the two runs take the same path."""
    X, y = figures.gate("XOR", dtype)
    ours, our_losses = figures.train_xor_mlp(seed=seed, dtype=dtype)
    theirs, their_losses = train_xor_mlp_torch(seed=seed, dtype=torch.float64 if dtype == F64 else torch.float32)
    np.testing.assert_array_equal(ours(X).argmax(axis=1), y)
    np.testing.assert_array_equal(theirs(torch.from_numpy(X)).argmax(dim=1).numpy(), y)
    assert our_losses[-1] < 0.01 * our_losses[0]
    REPORT.count_case("MLP on XOR (200 Adam steps)", dtype)
    assert_close("MLP on XOR (200 Adam steps)", "losses", np.array(our_losses, dtype), np.array(their_losses, dtype))
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert_close("MLP on XOR (200 Adam steps)", name, p.data, q)


# ---- figures: what was plotted --------------------------------------------------------------------
def points_plotted(ax: Any) -> np.ndarray[Any, Any]:
    return np.concatenate([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])


def test_decision_boundary_figure() -> None:
    X, y = figures.gate("AND")
    model = sm.Perceptron(2)
    model.fit(X, y)
    fig = figures.decision_boundary_figure(model, X, y, "AND")
    (ax,) = fig.axes
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("AND", "$x_1$", "$x_2$")
    assert sorted(map(tuple, points_plotted(ax))) == sorted(map(tuple, X.tolist()))
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert [c.filled for c in contours] == [True, False], "the shaded classes, then the boundary line"
    assert list(contours[1].levels) == [0.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = 0", "y = 1"]


def test_a_constant_prediction_has_no_boundary_line() -> None:
    X, y = figures.gate("OR")
    fig = figures.decision_boundary_figure(sm.Perceptron(2), X, y, "untrained")
    contours = [c for c in fig.axes[0].collections if isinstance(c, ContourSet)]
    assert [c.filled for c in contours] == [True]


def test_mistakes_figure() -> None:
    histories = {"AND": [1, 3, 3, 2, 1, 0], "XOR": [2, 3, 4, 4]}
    (ax,) = figures.mistakes_figure(histories).axes
    labels = (ax.get_xlabel(), ax.get_ylabel(), ax.get_title())
    assert labels == ("epoch", "mistakes in the epoch", "Perceptron: mistakes per epoch")
    assert [line.get_label() for line in ax.get_lines()] == list(histories)
    for line, history in zip(ax.get_lines(), histories.values(), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(history) + 1))
        np.testing.assert_array_equal(line.get_ydata(), history)
    widths = [line.get_linewidth() for line in ax.get_lines()]
    assert widths == sorted(widths, reverse=True), "each line thinner than the one it may cover"
    assert ax.get_ylim()[0] < 0, "the markers at zero mistakes are not clipped"


def test_the_section_figures() -> None:
    made = figures.perceptron_figures()
    titles = [ax.get_title() for ax in made["perceptron_boundaries"].axes]
    assert titles == [
        "AND: perceptron, converged in 6 epochs",
        "OR: perceptron, converged in 4 epochs",
        "XOR: perceptron, 4 mistakes in epoch 20",
        "XOR: MLP 2-4-2 (tanh), 100% correct",
    ]
    assert all(len(points_plotted(ax)) == 4 for ax in made["perceptron_boundaries"].axes)
    lines = made["perceptron_mistakes"].axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["AND", "OR", "NAND", "XOR"]
    assert lines[-1].get_ydata()[-1] == 4 and len(lines[-1].get_ydata()) == 20


def test_the_command_writes_both_pngs(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    figures.main(["--out", str(tmp_path)])
    written = [tmp_path / "perceptron_boundaries.png", tmp_path / "perceptron_mistakes.png"]
    assert capsys.readouterr().out.split() == [word for path in written for word in ("wrote", str(path))]
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in written)
