"""What a newcomer meets first: every README Python snippet at least compiles and names only what modelmux has, no
message tells anyone to install the unrelated ``modelmux`` from PyPI, and the LiteLLM table's snippets run."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

import modelmux

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
SECTION = ROOT / "README.md"  # its "Coming from LiteLLM" section


def _python_blocks(path: Path, section: str | None = None) -> list[str]:
    text = path.read_text("utf-8")
    if section is not None:
        start = text.index(section)
        text = text[start : text.index("\n## ", start)]
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


LITELLM = "## Coming from LiteLLM"


@pytest.mark.parametrize("block", _python_blocks(README), ids=lambda b: b.splitlines()[0][:40])
def test_every_readme_snippet_compiles_and_names_what_modelmux_has(block: str) -> None:
    tree = ast.parse(block)  # a syntax error in the README fails here
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "modelmux"
    }
    assert all(hasattr(modelmux, name) for name in used), sorted(n for n in used if not hasattr(modelmux, n))


@pytest.mark.parametrize("block", _python_blocks(SECTION, LITELLM), ids=lambda b: b.splitlines()[0][:40])
def test_the_litellm_section_snippets_run(block: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block, str(SECTION), "exec"), {"__name__": "readme"})


def test_the_litellm_section_has_runnable_snippets() -> None:
    assert len(_python_blocks(SECTION, LITELLM)) >= 2


#: ``pip install modelmux``, ``pip install 'modelmux[server]'``…: the PyPI name belongs to another project.
_FROM_PYPI = re.compile(r"pip install\s+['\"]?modelmux\b")


def test_nothing_tells_users_to_install_modelmux_from_pypi() -> None:
    files = [README, *(ROOT / "docs").rglob("*.md"), *(ROOT / "src").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in files if _FROM_PYPI.search(p.read_text("utf-8"))]
    assert offenders == []
