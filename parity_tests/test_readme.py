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


SHELL_BLOCKS = re.findall(r"^```bash\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)
INLINE = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", README, flags=re.MULTILINE | re.DOTALL))
ASSIGNMENT = re.compile(r"""[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\S+)\s+""")


def shell_commands(text: str) -> list[str]:
    """The simple commands of a shell text (one per line, or joined by && ; |), each without its variables."""
    commands = []
    for line in text.splitlines():
        line = re.sub(r"\s#.*$", "", line).strip()
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.strip()
            while ASSIGNMENT.match(part):
                part = ASSIGNMENT.sub("", part, count=1)
            if part:
                commands.append(part)
    return commands


def readme_commands() -> list[str]:
    """Every command the README tells the reader to run: the ```bash blocks and the `inline` commands."""
    inline = [c for c in INLINE if re.match(r"(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(?:python3?|\.venv/bin/\w+)\s", c)]
    return [command for text in [*SHELL_BLOCKS, *inline] for command in shell_commands(text)]


def test_readme_commands_run_in_the_virtual_environment() -> None:
    """After the set-up command, only the venv's Python has the project's dependencies: a bare ``python`` (or
    ``python3 -m ...`` other than creating the venv) fails on a fresh clone."""
    commands = readme_commands()
    assert len(commands) >= 15, commands
    for command in commands:
        program = command.split()[0]
        if program in ("python", "python3", "pip", "pip3"):
            assert command.startswith("python3 -m venv .venv"), f"the README runs {command!r} outside .venv"


def test_readme_commands_name_modules_and_files_that_exist() -> None:
    for command in readme_commands():
        words = command.split()
        if words[0] != ".venv/bin/python" or len(words) < 2:
            continue
        if words[1] == "-m":
            module = words[2]
            if module != "pytest":
                path = ROOT / module.replace(".", "/")
                assert (path / "__main__.py").exists() or path.with_suffix(".py").exists(), command
        else:
            assert (ROOT / words[1]).exists(), command


def test_the_command_check_catches_a_bare_python() -> None:
    commands = shell_commands('FOO="a b" python -m x && .venv/bin/python y  # python z')
    assert commands == ["python -m x", ".venv/bin/python y"]
