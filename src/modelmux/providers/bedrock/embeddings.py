"""OpenAI embeddings over Bedrock's InvokeModel (``POST /model/{modelId}/invoke``), per model family.

* Amazon Titan Text Embeddings (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html):
  ``{"inputText": ...}`` — one text per request; V2 (``amazon.titan-embed-text-v2:0``) also takes
  ``dimensions`` (256, 512 or 1024) and ``normalize``. Answer ``{"embedding": [...], "inputTextTokenCount": n}``.
* Cohere Embed (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html):
  ``{"texts": [...], "input_type": "search_document", "embedding_types": ["float"]}`` (``input_type`` can be
  overridden with a provider option, e.g. ``input_type="search_query"``); v4 takes ``dimensions`` as
  ``output_dimension``. Answer ``{"embeddings": {"float": [[...]]}}`` (or a plain list of vectors).

Decisions: several inputs for Titan, token-id inputs, and ``dimensions`` where the model has no such field
cannot be expressed (``BadRequestError`` / ``ctx.unsupported``). Cohere's answer carries no token count: then
``usage.prompt_tokens`` is an *estimate* (the ``o200k_base`` count, see ``modelmux.tokens``).
``encoding_format="base64"`` is encoded here, as OpenAI does. Caller extras join the body.
"""

from __future__ import annotations

import json
from typing import Any

from ...types import EmbeddingResponse
from .._base import CallContext
from .._shapes import make_embedding_response
from .errors import bad_request
from .profile import base_model_id

__all__ = ["build_embedding_body", "parse_embedding_response"]

_TITAN_V2_DIMENSIONS = (256, 512, 1024)


def _texts(params: dict[str, Any], ctx: CallContext) -> list[str]:
    value = params["input"]
    texts: list[Any] = [value] if isinstance(value, str) else value
    if not all(isinstance(t, str) for t in texts):
        raise bad_request(f"{ctx.model} embeds text only: token ids cannot be sent; pass strings", "input")
    return texts


def _family(ctx: CallContext) -> str:
    base = base_model_id(ctx.model)
    if base.startswith("amazon.titan-embed"):
        return "titan"
    if base.startswith("cohere.embed"):
        return "cohere"
    raise bad_request(
        f"Bedrock embeddings support Amazon Titan Text Embeddings and Cohere Embed models, not {ctx.model!r}",
        "model",
    )


def build_embedding_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    texts = _texts(params, ctx)
    if "user" in params:
        ctx.unsupported("user", "Bedrock embedding models have no end-user field")
    dimensions = params.get("dimensions")
    body: dict[str, Any]
    if _family(ctx) == "titan":
        if len(texts) != 1:
            raise bad_request(f"{ctx.model} embeds one text per request; got {len(texts)} inputs", "input")
        body = {"inputText": texts[0]}
        if dimensions is not None:
            if "v2" in ctx.model and dimensions in _TITAN_V2_DIMENSIONS:
                body["dimensions"] = dimensions
            else:
                ctx.unsupported("dimensions", f"{ctx.model} takes dimensions 256, 512 or 1024 (Titan V2 only)")
    else:
        body = {"texts": texts, "input_type": "search_document", "embedding_types": ["float"]}
        if dimensions is not None:
            if "embed-v4" in ctx.model:
                body["output_dimension"] = dimensions
            else:
                ctx.unsupported("dimensions", f"{ctx.model} has a fixed dimension")
    body.update(ctx.extra_body)
    return body


def parse_embedding_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    data = json.loads(body)
    texts = _texts(params, ctx)
    tokens: Any = None
    if "embedding" in data:  # Titan
        vectors = [[float(v) for v in data["embedding"]]]
        tokens = data.get("inputTextTokenCount")
    else:  # Cohere: {"embeddings": {"float": [...]}} with embedding_types, else a list of vectors
        embeddings = data["embeddings"]
        rows = embeddings["float"] if isinstance(embeddings, dict) else embeddings
        vectors = [[float(v) for v in row] for row in rows]
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} embeddings for {len(texts)} inputs")
    if not isinstance(tokens, int):
        from ...tokens import token_counter  # only when the model gave no count

        tokens = token_counter(model=ctx.model, text=texts)
    return make_embedding_response(
        vectors, model=ctx.model, prompt_tokens=tokens, encoding_format=params.get("encoding_format")
    )
