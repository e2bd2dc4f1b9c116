"""``rerank()`` and ``arerank()``: order documents by relevance to a query, in the shape LiteLLM's
``rerank()`` returns (``id``, ``results: [{index, relevance_score, document?}]``, ``meta``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from . import _call
from ._attempts import Cacheable, arun_operation, run_operation
from ._registry import resolve
from .cost.billing import stamp_billing
from .errors import BadRequestError
from .providers._base import Operation
from .types_rerank import RerankResponse

__all__ = ["MAX_RERANK_DOCUMENTS", "RERANK", "arerank", "rerank"]

#: The rerank operation: a provider offers it with ``build_rerank_request`` / ``parse_rerank_response``.
RERANK = Operation("rerank", "rerank")
#: Documents in one request, a bound on the request's size (Cohere advises at most 1,000 per request,
#: https://docs.cohere.com/reference/rerank).
MAX_RERANK_DOCUMENTS = 10_000

RerankDocument = str | Mapping[str, Any]

#: This operation's entries in a ``modelmux.Cache`` (``cache.entries``).
_cache_kind = "rerank"


def _arguments(query: Any, documents: Any, top_n: Any, max_tokens_per_doc: Any) -> dict[str, Any]:
    """What callbacks see of the request in ``event.kwargs``."""
    out = {"query": query, "documents": documents, "top_n": top_n, "max_tokens_per_doc": max_tokens_per_doc}
    return {k: v for k, v in out.items() if v is not None}


def _check(query: Any, documents: Any, top_n: Any, max_tokens_per_doc: Any) -> dict[str, Any]:
    if not isinstance(query, str) or not query:
        raise BadRequestError("query must be a non-empty string", param="query")
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence) or not documents:
        raise BadRequestError("documents must be a non-empty list of strings or dicts", param="documents")
    if len(documents) > MAX_RERANK_DOCUMENTS:
        raise BadRequestError(
            f"documents has {len(documents)} items; at most {MAX_RERANK_DOCUMENTS} in one request", param="documents"
        )
    for i, document in enumerate(documents):
        if not isinstance(document, (str, Mapping)):
            raise BadRequestError(
                f"documents[{i}] is a {type(document).__name__}; a string or a dict is expected", param="documents"
            )
    params: dict[str, Any] = {"query": query, "documents": list(documents)}
    for name, value in (("top_n", top_n), ("max_tokens_per_doc", max_tokens_per_doc)):
        if value is None:
            continue
        if type(value) is not int or value < 1:
            raise BadRequestError(f"{name} must be a positive integer", param=name)
        params[name] = value
    return params


def _prepare(
    model: str, query: Any, documents: Any, top_n: Any, return_documents: bool, max_tokens_per_doc: Any,
    options: dict[str, Any],
) -> _call.Call:  # fmt: skip
    params = _check(query, documents, top_n, max_tokens_per_doc)
    params["return_documents"] = bool(return_documents)
    return _call.open_call(resolve(model), params, options, operation=RERANK)


def rerank(
    model: str,
    query: str,
    documents: Sequence[RerankDocument],
    *,
    top_n: int | None = None,
    return_documents: bool = True,
    max_tokens_per_doc: int | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> RerankResponse:
    """Rank ``documents`` by relevance to ``query`` (e.g. ``model="cohere/rerank-v3.5"``).

    Args:
        documents: strings, or dicts (sent as ``key: value`` lines; ``{"text": ...}`` as its text).
        top_n: return only the ``top_n`` most relevant (default: all).
        return_documents: echo each result's document as ``{"text": ...}`` (LiteLLM's default, True).
        max_tokens_per_doc: truncate long documents to this many tokens (Cohere's default 4,096).
        **provider_options: also ``num_retries=`` and ``fallbacks=`` (as for ``completion()``), and ``cache=`` (a
            :class:`modelmux.Cache`: the same query and documents to the same model answer from it).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without rerank.
    """
    options = _call.gather(locals(), "model", "query", "documents", "top_n", "return_documents", "max_tokens_per_doc")

    def once(m: str, o: dict[str, Any]) -> RerankResponse:
        call = _prepare(m, query, documents, top_n, return_documents, max_tokens_per_doc, o)
        result: RerankResponse = _call.execute(call, RERANK)
        return stamp_billing(result, call.ctx.provider, call.ctx.model)  # the answer does not name its model

    def prepare(m: str, o: dict[str, Any]) -> _call.Call:
        return _prepare(m, query, documents, top_n, return_documents, max_tokens_per_doc, o)

    return run_operation(
        "rerank", model, options, once, arguments=_arguments(query, documents, top_n, max_tokens_per_doc),
        cacheable=Cacheable(_cache_kind, prepare),
    )  # fmt: skip


async def arerank(
    model: str,
    query: str,
    documents: Sequence[RerankDocument],
    *,
    top_n: int | None = None,
    return_documents: bool = True,
    max_tokens_per_doc: int | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> RerankResponse:
    """The async twin of :func:`rerank`. Same arguments."""
    options = _call.gather(locals(), "model", "query", "documents", "top_n", "return_documents", "max_tokens_per_doc")

    async def once(m: str, o: dict[str, Any]) -> RerankResponse:
        call = _prepare(m, query, documents, top_n, return_documents, max_tokens_per_doc, o)
        result: RerankResponse = await _call.aexecute(call, RERANK)
        return stamp_billing(result, call.ctx.provider, call.ctx.model)

    def prepare(m: str, o: dict[str, Any]) -> _call.Call:
        return _prepare(m, query, documents, top_n, return_documents, max_tokens_per_doc, o)

    return await arun_operation(
        "rerank", model, options, once, arguments=_arguments(query, documents, top_n, max_tokens_per_doc),
        cacheable=Cacheable(_cache_kind, prepare),
    )  # fmt: skip
