"""The README's Python snippets that use the offline mock run as written, each on its own."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import modelmux

README = Path(__file__).parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.DOTALL)


def _code(block: str) -> str:
    return "\n".join(line.split("  # ")[0] for line in block.splitlines())


#: The blocks whose code (comments aside) uses the mock: they need no key and no network, so they must run. A block
#: that calls a running gateway (``modelmux serve`` on 127.0.0.1:8000) is left to tests/e2e, which drive the gateway
#: with the same clients.
MOCK_BLOCKS = [b for b in BLOCKS if ("mock/" in _code(b) or "mock_" in _code(b)) and "127.0.0.1:8000" not in _code(b)]


def test_the_readme_has_mock_snippets() -> None:
    assert len(MOCK_BLOCKS) >= 3  # the agent loop, scripts, JSON mode (if one is removed, this says so)


@pytest.mark.parametrize("block", MOCK_BLOCKS, ids=[f"block{i}" for i in range(len(MOCK_BLOCKS))])
def test_mock_snippet_runs(block: str) -> None:
    out = io.StringIO()
    before = modelmux.callbacks.registered()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    finally:  # a snippet that registers a process-wide handler must not leave it to the tests after it
        for handler in modelmux.callbacks.registered():
            if handler not in before:
                modelmux.callbacks.unregister(handler)


def test_the_readme_never_installs_the_unrelated_pypi_modelmux() -> None:
    text = README.read_text("utf-8")
    assert not re.search(r"pip install\s+['\"]?modelmux\b", text)
    assert "pip install ." in text
