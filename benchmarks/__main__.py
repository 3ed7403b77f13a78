"""``.venv/bin/python -m benchmarks [--quick] [--out DIR] ...``: run the grid and write the report."""

import sys

from benchmarks.environment import scrub_openblas_env

scrub_openblas_env(keep="--keep-openblas-env" in sys.argv)

from benchmarks.cli import main  # noqa: E402  (NumPy must load after the scrub)

raise SystemExit(main(sys.argv[1:]))
