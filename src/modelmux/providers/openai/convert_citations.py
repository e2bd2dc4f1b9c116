"""Perplexity's sources → OpenAI ``url_citation`` annotations on the message.

Perplexity answers (docs.perplexity.ai, "Chat Completions" response: ``citations``, ``search_results``) carry
the sources at the top level of the answer (and of every stream chunk): ``citations`` is a list of URLs and
``search_results`` a list of ``{"title", "url", "date", ...}`` in the same order; the text cites source *n*
with a ``[n]`` marker (1-based). OpenAI puts sources on the message as annotations
(platform.openai.com, "Web search": ``{"type": "url_citation", "url_citation": {"url", "title",
"start_index", "end_index"}}``).

Each ``[n]`` marker becomes an annotation spanning the marker. A source the text never marks becomes one
spanning the whole text: it supports the answer, but no place in it. The native fields stay on the answer.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["add_annotations", "add_url_citations", "has_sources", "sources_of", "url_citations"]

_MARKER = re.compile(r"\[(\d{1,4})\]")


def has_sources(extra: dict[str, Any] | None) -> bool:
    """Whether a top-level answer (or chunk) extra holds Perplexity sources."""
    if not extra:
        return False
    return isinstance(extra.get("search_results"), list) or isinstance(extra.get("citations"), list)


def sources_of(extra: dict[str, Any]) -> list[tuple[str, str]]:
    """``(url, title)`` per source, in citation order; ``search_results`` give titles, ``citations`` URLs."""
    citations = extra.get("citations")
    results = extra.get("search_results")
    urls = [c if isinstance(c, str) else "" for c in citations] if isinstance(citations, list) else []
    found = [r if isinstance(r, dict) else {} for r in results] if isinstance(results, list) else []
    sources = []
    for i in range(max(len(urls), len(found))):
        result = found[i] if i < len(found) else {}
        url = result.get("url") if isinstance(result.get("url"), str) else None
        url = url or (urls[i] if i < len(urls) else "")
        title = result.get("title") if isinstance(result.get("title"), str) else None
        sources.append((url, title or url))
    return sources


def url_citations(content: str, sources: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The annotations for ``content`` citing ``sources`` (see the module docstring)."""
    if not sources:
        return []
    out: list[dict[str, Any]] = []
    marked: set[int] = set()
    for match in _MARKER.finditer(content):
        n = int(match.group(1))
        if 1 <= n <= len(sources):
            marked.add(n)
            out.append(_annotation(sources[n - 1], match.start(), match.end()))
    for n, source in enumerate(sources, 1):
        if n not in marked and source[0]:
            out.append(_annotation(source, 0, len(content)))
    return out


def _annotation(source: tuple[str, str], start: int, end: int) -> dict[str, Any]:
    url, title = source
    return {
        "type": "url_citation",
        "url_citation": {"url": url, "title": title, "start_index": start, "end_index": end},
    }


def add_annotations(obj: Any, annotations: list[dict[str, Any]]) -> None:
    """Append ``annotations`` to a validated message's (or delta's) ``annotations`` extra field."""
    if not annotations:
        return
    extra = obj.__pydantic_extra__
    if extra is None:
        extra = obj.__pydantic_extra__ = {}
    existing = extra.get("annotations")
    extra["annotations"] = [*existing, *annotations] if isinstance(existing, list) else annotations


def add_url_citations(result: Any) -> None:
    """On a validated ``ChatCompletion``: its top-level sources as annotations on every choice's message."""
    extra = result.__pydantic_extra__
    if not has_sources(extra):
        return
    sources = sources_of(extra)
    for choice in result.choices:
        add_annotations(choice.message, url_citations(choice.message.content or "", sources))
