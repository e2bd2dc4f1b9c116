"""Shared fixtures for the conformance tests, plus a per-provider-class corpus summary."""

from __future__ import annotations

from collections import Counter

import pytest

from .cassette import CASSETTES_ROOT, iter_cassettes, load_cassette


def corpus_summary() -> list[str]:
    """One line per provider class: files, interactions, chat / stream / gzip / error interactions."""
    counts: dict[str, Counter[str]] = {}
    for path in iter_cassettes(CASSETTES_ROOT):
        c = counts.setdefault(path.parent.name, Counter())
        c["files"] += 1
        for it in load_cassette(path):
            c["interactions"] += 1
            c["chat"] += it.is_chat
            c["stream"] += it.is_chat and it.is_stream
            c["gzip"] += it.content_encoding is not None
            c["error"] += it.status >= 400
    cols = ("files", "interactions", "chat", "stream", "gzip", "error")
    lines = [f"{'provider class':28}" + "".join(f"{c:>13}" for c in cols)]
    for name, c in sorted(counts.items()):
        lines.append(f"{name:28}" + "".join(f"{c[k]:>13}" for k in cols))
    total: Counter[str] = sum(counts.values(), Counter())
    lines.append(f"{'TOTAL':28}" + "".join(f"{total[k]:>13}" for k in cols))
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASSETTES_ROOT.is_dir():
        return
    terminalreporter.section("conformance cassettes per provider class")
    for line in corpus_summary():
        terminalreporter.write_line(line)
