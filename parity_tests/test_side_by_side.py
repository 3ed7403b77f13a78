"""docs/side_by_side.md: current with the code, one section per concept, every public component covered."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest

import scratch.models
import scratch.nn
import scratch.optim
import scratch.train
from scratch.data import DataLoader
from scratch.nn import activation
from scratch.nn.loss import _Loss
from tools.side_by_side.concepts import CONCEPTS
from tools.side_by_side.page import (
    COMMAND,
    LAYOUT,
    LEFT,
    PAGE,
    RIGHT,
    ROOT,
    Concept,
    check_tests,
    claim,
    resolve,
    verify,
)


def test_page_is_current() -> None:
    """What CI runs: regenerating the page changes nothing."""
    command = [sys.executable, "-W", "error", "-m", "tools.side_by_side", "--check"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n(regenerate with `{COMMAND}`)"


def sections() -> dict[str, str]:
    _, *parts = PAGE.read_text().split("\n### ")
    return {part.partition("\n")[0]: part for part in parts}


def test_every_concept_has_a_section_in_order() -> None:
    page, found = PAGE.read_text(), sections()
    assert list(found) == [c.name for c in CONCEPTS]
    for concept in CONCEPTS:
        text = found[concept.name]
        if LAYOUT == "table":
            assert text.count("<table>") == text.count("</table>") == 1, concept.name
        assert LEFT in text and RIGHT in text, concept.name
        assert text.count("```python") >= 2, f"{concept.name}: code on both sides"
        assert "```text\n" in text, f"{concept.name}: formula"
        assert "**Proved equal by:**" in text
        assert all(test.removeprefix("parity_tests/") in text for test in concept.tests), concept.name
        assert "**Agreement**" in text and "float64 " in text and "float32 " in text, f"{concept.name}: agreement"
        assert f"| [{concept.name}](#" in page, f"{concept.name}: row in the contents table"


def public_components() -> dict[str, Any]:
    """What a reader expects to find on the page: every layer, activation, loss, optimizer, model, the loop."""
    found: dict[str, Any] = {"Linear": scratch.nn.Linear, "train": scratch.train.train, "DataLoader": DataLoader}
    for name in scratch.nn.__all__:
        obj = getattr(scratch.nn, name)
        if inspect.isclass(obj) and (obj.__module__ == activation.__name__ or issubclass(obj, _Loss)):
            found[name] = obj
    for name in scratch.optim.__all__:
        obj = getattr(scratch.optim, name)
        if inspect.isclass(obj) and issubclass(obj, scratch.optim.Optimizer) and obj is not scratch.optim.Optimizer:
            found[name] = obj
    for name, obj in vars(scratch.models).items():
        if inspect.isclass(obj) and issubclass(obj, scratch.nn.Module) and obj.__module__ == scratch.models.__name__:
            found[name] = obj
    return found


def test_every_public_component_has_a_concept() -> None:
    shown = {id(resolve(source.ref)) for concept in CONCEPTS for source in concept.scratch}
    missing = sorted(name for name, obj in public_components().items() if id(obj) not in shown)
    assert not missing, f"add an entry to CONCEPTS in tools/side_by_side/concepts.py for {missing}, then run {COMMAND}"


def test_a_test_that_does_not_exist_fails_loudly() -> None:
    concept = CONCEPTS[0]
    renamed = Concept(**{**concept.__dict__, "tests": ("parity_tests/test_linear.py::test_no_such_test",)})
    with pytest.raises(SystemExit, match="test_no_such_test does not exist"):
        check_tests(renamed)
    missing_file = Concept(**{**concept.__dict__, "tests": ("parity_tests/test_nowhere.py::test_x",)})
    with pytest.raises(SystemExit, match=r"test_nowhere\.py does not exist"):
        check_tests(missing_file)


def test_a_claim_the_probe_misses_fails_loudly() -> None:
    exact, rounded = Concept(**{**CONCEPTS[0].__dict__, "exact": True}), CONCEPTS[0]
    verify(exact, {"float64": (0.0, True), "float32": (0.0, True)})
    with pytest.raises(SystemExit, match=r"claimed bit-exact, but in float32 differs by 6\.0e-08"):
        verify(exact, {"float64": (0.0, True), "float32": (6e-8, False)})
    verify(rounded, {"float64": (3e-16, False), "float32": (2e-7, False)})
    with pytest.raises(SystemExit, match=r"in float64 differs by 2\.0e-14 >= 1e-14"):
        verify(rounded, {"float64": (2e-14, False), "float32": (0.0, True)})
    assert claim(exact, "float32") == "bit-exact" and claim(rounded, "float32") == "< 1e-6"
