"""Write docs/side_by_side.md, or with --check fail if it is stale: ``python -m tools.side_by_side [--check]``."""

from __future__ import annotations

import argparse
import difflib
import sys

import torch

from tools.side_by_side.concepts import CONCEPTS
from tools.side_by_side.page import COMMAND, PAGE, ROOT, render
from tools.side_by_side.probes import measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs from the code")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread: the probes' rounding does not depend on the machine's core count
    text = render(CONCEPTS, measure)
    page = PAGE.relative_to(ROOT)
    if not args.check:
        PAGE.parent.mkdir(exist_ok=True)
        PAGE.write_text(text)
        print(f"wrote {page} ({len(CONCEPTS)} concepts)")
        return 0
    current = PAGE.read_text() if PAGE.exists() else ""
    if current == text:
        print(f"{page} is up to date ({len(CONCEPTS)} concepts)")
        return 0
    diff = list(
        difflib.unified_diff(current.splitlines(), text.splitlines(), f"{page} (on disk)", "generated", lineterm="")
    )
    print("\n".join(diff[:60] + ([f"... ({len(diff) - 60} more diff lines)"] if len(diff) > 60 else [])))
    print(f"\n{page} is stale: the code it shows, the tests it names or its claims changed.")
    print(f"Regenerate it with `{COMMAND}` and commit it.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
