"""The output of :func:`modelmux.rerank`: the shape LiteLLM's ``rerank()`` returns (Cohere's, with the
documents echoed back when asked), a pydantic model that keeps unknown fields like the others in
:mod:`modelmux.types`."""

from __future__ import annotations

from typing import Any

from .types import _Costed, _Model

__all__ = ["RerankResponse", "RerankResult"]


class RerankResult(_Model):
    """One document's place: its ``index`` in the request's ``documents``, and its score (0..1, higher is
    more relevant). ``document`` is ``{"text": ...}`` when ``return_documents`` was set."""

    index: int
    relevance_score: float
    document: dict[str, Any] | None = None


class RerankResponse(_Costed, _Model):
    """``results`` ordered by decreasing relevance (at most ``top_n``); ``meta`` as the provider sent it
    (Cohere: ``api_version``, ``billed_units.search_units``)."""

    id: str | None = None
    results: list[RerankResult]
    meta: dict[str, Any] | None = None
