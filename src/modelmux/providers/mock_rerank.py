"""The offline mock's rerank: documents ordered by the words they share with the query, deterministically.

A document's score is the share of the query's distinct words it contains (0..1), nudged by a hash of the
document so ties keep one order; dict documents are read as Cohere reads them (``text``, else ``key: value``
lines). ``mock_response=`` gives the scores (one per document, in request order) or a whole response.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ..errors import BadRequestError
from ..types_rerank import RerankResponse
from ._base import CallContext
from .mock_operations import raise_if_error

__all__ = ["mock_rerank"]

_WORD = re.compile(r"\w+")


def _text(document: Any) -> str:
    if isinstance(document, Mapping):
        if isinstance(document.get("text"), str):
            return str(document["text"])
        return "\n".join(f"{key}: {value}" for key, value in document.items())
    return str(document)


def _score(query_words: set[str], text: str) -> float:
    words = set(_WORD.findall(text.lower()))
    share = len(query_words & words) / len(query_words) if query_words else 0.0
    nudge = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:2], "big") / 65536 / 1000
    return round(min(1.0, share * 0.998 + nudge), 6)


def mock_rerank(params: dict[str, Any], ctx: CallContext) -> RerankResponse:
    raise_if_error(ctx)
    documents = params["documents"]
    given = ctx.extra_body.get("mock_response")
    if isinstance(given, Mapping):
        return RerankResponse.model_validate(given)
    if isinstance(given, RerankResponse):
        return given
    if given is not None:
        if (
            not isinstance(given, (list, tuple))
            or len(given) != len(documents)
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in given)
        ):
            raise BadRequestError(
                f"mock_response: give one score per document ({len(documents)})", provider="mock", param="mock_response"
            )
        scores = [float(s) for s in given]
    else:
        query_words = set(_WORD.findall(params["query"].lower()))
        scores = [_score(query_words, _text(d)) for d in documents]
    order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))[: params.get("top_n") or len(documents)]
    results = [
        {
            "index": i,
            "relevance_score": scores[i],
            **({"document": {"text": _text(documents[i])}} if params.get("return_documents") else {}),
        }
        for i in order
    ]
    meta = {"billed_units": {"search_units": 1}}
    return RerankResponse.model_validate({"id": f"rerank-mock-{ctx.model}", "results": results, "meta": meta})
