"""Perplexity's sources in a stream → ``url_citation`` annotations on the last delta of each choice.

Perplexity repeats ``citations`` / ``search_results`` on the stream's chunks (docs.perplexity.ai, "Streaming
responses"); the ``[n]`` markers are only all known once a choice's text is complete. So the text is kept per
choice, and the annotations (:mod:`.convert_citations`) ride on the delta that carries the choice's
``finish_reason``; a choice whose sources came only after that gets them in one more chunk at the end.
Accumulated, the stream then equals the non-streamed answer.
"""

from __future__ import annotations

from ...types import ChatCompletionChunk
from .convert_citations import add_annotations, has_sources, sources_of, url_citations

__all__ = ["StreamCitations"]


class StreamCitations:
    """Per stream: the latest sources and each choice's text so far."""

    __slots__ = ("_annotated", "_last", "_sources", "_text")

    def __init__(self) -> None:
        self._sources: list[tuple[str, str]] = []
        self._text: dict[int, list[str]] = {}
        self._annotated: set[int] = set()
        self._last: ChatCompletionChunk | None = None

    def feed(self, chunk: ChatCompletionChunk) -> None:
        """Note the chunk's sources and text; annotate the delta of a choice that finishes here."""
        extra = chunk.__pydantic_extra__
        if has_sources(extra):
            assert extra is not None
            self._sources = sources_of(extra)
        for choice in chunk.choices:
            text = self._text.setdefault(choice.index, [])
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason is not None and self._sources and choice.index not in self._annotated:
                self._annotated.add(choice.index)
                add_annotations(choice.delta, url_citations("".join(text), self._sources))
        self._last = chunk

    def finish(self, model: str) -> list[ChatCompletionChunk]:
        """One more chunk for the choices whose sources came after their last delta (none usually)."""
        last = self._last
        if not self._sources or last is None:
            return []
        choices = []
        for index, text in self._text.items():
            if index in self._annotated:
                continue
            annotations = url_citations("".join(text), self._sources)
            if annotations:
                choices.append({"index": index, "delta": {"annotations": annotations}})
        if not choices:
            return []
        head = {"id": last.id, "created": last.created, "model": last.model or model}
        return [ChatCompletionChunk.model_validate({**head, "choices": choices})]
