"""The Python snippets of ``docs/readme/frameworks.md`` run as written (on the offline mock)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "readme" / "frameworks.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_snippets() -> None:
    assert len(SNIPPETS) == 2


@pytest.mark.parametrize("snippet", SNIPPETS, ids=["langchain", "pydantic-ai"])
def test_snippet_runs(snippet: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(snippet, str(DOC), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip()
