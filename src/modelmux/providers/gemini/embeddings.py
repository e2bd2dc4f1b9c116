"""OpenAI embeddings over Gemini's ``models/{model}:batchEmbedContents`` (https://ai.google.dev/api/embeddings).

One request item per input, ``{"model": "models/<m>", "content": {"parts": [{"text": ...}]}}``, with
``dimensions`` as ``outputDimensionality``; caller extras (``taskType``, ``title``, snake_case accepted) join
every item. The answer ``{"embeddings": [{"values": [...]}]}`` keeps the input order.

Decisions:

* ``encoding_format="base64"`` has no Gemini equivalent: the floats are encoded here, as OpenAI does
  (little-endian float32, base64).
* Gemini's answer may carry no token count. Then ``usage.prompt_tokens`` is an *estimate*: the
  ``o200k_base`` count of the inputs (see ``modelmux.tokens``), usually within ~15% of Gemini's own.
* Token-id inputs cannot be expressed (Gemini embeds text only): ``BadRequestError``. ``user`` has no
  Gemini field: ``UnsupportedParamsError``, or dropped with ``drop_params=True``.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import BadRequestError
from ...types import EmbeddingResponse
from .._base import CallContext
from .._shapes import make_embedding_response
from .build_request import _camel

__all__ = ["build_embedding_body", "parse_embedding_response"]


def _texts(params: dict[str, Any]) -> list[str]:
    value = params["input"]
    texts: list[str] = [value] if isinstance(value, str) else value
    return texts


def build_embedding_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    texts = _texts(params)
    if not all(isinstance(t, str) for t in texts):
        raise BadRequestError(
            "gemini embeds text only: token ids (lists of ints) cannot be sent; pass strings",
            provider=ctx.provider,
            model=ctx.model,
            param="input",
        )
    if "user" in params:
        ctx.unsupported("user", "Gemini has no end-user field")
    common: dict[str, Any] = {"model": "models/" + ctx.model.removeprefix("models/")}
    if "dimensions" in params:
        common["outputDimensionality"] = params["dimensions"]
    common.update((_camel(k), v) for k, v in ctx.extra_body.items())
    return {"requests": [{**common, "content": {"parts": [{"text": text}]}} for text in texts]}


def parse_embedding_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    data = json.loads(body)
    vectors = [[float(v) for v in item["values"]] for item in data["embeddings"]]
    texts = _texts(params)
    if len(vectors) != len(texts):
        raise ValueError(f"{len(vectors)} embeddings for {len(texts)} inputs")
    tokens = (data.get("usageMetadata") or {}).get("promptTokenCount")
    if not isinstance(tokens, int):
        from ...tokens import token_counter  # only when Gemini gave no count

        tokens = token_counter(model=ctx.model, text=texts)
    return make_embedding_response(
        vectors, model=ctx.model, prompt_tokens=tokens, encoding_format=params.get("encoding_format")
    )
