"""Embeddings through ``POST /api/embed`` (docs.ollama.com/api/embed): ``input`` a string or a list of
strings, optional ``dimensions``, ``truncate``, ``keep_alive`` and ``options``; the answer's ``embeddings``
are in input order, ``prompt_eval_count`` its token count."""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from ...types import EmbeddingResponse
from .._base import CallContext, HttpRequest
from .._shapes import make_embedding_response
from .build_request import headers
from .convert_params import merge_native
from .settings import native_url

__all__ = ["build_embed_request", "parse_embed_response"]


def build_embed_request(params: dict[str, Any], ctx: CallContext) -> HttpRequest:
    text = params["input"]
    if not isinstance(text, str) and not all(isinstance(item, str) for item in text):
        ctx.unsupported("input", "Ollama embeds text only, not token ids")
        text = [item for item in text if isinstance(item, str)]
    body: dict[str, Any] = {"model": ctx.model, "input": text}
    if params.get("dimensions") is not None:
        body["dimensions"] = params["dimensions"]
    if params.get("user") is not None:
        ctx.unsupported("user", "Ollama's /api/embed has no user field")
    merge_native(body, ctx.extra_body)
    return HttpRequest("POST", native_url(ctx.api_base, "embed"), headers(ctx), body)


def parse_embed_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    doc = from_json(body)
    if isinstance(doc, dict) and "data" in doc:  # an OpenAI-shaped answer (the /v1 route)
        return EmbeddingResponse.model_validate(doc)
    vectors = doc["embeddings"]
    if not isinstance(vectors, list) or not all(isinstance(v, list) for v in vectors):
        raise ValueError("embeddings is not a list of vectors")
    return make_embedding_response(
        vectors,
        model=str(doc.get("model") or ctx.model),
        prompt_tokens=int(doc.get("prompt_eval_count") or 0),
        encoding_format=params.get("encoding_format"),
    )
