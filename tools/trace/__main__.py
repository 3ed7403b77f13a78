"""Print what a learner steps through on each concept's default call: ``python -m tools.trace [--verbose]``."""

from __future__ import annotations

import argparse
import sys

from tools.trace import table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.trace", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list every function entered")
    args = parser.parse_args(argv)
    print("| default call | functions entered (project) | files | functions entered (all) |")
    print("|---|---:|---:|---:|")
    for name, t in table():
        print(f"| {name} | {len(t.project())} | {len(t.files())} | {len(t.calls)} |")
        if args.verbose:
            for f, n in t.calls:
                print(f"    {n}  ({f.rsplit('/', 2)[-1] if 'site-packages' in f else f.split('/main/')[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
