from __future__ import annotations

import subprocess
import sys

import modelmux


def test_all_is_sorted_and_complete() -> None:
    assert modelmux.__all__ == sorted(modelmux.__all__)
    for name in modelmux.__all__:
        assert hasattr(modelmux, name), name


def test_import_is_lazy_and_offline() -> None:
    code = (
        "import sys, modelmux;"
        "heavy = [m for m in ('tiktoken', 'jinja2', 'modelmux.providers.anthropic', 'modelmux.providers.gemini')"
        " if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
