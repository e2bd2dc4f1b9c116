"""OpenAI embeddings over Vertex AI's ``:predict`` for Google's text embedding models.

https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api: the body is
``{"instances": [{"content": text, "task_type"?, "title"?}], "parameters": {"outputDimensionality"?, "autoTruncate"?}}``
and the answer ``{"predictions": [{"embeddings": {"values": [...], "statistics": {"token_count", "truncated"}}}],
"metadata": {"billableCharacterCount": N}}``, predictions in input order.

Decisions:

* ``dimensions`` → ``parameters.outputDimensionality``. Caller extras ``task_type`` / ``taskType`` and ``title``
  join every instance; ``auto_truncate`` / ``autoTruncate`` goes to ``parameters``; other extras go to
  ``parameters`` as given.
* ``usage.prompt_tokens`` is the sum of the per-instance ``statistics.token_count``.
* ``metadata.billableCharacterCount`` (what Google bills the legacy text embedding models by, per 1,000
  characters: https://cloud.google.com/vertex-ai/generative-ai/pricing) has no place in OpenAI's shape: it is
  stamped on the result as its :class:`~modelmux.cost.billing.Billing` (private, never in the JSON) for the cost
  functions. Absent or malformed (not a non-negative whole number): nothing is stamped, and a per-character
  model's cost is unknown (never counted locally: which characters are billable is Google's rule).
* Token-id inputs cannot be expressed (the API embeds text): ``BadRequestError``. ``user`` has no field:
  ``ctx.unsupported``. ``encoding_format="base64"`` is encoded here, as OpenAI does.
* ``gemini-embedding-001`` takes one instance per request on Vertex; several inputs are sent as asked and
  Vertex's own error comes back.
"""

from __future__ import annotations

import json
from typing import Any

from ...cost.billing import stamp_billing
from ...errors import BadRequestError
from ...types import EmbeddingResponse
from .._base import CallContext
from .._shapes import make_embedding_response

__all__ = ["build_embedding_body", "parse_embedding_response"]

_INSTANCE_FIELDS = {"task_type": "task_type", "taskType": "task_type", "title": "title"}
_PARAMETER_NAMES = {"auto_truncate": "autoTruncate", "output_dimensionality": "outputDimensionality"}


def _texts(params: dict[str, Any]) -> list[str]:
    value = params["input"]
    return [value] if isinstance(value, str) else list(value)


def build_embedding_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    texts = _texts(params)
    if not all(isinstance(t, str) for t in texts):
        raise BadRequestError(
            "Vertex AI embeds text only: token ids (lists of ints) cannot be sent; pass strings",
            provider=ctx.provider,
            model=ctx.model,
            param="input",
        )
    if "user" in params:
        ctx.unsupported("user", "Vertex AI embeddings have no end-user field")
    common: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    if "dimensions" in params:
        parameters["outputDimensionality"] = params["dimensions"]
    for key, value in ctx.extra_body.items():
        if key in _INSTANCE_FIELDS:
            common[_INSTANCE_FIELDS[key]] = value
        else:
            parameters[_PARAMETER_NAMES.get(key, key)] = value
    body: dict[str, Any] = {"instances": [{"content": text, **common} for text in texts]}
    if parameters:
        body["parameters"] = parameters
    return body


def parse_embedding_response(body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    data = json.loads(body)
    predictions = data["predictions"]
    vectors = [[float(v) for v in item["embeddings"]["values"]] for item in predictions]
    if len(vectors) != len(_texts(params)):
        raise ValueError(f"{len(vectors)} embeddings for {len(_texts(params))} inputs")
    tokens = 0
    for item in predictions:
        count = (item["embeddings"].get("statistics") or {}).get("token_count")
        tokens += int(count) if isinstance(count, (int, float)) else 0
    result = make_embedding_response(
        vectors, model=ctx.model, prompt_tokens=tokens, encoding_format=params.get("encoding_format")
    )
    characters = _billable_characters(data)
    return result if characters is None else stamp_billing(result, ctx.provider, ctx.model, characters=characters)


def _billable_characters(data: Any) -> int | None:
    """``metadata.billableCharacterCount``, or ``None`` when it is absent or not a non-negative whole number."""
    metadata = data.get("metadata") if isinstance(data, dict) else None
    count = metadata.get("billableCharacterCount") if isinstance(metadata, dict) else None
    if isinstance(count, float) and count.is_integer():
        count = int(count)  # a JSON number written as 12.0 is the same count
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    return count
