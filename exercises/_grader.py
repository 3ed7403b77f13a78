"""Grade a learner's file: import it, run every case, and judge every term against torch.

A term is one output of one function (``grad_weight`` of ``linear_backward``); it passes when it agrees with torch
on every case.  Its ``max_error`` is the worst error of the float64 cases (float32 ones, judged at their own
tolerance, count where they fail), None where a case gave nothing to measure.  Its diagnosis is the first failing
case's, unless a later case names a catalogued mistake where the first could only describe the difference.  A
function that still raises NotImplementedError is "not implemented yet", never passed.
"""

from __future__ import annotations

import importlib.util
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from exercises._case import Case, ModifiedInputError, WrongReturnError
from exercises._diagnose import Vague, judge
from exercises._registry import EXERCISES


@dataclass
class Term:
    function: str
    term: str
    passed: bool
    max_error: float | None
    diagnosis: str | None
    example: str | None = None  # the failing case, for the printed report

    def as_json(self) -> dict[str, Any]:
        finite = self.max_error is not None and np.isfinite(self.max_error)
        return {
            "function": self.function,
            "term": self.term,
            "passed": self.passed,
            "max_error": self.max_error if finite else None,
            "diagnosis": self.diagnosis,
        }


@dataclass
class Report:
    exercise: str
    file: str
    terms: list[Term] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.terms) and all(t.passed for t in self.terms)

    @property
    def started(self) -> bool:
        return self.error is not None or any(t.diagnosis != NOT_IMPLEMENTED for t in self.terms)

    def as_json(self) -> dict[str, Any]:
        terms = [t.as_json() for t in self.terms]
        return {"exercise": self.exercise, "passed": self.passed, "terms": terms, "error": self.error}


NOT_IMPLEMENTED = "not implemented yet: the function still raises NotImplementedError"


def load(path: Path) -> ModuleType:
    """Import the learner's file as a module of its own (never from sys.modules, never scratch in its place)."""
    spec = importlib.util.spec_from_file_location(f"_learner_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grade(name: str, file: str | Path | None = None, answers: Mapping[str, Callable[..., Any]] | None = None) -> Report:
    """Grade exercise ``name``: ``answers`` (function name → function) if given, else the functions of ``file``
    (default: exercises/NAME.py)."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise named {name!r}; the exercises are: {', '.join(EXERCISES)}")
    exercise = EXERCISES[name]
    path = Path(file) if file is not None else exercise.stub
    report = Report(name, str(path) if answers is None else "<answers>")
    if answers is None:
        if not path.is_file():
            report.error = f"no file {path}"
            return report
        try:
            answers = vars(load(path))
        except Exception as exc:
            report.error = f"importing {path} failed: {type(exc).__name__}: {exc}"
            return report
    from exercises import _cases

    cases = _cases.build(name)
    for function in exercise.functions:
        fn = answers.get(exercise.owner or function)
        mine = [c for c in cases if c.function == function]
        report.terms.extend(grade_function(function, fn, mine, report.file, exercise.owner or function))
    return report


def grade_function(
    function: str, fn: Callable[..., Any] | None, cases: list[Case], where: str, defined: str | None = None
) -> list[Term]:
    """One Term per output of ``function``, judged over its cases; ``defined``: the name ``fn`` has in the file."""
    names = list(dict.fromkeys(term for case in cases for term in case.expected))
    terms = {term: Term(function, term, True, 0.0, None) for term in names}
    if not callable(fn):
        for t in terms.values():
            t.passed, t.max_error, t.diagnosis = False, None, f"`{defined or function}` is not defined in {where}"
        return list(terms.values())
    for case in cases:
        outputs, failure = call(fn, case)
        for term in case.expected:
            t = terms[term]
            diagnosis: str | None
            if failure is not None:
                passed, err, diagnosis = False, None, failure
            elif term not in outputs:
                passed, err, diagnosis = False, None, f"no `{term}` in what the function returned"
            else:
                passed, err, diagnosis = judge(case, term, outputs[term])
            if err is None and not passed:
                t.max_error = None
            elif err is not None and t.max_error is not None and (case.dtype == np.float64 or not passed):
                t.max_error = max(t.max_error, err)  # float32 cases count where they fail, at their own tolerance
            better = not t.passed and isinstance(t.diagnosis, Vague) and not isinstance(diagnosis, Vague)
            if not passed and (t.passed or better):  # the first failure, unless a later case names the mistake
                t.passed, t.diagnosis = False, diagnosis
                t.example = example(case, term, None if failure else outputs.get(term))
        if failure == NOT_IMPLEMENTED:  # every term, those of the cases not run included
            for t in terms.values():
                t.passed, t.max_error, t.diagnosis, t.example = False, None, NOT_IMPLEMENTED, None
            break
    return list(terms.values())


def call(fn: Callable[..., Any], case: Case) -> tuple[dict[str, Any], str | None]:
    """The learner's outputs on one case, or why there are none (not implemented, an exception)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return case.run(fn), None
    except NotImplementedError:
        return {}, NOT_IMPLEMENTED
    except (ModifiedInputError, WrongReturnError) as exc:
        return {}, str(exc)
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return {}, Vague(f"raised {type(exc).__name__}: {exc} (line {frame.lineno}: {frame.line})")


def example(case: Case, term: str, got: Any) -> str:
    """The failing case, small: for a batch of more than 3 rows, only the first row where the term is wrong."""
    want = case.expected[term]
    row = first_wrong_row(want, got)
    lines = [f'case "{case.label}":' + ("" if row is None else f" row {row}, the first that is wrong")]
    for name, value in [*case.args.items(), (f"torch's {term}", want), ("yours", got)]:
        if row is not None and isinstance(value, np.ndarray) and value.ndim and len(value) == len(want):
            name, value = f"{name}[{row}]", value[row]
        lines.append(f"  {name} = {show(value, indent=len(name) + 5)}")
    return "\n".join(lines)


def first_wrong_row(want: Any, got: Any) -> int | None:
    if not isinstance(want, np.ndarray) or want.ndim < 2 or len(want) <= 3:
        return None
    try:
        got = np.asarray(got, dtype=np.float64)
        if got.shape != want.shape:
            return None
        with np.errstate(all="ignore"):
            bad = ~np.isclose(got, want, rtol=1e-8, atol=1e-10, equal_nan=True)
        return int(np.argmax(bad.reshape(len(want), -1).any(axis=1)))
    except (TypeError, ValueError):
        return None


def show(value: Any, indent: int = 0) -> str:
    """A value in a line or a few: arrays rounded to 4 digits, their middle elided."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=12, edgeitems=2, suppress_small=True)
        return " ".join(text.split()) if value.ndim < 2 else text.replace("\n", "\n" + " " * indent)
    if isinstance(value, list):
        return f"[{len(value)} arrays: {show(value[0])}, ...]" if value else "[]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)
