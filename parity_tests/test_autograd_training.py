"""One model trained three ways — manual backprop (scratch.nn), scratch.autograd, torch autograd — from the same
seed on the same batches: the same losses and weights after 1000 steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch
import torch_impl.models
from common import datasets
from parity_tests.harness import assert_close
from scratch import models
from scratch.autograd import functional as F
from scratch.autograd import models as autograd_models
from scratch.data import make_loader
from scratch.train import train_step
from torch_impl import data as torch_data

STEPS = 1000


def batches(loader: object, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The first ``steps`` batches of a shuffling loader, epoch after epoch."""
    out: list[tuple[np.ndarray, np.ndarray]] = []
    while len(out) < steps:
        out += [(np.asarray(X), np.asarray(y)) for X, y in loader]  # type: ignore[attr-defined]
    return out[:steps]


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_manual_autograd_and_torch_train_the_same_model(opt: str) -> None:
    X, y = datasets.blobs(n_samples=160, centers=3, n_features=8, seed=3, dtype=np.float64)
    ours = batches(make_loader(X, y, batch_size=16, shuffle=True, generator=scratch.Generator().manual_seed(1)), STEPS)
    theirs = batches(
        torch_data.make_loader(X, y, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(1)), STEPS
    )
    for (a, b), (c, d) in zip(ours, theirs, strict=True):  # the two loaders give the same batches
        assert np.array_equal(a, c) and np.array_equal(b, d)

    scratch.manual_seed(0)
    manual = models.SimpleMLP(8, 16, 3).double()
    scratch.manual_seed(0)
    auto = autograd_models.SimpleMLP(8, 16, 3).double()
    torch.manual_seed(0)
    reference = torch_impl.models.SimpleMLP(8, 16, 3).double()
    if opt == "sgd":
        make = lambda params: scratch.optim.SGD(params, lr=0.05, momentum=0.9)  # noqa: E731
        torch_optimizer = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
    else:
        make = lambda params: scratch.optim.Adam(params, lr=0.01)  # noqa: E731
        torch_optimizer = torch.optim.Adam(reference.parameters(), lr=0.01)
    manual_optimizer, auto_optimizer = make(manual.parameters()), make(auto.parameters())
    criterion, torch_criterion = scratch.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    losses: dict[str, list[float]] = {"manual": [], "autograd": [], "torch": []}
    for Xb, yb in ours:
        losses["manual"].append(float(train_step(manual, criterion, manual_optimizer, Xb, yb)[1]))

        auto_optimizer.zero_grad()  # the loop reads as torch's, line for line
        loss = F.cross_entropy(auto(Xb), yb)
        loss.backward()
        auto_optimizer.step()
        losses["autograd"].append(loss.item())

        torch_optimizer.zero_grad()
        torch_loss = torch_criterion(reference(torch.from_numpy(Xb)), torch.from_numpy(yb))
        torch_loss.backward()
        torch_optimizer.step()
        losses["torch"].append(torch_loss.item())

    expected = np.array(losses["torch"])
    assert expected[-100:].mean() < 0.5 * expected[:10].mean()  # it did learn
    for way in ("manual", "autograd"):
        assert_close(f"three ways ({opt})", f"{way}: loss per step", np.array(losses[way]), expected, tol=1e-13)
    reference_state = reference.state_dict()
    for key in reference_state:
        for way, model in (("manual", manual), ("autograd", auto)):
            assert_close(f"three ways ({opt})", f"{way}: {key}", model.state_dict()[key], reference_state[key], 1e-13)
