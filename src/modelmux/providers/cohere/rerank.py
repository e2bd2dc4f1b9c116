"""``modelmux.rerank()`` over Cohere's ``/v2/rerank`` (https://docs.cohere.com/reference/rerank).

Request ``{"model", "query", "documents": [str, ...], "top_n", "max_tokens_per_doc"}``; answer
``{"id", "results": [{"index", "relevance_score"}], "meta"}``, most relevant first.

Decisions:

* Cohere v2 ranks strings. A document given as a dict (LiteLLM accepts them) is sent as its ``text`` when
  that is its only field, else as YAML-like ``key: value`` lines (what Cohere recommends for structured
  documents, https://docs.cohere.com/docs/rerank-overview); nested values are JSON.
* v2 no longer echoes documents; ``return_documents=True`` (LiteLLM's default) adds
  ``document: {"text": <the string sent>}`` to each result here, from the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...types_rerank import RerankResponse
from .._base import CallContext

__all__ = ["build_rerank_body", "document_text", "parse_rerank_response"]


def document_text(document: Any) -> str:
    """The string Cohere ranks for one document."""
    if isinstance(document, str):
        return document
    if isinstance(document, Mapping):
        if set(document) == {"text"} and isinstance(document["text"], str):
            return document["text"]
        return "\n".join(
            f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
            for key, value in document.items()
        )
    return json.dumps(document, ensure_ascii=False)


def build_rerank_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": ctx.model,
        "query": params["query"],
        "documents": [document_text(d) for d in params["documents"]],
    }
    for name in ("top_n", "max_tokens_per_doc"):
        if params.get(name) is not None:
            body[name] = params[name]
    body.update(ctx.extra_body)
    return body


def parse_rerank_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> RerankResponse:
    data = json.loads(body)
    documents = params["documents"]
    results = []
    for item in data["results"]:
        index = int(item["index"])
        if not 0 <= index < len(documents):
            raise ValueError(f"rerank result index {index} is not one of the {len(documents)} documents")
        result: dict[str, Any] = {"index": index, "relevance_score": float(item["relevance_score"])}
        if params.get("return_documents", True):
            result["document"] = {"text": document_text(documents[index])}
        results.append(result)
    return RerankResponse.model_validate({"id": data.get("id"), "results": results, "meta": data.get("meta")})
