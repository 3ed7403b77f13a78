"""The printed report: one line per term, and under each failing term its diagnosis and a small example."""

from __future__ import annotations

import os
from pathlib import Path

from exercises._grader import NOT_IMPLEMENTED, Report
from exercises._registry import EXERCISES


def shown(file: str) -> str:
    """A path as the learner would type it: relative to the current directory when inside it."""
    path = Path(file)
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        return os.path.relpath(path)
    return file


def render(report: Report) -> str:
    """The report as text: one line per term, and under each failing one its diagnosis and a small example."""
    exercise = EXERCISES.get(report.exercise)
    where = f" (tutorial section {exercise.section})" if exercise else ""
    lines = [f"{report.exercise}: {shown(report.file)}{where}"]
    if report.error:
        return "\n".join([*lines, f"  ERROR {report.error}"])
    width_f = max(len(t.function) for t in report.terms)
    width_t = max(len(t.term) for t in report.terms)
    for t in report.terms:
        mark = "PASS" if t.passed else "TODO" if t.diagnosis == NOT_IMPLEMENTED else "FAIL"
        err = "" if t.max_error is None else f"max error {t.max_error:.1e}"
        lines.append(f"  {mark}  {t.function:<{width_f}}  {t.term:<{width_t}}  {err}".rstrip())
        if not t.passed and t.diagnosis != NOT_IMPLEMENTED:
            lines.append(f"        {t.diagnosis}")
            if t.example:
                lines.extend("        " + line for line in t.example.splitlines())
    todo = sorted({t.function for t in report.terms if t.diagnosis == NOT_IMPLEMENTED})
    if todo:
        lines.append(f"  not implemented yet: {', '.join(todo)}")
    passed = sum(t.passed for t in report.terms)
    verdict = "all pass" if report.passed else "not yet"
    lines.append(f"{passed} of {len(report.terms)} terms pass: {verdict}.")
    return "\n".join(lines)


def state(report: Report) -> str:
    if report.passed:
        return "passing"
    if report.error:
        return "failing (the file does not import)"
    if not report.started:
        return "not started"
    return f"failing ({sum(t.passed for t in report.terms)} of {len(report.terms)} terms pass)"
