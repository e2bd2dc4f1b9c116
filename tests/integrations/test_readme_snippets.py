"""The Python snippets of the README's framework-backends section run as written (on the offline mock)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "README.md"
_README = DOC.read_text(encoding="utf-8")
_START = _README.index("## Framework backends")
SECTION = _README[_START : _README.index("\n## ", _START)]
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, flags=re.S)


def test_the_doc_has_snippets() -> None:
    assert len(SNIPPETS) == 2


@pytest.mark.parametrize("snippet", SNIPPETS, ids=["langchain", "pydantic-ai"])
def test_snippet_runs(snippet: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(snippet, str(DOC), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip()
