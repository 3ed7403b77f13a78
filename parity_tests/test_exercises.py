"""The exercises' grader: scratch's own rules pass every exercise, the untouched stubs are "not implemented yet",
the command (list, check, --file, --json, solution) works as documented, and check_module catches a wrong backward.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratch.nn as nn
from exercises import EXERCISES, SOLUTIONS, check_module, grade
from exercises.__main__ import main, solution_lines
from exercises._case import Case
from exercises._diagnose import judge
from exercises._grader import NOT_IMPLEMENTED
from exercises._report import state

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ROOT / "parity_tests" / "exercise_solutions"


@pytest.mark.parametrize("name", list(EXERCISES))
def test_scratch_passes_every_exercise(name: str) -> None:
    report = grade(name, str(ANSWERS / f"{name}.py"))
    failing = [(t.function, t.term, t.diagnosis) for t in report.terms if not t.passed]
    assert report.passed and report.error is None, failing
    assert {t.function for t in report.terms} == set(EXERCISES[name].functions)
    assert all(t.max_error is not None and t.max_error <= 1e-10 for t in report.terms)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_an_untouched_stub_is_not_implemented_yet(name: str) -> None:
    report = grade(name)
    assert not report.passed and not report.started and report.error is None
    assert report.terms and all(not t.passed and t.diagnosis == NOT_IMPLEMENTED for t in report.terms)
    assert all(t.max_error is None for t in report.terms)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_each_stub_holds_its_functions_with_docstrings(name: str) -> None:
    stub = importlib.import_module(f"exercises.{name}")
    owner = EXERCISES[name].owner
    if owner is not None:  # a class whose methods the learner writes: its docstrings, and backward not written
        cls = getattr(stub, owner)
        assert cls.__doc__ and cls.backward.__doc__ and len(cls.backward.__doc__) > 40
        with pytest.raises(NotImplementedError):
            (cls(1.0) * cls(2.0)).backward()
        return
    for function in EXERCISES[name].functions:
        fn = getattr(stub, function)
        assert fn.__doc__ and len(fn.__doc__) > 40, f"{name}.{function} needs a docstring saying what to compute"
        params = inspect.signature(fn).parameters.values()
        with pytest.raises(NotImplementedError):
            fn(**{p.name: None for p in params if p.default is inspect.Parameter.empty})


def test_every_solution_named_exists_in_scratch() -> None:
    """The one map of where scratch/ writes each rule: it must not go stale when scratch/ moves things."""
    assert set(SOLUTIONS) == set(EXERCISES)
    for name, places in SOLUTIONS.items():
        for module, qualname in places:
            obj: Any = importlib.import_module(module)
            for part in qualname.split("."):
                assert hasattr(obj, part), f"{name}: {module}.{qualname} does not exist"
                obj = getattr(obj, part)
        lines = solution_lines(name)
        assert all("scratch/" in line for line in lines[1:]), lines


def test_one_wrong_function_fails_only_its_terms() -> None:
    answers = dict(vars(importlib.import_module("parity_tests.exercise_solutions.activations")))
    report = grade("activations", answers={**answers, "tanh": lambda x: np.tanh(x) + 1e-6})
    assert [(t.function, t.passed) for t in report.terms if not t.passed] == [("tanh", False)]
    assert report.started


def test_a_file_that_does_not_import_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "linear.py"
    bad.write_text("def linear(x, weight, bias):\n    return x @\n")
    report = grade("linear", str(bad))
    assert not report.passed and report.error is not None and "SyntaxError" in report.error
    assert "no file" in (grade("linear", str(tmp_path / "missing.py")).error or "")
    assert state(report) == "failing (the file does not import)"


def test_a_missing_function_is_named(tmp_path: Path) -> None:
    partial = tmp_path / "dropout.py"
    partial.write_text("def dropout(x, mask, p):\n    return x * mask / (1 - p)\n")
    report = grade("dropout", str(partial))
    verdict = {t.function: (t.passed, t.diagnosis) for t in report.terms}
    assert verdict["dropout"] == (True, None)
    assert not verdict["dropout_backward"][0] and "not defined" in str(verdict["dropout_backward"][1])


def test_check_json_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "dropout", "--file", str(ANSWERS / "dropout.py"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"exercise", "passed", "terms", "error"} and out["passed"] and out["error"] is None
    assert all(set(t) == {"function", "term", "passed", "max_error", "diagnosis"} for t in out["terms"])
    assert main(["check", "dropout", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["passed"] and all(t["max_error"] is None and t["diagnosis"] for t in out["terms"])


def test_check_prints_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "linear"]) == 1
    text = capsys.readouterr().out
    assert "TODO" in text and "not implemented yet: linear, linear_backward" in text and "0 of 4 terms pass" in text


def test_the_list_is_in_the_tutorials_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.split()[0] for line in lines] == list(EXERCISES)
    assert all("not started" in line for line in lines)
    sections = [int(e.section.split(".")[0]) for e in EXERCISES.values()]
    assert sections == sorted(sections)


def test_the_command_runs_as_a_module_and_imports_no_scratch() -> None:
    """python -m exercises check grades the learner's file with torch as the oracle; scratch is never imported."""
    code = (
        "import sys, runpy; sys.argv = ['exercises', 'check', 'losses', '--json']\n"
        "try:\n    runpy.run_module('exercises', run_name='__main__')\nexcept SystemExit as e:\n    code = e.code\n"
        "assert 'scratch' not in sys.modules and 'torch' in sys.modules; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["exercise"] == "losses"
    light = "import sys, exercises; assert 'torch' not in sys.modules and 'scratch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", light], cwd=ROOT, timeout=60, check=False).returncode == 0


def test_the_grade_is_the_same_every_run() -> None:
    first = grade("batchnorm", str(ANSWERS / "batchnorm.py")).as_json()
    assert grade("batchnorm", str(ANSWERS / "batchnorm.py")).as_json() == first


# ---- the diagnoses, over many shapes ----------------------------------------------------------------------


def case_of(want: np.ndarray, N: int) -> Case:
    return Case("f", "drawn", {}, {"out": want}, lambda fn: {}, sizes={"N, the batch size": N})


@given(
    st.integers(3, 9),
    st.integers(3, 9),
    st.integers(0, 2**32 - 1),
    st.sampled_from([(2.0, "twice torch's"), (0.5, "a factor of 2 is missing"), (-1.0, "wrong sign")]),
)
def test_a_constant_factor_is_named(N: int, C: int, seed: int, factor: tuple[float, str]) -> None:
    want = np.random.default_rng(seed).standard_normal((N, C)) + 3  # away from 0: the factor shows everywhere
    case = case_of(want, N)
    assert judge(case, "out", want.copy())[:1] == (True,)
    passed, _, diagnosis = judge(case, "out", want * factor[0])
    assert not passed and diagnosis is not None and factor[1] in diagnosis
    passed, _, diagnosis = judge(case, "out", want * N)
    assert not passed and diagnosis is not None and f"a factor {N} (N, the batch size) too many" in diagnosis
    passed, _, diagnosis = judge(case, "out", want / N)
    assert not passed and diagnosis is not None and "once too often" in diagnosis


@given(st.integers(2, 6), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_a_transpose_is_named_and_a_scattered_error_is_located(rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    want = rng.standard_normal((rows, cols))
    case = case_of(want, rows)
    if rows != cols:
        passed, err, diagnosis = judge(case, "out", want.T.copy())
        assert not passed and err is None and diagnosis is not None and diagnosis.startswith("transposed")
    got = want.copy()
    got[rng.integers(rows), rng.integers(cols)] += 1.0
    passed, _, diagnosis = judge(case, "out", got)
    assert not passed and diagnosis is not None and "entries differ" in diagnosis
    passed, _, diagnosis = judge(case, "out", want.astype(np.float32))
    assert not passed and diagnosis is not None and "dtype float32" in diagnosis


# ---- check_module on one's own layer ----------------------------------------------------------------------


class Softplus(nn.Module):
    """softplus(x) = log(1 + e^x), x itself above torch's threshold 20; its derivative is σ(x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return grad_output * np.where(self.x > 20, 1, 1 / (1 + np.exp(-self.x))).astype(self.x.dtype)


class SoftplusWrongBackward(Softplus):
    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return grad_output * np.exp(self.x)  # e^x is softplus′ only for x → −∞


def test_check_module_passes_a_right_softplus_and_catches_a_wrong_backward(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_module(Softplus(), torch.nn.Softplus(), input_shape=(8, 5)).passed
    report = check_module(SoftplusWrongBackward(), torch.nn.Softplus(), input_shape=(8, 5))
    verdict = {t.term: t for t in report.terms}
    assert verdict["output"].passed and not verdict["grad_input"].passed
    assert "FAIL" in capsys.readouterr().out


def test_check_module_compares_parameter_gradients_in_both_dtypes() -> None:
    class HalfBias(nn.Linear):
        def backward(self, grad_output: np.ndarray) -> np.ndarray:
            dx = super().backward(grad_output)
            assert self.bias is not None and self.bias.grad is not None
            self.bias.grad = self.bias.grad / 2
            return dx

    scratch_layer = nn.Linear(5, 3, dtype=np.float64)
    assert check_module(scratch_layer, torch.nn.Linear(5, 3), input_shape=(4, 5), verbose=False).passed
    report = check_module(HalfBias(5, 3, dtype=np.float64), torch.nn.Linear(5, 3), input_shape=(4, 5), verbose=False)
    verdict = {t.term: t for t in report.terms}
    assert [term for term, t in verdict.items() if not t.passed] == ["bias.grad"]
    assert "a factor of 2 is missing" in str(verdict["bias.grad"].diagnosis)


def test_check_module_runs_float32_and_edge_values() -> None:
    class Promotes(Softplus):
        def backward(self, grad_output: np.ndarray) -> np.ndarray:
            return grad_output / (1 + np.exp(-self.x.astype(np.float64)))  # float64 out of float32

    t = check_module(Promotes(), torch.nn.Softplus(), input_shape=(3, 4), verbose=False).terms[1]
    assert not t.passed and "dtype float64 where torch's is float32" in str(t.diagnosis)

    class Overflows(Softplus):
        def forward(self, x: np.ndarray) -> np.ndarray:
            self.x = x
            return np.log1p(np.exp(x))

    t = check_module(Overflows(), torch.nn.Softplus(), input_shape=(3, 4), verbose=False).terms[0]
    assert not t.passed and "inf/NaN" in str(t.diagnosis) and "edge values" in str(t.example)


def test_check_module_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"torch_module must be a torch\.nn\.Module"):
        check_module(Softplus(), np.log1p, input_shape=(2, 3))
    with pytest.raises(ValueError, match=r"input_shape must be a tuple of positive ints, got \[2, 3\]"):
        check_module(Softplus(), torch.nn.Softplus(), input_shape=[2, 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="input_shape"):
        check_module(Softplus(), torch.nn.Softplus(), input_shape=(2, 0))
    with pytest.raises(KeyError, match="no exercise named 'softplus'"):
        grade("softplus")
