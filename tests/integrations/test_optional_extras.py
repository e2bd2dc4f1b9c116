"""The integrations are optional extras: the core never imports them, and importing one without its framework
says which extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_import_modelmux_loads_no_framework() -> None:
    code = "import modelmux, modelmux.integrations; modelmux.completion; modelmux.types"
    result = run(code, "-X", "importtime")
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "modelmux" in imported
    assert not imported & {"langchain", "langchain_core", "pydantic_ai", "langgraph"}


@pytest.mark.parametrize(
    ("integration", "framework", "extra"),
    [("langchain", "langchain_core", "langchain"), ("pydantic_ai", "pydantic_ai", "pydantic-ai")],
)
def test_missing_framework_names_the_extra(integration: str, framework: str, extra: str) -> None:
    code = f"import sys; sys.modules[{framework!r}] = None; import modelmux.integrations.{integration}"
    result = run(code)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:")
    assert f"'{extra}' extra" in last and f".[{extra}]" in last
