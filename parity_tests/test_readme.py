"""The README's code runs as shown: every ```python block, each in a fresh interpreter and a temporary directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)


def test_the_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_python_block_runs(number: int, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    command = [sys.executable, "-W", "error", "-c", BLOCKS[number]]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"README python block {number}:\n{BLOCKS[number]}\n{done.stderr[-3000:]}"
    assert list(tmp_path.iterdir()) == [], "a README example must not leave files in the working directory"


def test_the_readme_names_only_files_in_the_repository() -> None:
    """Links and file names point into the repository (or at what a command writes, which git ignores)."""
    assert "../shared" not in README
    outputs = [line.strip("/") for line in (ROOT / ".gitignore").read_text().split() if line.startswith("/")]
    for path in re.findall(r"\]\(((?!https?:)[^)#]+)", README):
        assert (ROOT / path).exists(), f"the README links {path}, which is not in the repository"
    for path in re.findall(
        r"`((?:common|scratch|torch_impl|parity_tests|benchmarks|plots|tools|docs)/[\w./]+)`", README
    ):
        if not any(path.startswith(output) for output in outputs):
            assert (ROOT / path).exists(), f"the README names {path}, which is not in the repository"
