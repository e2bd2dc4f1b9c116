"""OpenAI embeddings over Cohere's ``/v2/embed`` (https://docs.cohere.com/reference/embed).

Request ``{"model", "texts": [...], "input_type", "embedding_types": ["float"]}``; ``dimensions`` →
``output_dimension``, sent as given: embed-v4.0 takes 256, 512, 1024 or 1536, Embed 5 (``embed-v5.0-pro``/``-fast``)
also 768 and 2048, its default (docs.cohere.com/docs/models); the size is not checked here. The answer
``{"embeddings": {"float": [[...], ...]}, "meta": {"billed_units": {"input_tokens"}}}`` keeps the input order.

Decisions:

* ``input_type`` is required by Cohere's v3+ models and has no OpenAI equivalent: it defaults to
  ``"search_document"`` (what LiteLLM sends, and right for indexing); pass ``input_type="search_query"``
  (or ``classification``, ``clustering``) as a keyword argument for queries.
* ``embedding_types`` defaults to ``["float"]``. A caller may ask for others (``int8``, ``uint8``,
  ``binary``, ``ubinary``); the vectors returned are the ``float`` ones when there are any, else the first
  of ``int8``, ``uint8``, ``binary``, ``ubinary`` present (integers, as numbers).
  ``encoding_format="base64"`` is encoded here from the floats (little-endian float32, as OpenAI does).
* ``usage.prompt_tokens`` is ``meta.billed_units.input_tokens`` (the only count Cohere gives for embed);
  without it, an ``o200k_base`` estimate (:mod:`modelmux.tokens`).
* Token-id inputs cannot be expressed (Cohere embeds text): ``BadRequestError``. ``user``:
  ``ctx.unsupported``.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import BadRequestError
from ...types import EmbeddingResponse
from .._base import CallContext
from .._shapes import make_embedding_response

__all__ = ["DEFAULT_INPUT_TYPE", "build_embedding_body", "parse_embedding_response"]

DEFAULT_INPUT_TYPE = "search_document"
_NUMERIC_TYPES = ("float", "int8", "uint8", "binary", "ubinary")


def _texts(params: dict[str, Any]) -> list[str]:
    value = params["input"]
    texts: list[str] = [value] if isinstance(value, str) else value
    return texts


def build_embedding_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    texts = _texts(params)
    if not all(isinstance(t, str) for t in texts):
        raise BadRequestError(
            "cohere embeds text only: token ids (lists of ints) cannot be sent; pass strings",
            provider=ctx.provider,
            model=ctx.model,
            param="input",
        )
    if "user" in params:
        ctx.unsupported("user", "Cohere has no end-user field")
    body: dict[str, Any] = {
        "model": ctx.model,
        "texts": texts,
        "input_type": DEFAULT_INPUT_TYPE,
        "embedding_types": ["float"],
    }
    if "dimensions" in params:
        body["output_dimension"] = params["dimensions"]
    body.update(ctx.extra_body)
    return body


def _vectors(embeddings: Any) -> list[list[float]]:
    if isinstance(embeddings, list):  # the v1 "embeddings_floats" answer shape
        return [[float(v) for v in row] for row in embeddings]
    if not isinstance(embeddings, dict):
        raise ValueError("a Cohere embed answer has 'embeddings'")
    for kind in _NUMERIC_TYPES:
        rows = embeddings.get(kind)
        if isinstance(rows, list):
            return [[float(v) for v in row] for row in rows]
    raise ValueError(f"no numeric embeddings in the answer (got {sorted(embeddings)})")


def parse_embedding_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    data = json.loads(body)
    vectors = _vectors(data["embeddings"])
    texts = _texts(params)
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} embeddings for {len(texts)} inputs")
    billed = ((data.get("meta") or {}).get("billed_units") or {}).get("input_tokens")
    tokens = int(billed) if isinstance(billed, (int, float)) else None
    if tokens is None:
        from ...tokens import token_counter  # only when Cohere gave no count

        tokens = token_counter(model=ctx.model, text=texts)
    return make_embedding_response(
        vectors, model=ctx.model, prompt_tokens=tokens, encoding_format=params.get("encoding_format")
    )
