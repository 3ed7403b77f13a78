"""Exercises: write the maths yourself, and have it graded against torch.

Each ``exercises/NAME.py`` is a stub: functions with their docstrings and ``raise NotImplementedError``.  Fill one
in, then ``python -m exercises check NAME``: torch (float64) is the oracle, and a wrong term is named with the
mistake that most likely made it.  ``check_module`` runs the same comparisons on a module of one's own.
The solutions are scratch/ itself: ``python -m exercises solution NAME`` says where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exercises._registry import EXERCISES, SOLUTIONS

if TYPE_CHECKING:
    from exercises._grader import Report


def grade(name: str, file: str | None = None, answers: Any = None) -> Report:
    """Grade exercise ``name`` (the file exercises/NAME.py, another ``file``, or a mapping of ``answers``)."""
    from exercises._grader import grade as _grade

    return _grade(name, file, answers)


def check_module(module: Any, torch_module: Any, input_shape: tuple[int, ...], **options: Any) -> Report:
    """Compare a scratch-style module with its torch twin and print the report; see ``exercises._module_check``."""
    from exercises._module_check import check_module as _check

    return _check(module, torch_module, input_shape, **options)


__all__ = ["EXERCISES", "SOLUTIONS", "check_module", "grade"]
