"""Cohere ``citations`` → OpenAI ``message.annotations``.

Cohere cites spans of its answer (https://docs.cohere.com/docs/documents-and-citations): each citation has
``start``/``end`` (character offsets into one content block, ``content_index``), the cited ``text``, a
``type`` (``TEXT_CONTENT``, ``THINKING_CONTENT``, ``PLAN``) and ``sources`` (``document`` sources: the
caller's documents, ``{"id", "document": {...the document's fields}}``; ``tool`` sources: a tool result,
``{"id": "<call id>:<n>", "tool_output": {...}}``).

OpenAI has one annotation type, ``url_citation`` (https://platform.openai.com/docs/api-reference/chat/object),
and its SDK rejects any other, so every cited source of an answer-text citation becomes one::

    {"type": "url_citation", "url_citation": {"url", "title", "start_index", "end_index",
                                              "source_type", "source_id", "cited_text"}}

* ``start_index``/``end_index`` are offsets into the final ``message.content`` (the block's offset added);
* a source whose fields carry an http(s) ``url`` keeps it, with its ``title`` when it has one;
* a source without a URL (a plain document, a tool result) gets a reference instead of a link:
  ``url`` = ``"document:<id>"`` or ``"tool:<id>"`` (the id the caller gave the document, or the tool
  call id with Cohere's ``:<n>`` result suffix), ``title`` = the document's ``title`` else its id;
* ``source_type``, ``source_id`` and ``cited_text`` are extra keys (allowed by OpenAI's types) so nothing
  Cohere said is lost.

Citations of thinking text or of the tool plan are not spans of ``content``: they are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["citation_annotations"]

_CONTENT_TYPES = frozenset({"TEXT_CONTENT", ""})


def _fields(source: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in ("document", "tool_output"):
        value = source.get(key)
        if isinstance(value, Mapping):
            return value
    return {}


def _annotation(source: Mapping[str, Any], start: int, end: int, text: str) -> dict[str, Any]:
    kind = str(source.get("type") or "document")
    source_id = str(source.get("id") or "")
    fields = _fields(source)
    url = fields.get("url")
    title = fields.get("title")
    if not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        url = f"{kind}:{source_id}"
    return {
        "type": "url_citation",
        "url_citation": {
            "url": url,
            "title": title if isinstance(title, str) and title else source_id,
            "start_index": start,
            "end_index": end,
            "source_type": kind,
            "source_id": source_id,
            "cited_text": text,
        },
    }


def citation_annotations(citations: Iterable[Any], offset: int) -> list[dict[str, Any]]:
    """The annotations for citations of one text block that starts at ``content[offset]``."""
    out: list[dict[str, Any]] = []
    for citation in citations:
        if not isinstance(citation, Mapping) or str(citation.get("type") or "") not in _CONTENT_TYPES:
            continue
        start, end = citation.get("start"), citation.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        text = citation.get("text")
        for source in citation.get("sources") or ():
            if isinstance(source, Mapping):
                out.append(_annotation(source, offset + start, offset + end, text if isinstance(text, str) else ""))
    return out
