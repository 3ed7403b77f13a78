"""Build docs/side_by_side.md from the concept table: sources, formulas, parity tests and probe results."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "side_by_side.md"
COMMAND = "python -m tools.side_by_side"
TORCH_DOCS = "https://docs.pytorch.org/docs/stable/"
LEFT, RIGHT = "NumPy (scratch)", "PyTorch"
LAYOUT = "table"
"""How the two codes are placed: "table" (two columns, GitHub scrolls a wide one sideways) or "stacked"."""


@dataclass(frozen=True)
class Source:
    """``module:qualname`` (or a bare module), optionally cut down to some of a class's members."""

    ref: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Doc:
    """``paragraphs`` paragraphs of an object's docstring from paragraph ``first`` (a ``::`` block goes with the
    paragraph that introduces it)."""

    ref: str
    paragraphs: int = 1
    first: int = 0


@dataclass(frozen=True)
class Concept:
    """One section of the page: what to show on each side, where the formula is, what proves parity."""

    name: str
    group: str
    scratch: tuple[Source, ...]
    formula: tuple[Doc, ...]
    tests: tuple[str, ...]
    probe: Callable[[Any], None]
    probed: str
    torch: tuple[Source, ...] = ()
    torch_code: str = ""
    torch_api: tuple[str, ...] = ()
    exact: bool = False
    """Claim that the probe is bit-exact in both dtypes on every machine: only for exactly rounded arithmetic
    (comparisons, products, integers) with no reduction, BLAS call or transcendental function in it."""


BOUND = {"float64": 1e-14, "float32": 1e-6}
"""What the page claims for every other probe: within a few units in the last place of the dtype (the observed
worst over AVX-512 and AVX2 machines is ~3e-16 and ~2e-7); ``--check`` fails if a probe exceeds it."""


def claim(concept: Concept, dtype: str) -> str:
    return "bit-exact" if concept.exact else f"< {power(BOUND[dtype])}"


def power(x: float) -> str:
    """1e-06 → "1e-6"."""
    return f"{x:.0e}".replace("e-0", "e-")


def verify(concept: Concept, measured: dict[str, tuple[float, bool]]) -> None:
    """Fail loudly if the probe, on this machine, does not meet what the page claims."""
    for dtype, (worst, exact) in measured.items():
        if concept.exact and not exact:
            raise SystemExit(
                f"side_by_side: {concept.name} is claimed bit-exact, but in {dtype} differs by {worst:.1e}"
            )
        if worst >= BOUND[dtype]:
            raise SystemExit(f"side_by_side: {concept.name} in {dtype} differs by {worst:.1e} >= {power(BOUND[dtype])}")


def src(ref: str, *members: str) -> Source:
    return Source(ref, members)


# ---- extraction ---------------------------------------------------------------------------------
def resolve(ref: str) -> Any:
    module_name, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)
    return obj


def path_of(ref: str) -> str:
    return Path(inspect.getsourcefile(inspect.unwrap(resolve(ref))) or "").resolve().relative_to(ROOT).as_posix()


def source_of(source: Source) -> str:
    """The code of ``source.ref``; with members, the class line, its docstring and just those members."""
    code = textwrap.dedent(inspect.getsource(resolve(source.ref)))
    if not source.members:
        return code.rstrip()
    lines = code.splitlines()
    cls = ast.parse(code).body[0]
    assert isinstance(cls, ast.ClassDef), f"{source.ref}: members can only be picked from a class"
    defs = {node.name: node for node in cls.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    missing = [m for m in source.members if m not in defs]
    if missing:
        raise SystemExit(f"side_by_side: {source.ref} has no member(s) {missing}")
    first = cls.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    head_end = first.end_lineno if has_doc and first.end_lineno else cls.lineno
    parts = ["\n".join(lines[:head_end])]
    for name in source.members:
        node = defs[name]
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        parts.append("\n".join(lines[start - 1 : node.end_lineno]))
    hidden = [name for name in defs if name not in source.members]
    if hidden:
        parts.append(f"    # not shown: {', '.join(hidden)}")
    return "\n\n".join(parts)


def formula_of(doc: Doc) -> str:
    """The chosen paragraphs of the docstring, without reST markup (``code`` and the ``::`` of a literal block)."""
    text = inspect.getdoc(resolve(doc.ref))
    if not text:
        raise SystemExit(f"side_by_side: {doc.ref} has no docstring to take the formula from")
    blocks = re.split(r"\n\s*\n(?=\S)", text)  # a blank line followed by unindented text starts a paragraph
    taken = blocks[doc.first : doc.first + doc.paragraphs]
    return "\n\n".join(taken).replace("``", "").replace("::\n", ":\n").strip()


@cache
def tests_in(path: str) -> frozenset[str]:
    """``name`` and ``Class::name`` for every test function of a test file, found by parsing it."""
    file = ROOT / path
    if not file.is_file():
        raise SystemExit(f"side_by_side: test file {path} does not exist")
    names = set()
    for node in ast.parse(file.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return frozenset(names)


def check_tests(concept: Concept) -> None:
    if not concept.tests:
        raise SystemExit(f"side_by_side: {concept.name} names no parity test")
    for test in concept.tests:
        path, _, name = test.partition("::")
        if name not in tests_in(path):
            raise SystemExit(f"side_by_side: {concept.name}: {test} does not exist (renamed or removed?)")


def docs_url(name: str) -> str:
    """The page of torch's documentation for ``name`` (torch.utils.data has one page for everything)."""
    if name.startswith("torch.utils.data."):
        return f"{TORCH_DOCS}data.html#{name}"
    return f"{TORCH_DOCS}generated/{name}.html"


# ---- rendering ----------------------------------------------------------------------------------
def anchor(name: str) -> str:
    """GitHub's heading anchor."""
    return re.sub(r"[^\w\- ]", "", name.lower()).replace(" ", "-")


def code_blocks(blocks: Sequence[tuple[str, str]]) -> str:
    """For each file: a link to it, then its code in one fenced block (consecutive pieces of a file together)."""
    parts = []
    for file, group in itertools.groupby(blocks, key=lambda block: block[0]):
        if file:
            parts.append(f"[`{file}`](../{file})")
        code = "\n\n\n".join(code for _, code in group)
        parts.append(f"```python\n{code}\n```")
    return "\n\n".join(parts)


def side_by_side(left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]) -> list[str]:
    """The scratch code beside (or above) the torch code; blank lines keep GitHub reading Markdown inside HTML."""
    if LAYOUT == "stacked":
        return [f"**{LEFT}**", "", code_blocks(left), "", f"**{RIGHT}**", "", code_blocks(right), ""]
    cells = [f'<td valign="top">\n\n{code_blocks(blocks)}\n\n</td>' for blocks in (left, right)]
    return ["<table>", f"<tr><th>{LEFT}</th><th>{RIGHT}</th></tr>", "<tr>", *cells, "</tr>", "</table>", ""]


def torch_blocks(concept: Concept) -> list[tuple[str, str]]:
    blocks = [(path_of(s.ref), source_of(s)) for s in concept.torch]
    if concept.torch_code:
        blocks.append(("", textwrap.dedent(concept.torch_code).strip()))
    if not blocks:
        raise SystemExit(f"side_by_side: {concept.name} shows nothing on the torch side")
    return blocks


def validate(concepts: Sequence[Concept]) -> None:
    """Fail loudly, before any probe runs, on a table entry that no longer matches the code."""
    names = [c.name for c in concepts]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SystemExit(f"side_by_side: concept names must be unique, repeated: {duplicates}")
    groups = [c.group for i, c in enumerate(concepts) if i == 0 or c.group != concepts[i - 1].group]
    if len(groups) != len(set(groups)):
        raise SystemExit(f"side_by_side: keep the concepts of a group together, got the groups in order {groups}")
    for concept in concepts:
        check_tests(concept)
        for name in concept.torch_api:
            try:
                resolve(name.replace("torch.", "torch:", 1))
            except (ImportError, AttributeError) as error:
                raise SystemExit(f"side_by_side: {concept.name}: torch has no {name}") from error


def section(concept: Concept) -> str:
    api = ", ".join(f"[`{name}`]({docs_url(name)})" for name in concept.torch_api)
    formula = "\n\n".join(formula_of(doc) for doc in concept.formula)
    tests = ", ".join(f"[`{t.removeprefix('parity_tests/')}`](../{t.partition('::')[0]})" for t in concept.tests)
    scratch_blocks = [(path_of(s.ref), source_of(s)) for s in concept.scratch]
    return "\n".join(
        [
            f"### {concept.name}",
            "",
            f"```text\n{formula}\n```",
            "",
            f"- **PyTorch:** {api}" if api else "- **PyTorch:** see the right-hand column",
            f"- **Proved equal by:** {tests}",
            f"- **Agreement** ({concept.probed}): float64 {claim(concept, 'float64')}, "
            f"float32 {claim(concept, 'float32')}",
            "",
            *side_by_side(scratch_blocks, torch_blocks(concept)),
        ]
    )


INTRO = f"""\
# The two implementations, side by side

Generated from the code by `{COMMAND}`; do not edit it by hand (CI runs `{COMMAND} --check`).

Each concept shows its formula (from the scratch docstring), the scratch code (left, extracted from the source;
a `# not shown:` line names the methods left out, mostly input checks) beside the PyTorch code or call (right),
the parity tests that prove the two equal, and how closely a small fixed-seed probe agrees, in float64 and
float32: the largest |scratch − torch| / max(1, |torch|) over every number it compares (the measure of the
parity report). "bit-exact" means every number is identical, on any machine: it is claimed only where the
computation is exactly rounded arithmetic, with no sum, matrix product or transcendental function whose rounding
depends on the CPU or the BLAS. Everywhere else the claim is a bound of a few units in the last place,
< {power(BOUND["float64"])} in float64 and < {power(BOUND["float32"])} in float32, since the last bits move
between machines (AVX-512 or AVX2 kernels, MKL or OpenBLAS). `{COMMAND} --check` runs every probe and fails
when one misses its claim; CI runs it on the machine's own CPU and again as an AVX2 machine. The parity report
(`parity_report.md`, written by the test run) has the worst differences this machine measured over all test cases.
"""


def render(
    concepts: Sequence[Concept], measure: Callable[[Callable[[Any], None]], dict[str, tuple[float, bool]]]
) -> str:
    """The page; every probe is run first and must meet its claim."""
    validate(concepts)
    for concept in concepts:
        verify(concept, measure(concept.probe))
    rows = ["| concept | float64 | float32 | parity tests |", "|---|---|---|---|"]
    rows += [
        f"| [{c.name}](#{anchor(c.name)}) | {claim(c, 'float64')} | {claim(c, 'float32')} | "
        + ", ".join(f"`{t.partition('::')[2]}`" for t in c.tests)
        + " |"
        for c in concepts
    ]
    out = [INTRO, "\n".join(rows), ""]
    group = None
    for concept in concepts:
        if concept.group != group:
            group = concept.group
            out += [f"## {group}", ""]
        out.append(section(concept))
    return "\n".join(out).rstrip() + "\n"
