"""python -m exercises [check NAME [--file PATH] [--json] | solution NAME]: list, grade, or find the solution."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from pathlib import Path

from exercises._grader import grade
from exercises._registry import EXERCISES, HERE, SOLUTIONS
from exercises._report import render, state


def solution_lines(name: str) -> list[str]:
    """Where scratch/ writes each rule of exercise ``name``: file:line and the qualified name."""
    root = HERE.parent
    lines = [f"The solution of {name!r} is scratch/ itself:"]
    for module_name, qualname in SOLUTIONS[name]:
        obj: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        obj = inspect.unwrap(obj)  # type: ignore[arg-type]
        path = Path(inspect.getsourcefile(obj) or "?")  # type: ignore[arg-type]
        line = inspect.getsourcelines(obj)[1]  # type: ignore[arg-type]
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        lines.append(f"  {shown}:{line}  {module_name}.{qualname}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exercises", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="grade exercises/NAME.py (or --file) against torch")
    check.add_argument("name", choices=list(EXERCISES))
    check.add_argument("--file", help="grade this file instead of exercises/NAME.py")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    solution = sub.add_parser("solution", help="where scratch/ holds the solution")
    solution.add_argument("name", choices=list(EXERCISES))
    args = parser.parse_args(argv)
    if args.command == "check":
        report = grade(args.name, args.file)
        print(json.dumps(report.as_json()) if args.json else render(report))
        return 0 if report.passed else 1
    if args.command == "solution":
        print("\n".join(solution_lines(args.name)))
        return 0
    print("The exercises, in the tutorial's order (python -m exercises check NAME grades one):")
    for name, exercise in EXERCISES.items():
        print(f"  {name:<12} {state(grade(name)):<34} section {exercise.section}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
