"""Regenerate the tutorial's notebook from the script and execute it, keeping its outputs (figures as PNG):
``.venv/bin/python -m tools.notebook``.

The script (jupytext percent format) is the source; the notebook is committed with its outputs, so that it reads on
a code host with no kernel.  CI checks that the notebook's cells are the script's (``jupytext --update`` then
``git diff``: jupytext keeps the outputs) and that it executes; it does not compare outputs, whose last digits
differ between machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "neural_networks_fundamentals.py"
NOTEBOOK = SCRIPT.with_suffix(".ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebook", description=__doc__)
    parser.add_argument("--no-execute", action="store_true", help="only bring the cells in line with the script")
    args = parser.parse_args(argv)
    notebook = jupytext.read(SCRIPT)
    if NOTEBOOK.exists():  # keep the cell ids (and, with --no-execute, the outputs) of the committed notebook
        old = nbformat.read(NOTEBOOK, as_version=4)
        notebook = jupytext.combine.combine_inputs_with_outputs(notebook, old)
    if not args.no_execute:
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
        ).execute()
        for cell in notebook.cells:  # execution counts and timing would change the file on every run
            cell.get("metadata", {}).pop("execution", None)
    nbformat.write(notebook, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} ({len(notebook.cells)} cells{'' if args.no_execute else ', executed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
