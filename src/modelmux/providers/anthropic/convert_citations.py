"""Anthropic text ``citations`` → OpenAI ``message.annotations``.

Anthropic attaches citations to a whole text block
(https://platform.claude.com/docs/en/build-with-claude/citations and the web search tool's page); OpenAI
marks spans of ``message.content`` with ``url_citation`` annotations
(https://platform.openai.com/docs/api-reference/chat/object). Each URL citation becomes
``{"type": "url_citation", "url_citation": {"url", "title", "start_index", "end_index"}}`` spanning its
block's text within the final content string (indices count Python characters, i.e. code points):

* ``web_search_result_location`` → its ``url`` and ``title``;
* ``search_result_location`` whose ``source`` is an http(s) URL → that URL and its ``title``.

Citations of documents the caller sent (``char_location``, ``page_location``, ``content_block_location``,
and search results whose source is not a URL) have no URL and OpenAI has no annotation type for them: they
are not turned into annotations, and stay, complete, on their text block in ``message.content_blocks``
(see :mod:`.native_blocks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["url_annotations"]


def url_annotations(citations: Iterable[Any], start: int, end: int) -> list[dict[str, Any]]:
    """The ``url_citation`` annotations for one text block spanning ``content[start:end]``."""
    out: list[dict[str, Any]] = []
    for citation in citations:
        if not isinstance(citation, Mapping):
            continue
        kind = citation.get("type")
        url = citation.get("url") if kind == "web_search_result_location" else None
        if kind == "search_result_location" and str(citation.get("source") or "").startswith(("http://", "https://")):
            url = citation["source"]
        if isinstance(url, str) and url:
            title = citation.get("title")
            out.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "url": url,
                        "title": title if isinstance(title, str) else "",
                        "start_index": start,
                        "end_index": end,
                    },
                }
            )
    return out
