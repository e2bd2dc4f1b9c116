"""``POST /v1/embeddings``."""

from __future__ import annotations

from typing import Any

from ..._embeddings import MAX_EMBEDDING_DIMENSIONS, check_input_counts
from ...errors import APIError, BadRequestError
from ..config_cache import cache_option
from ..request import Request
from ..responses import Response, model_response
from ..upstreams import Upstreams
from ..validate import bad_request, check_fields, json_body, only_fields, required_str, sized

__all__ = ["create_embedding"]

FIELDS: dict[str, tuple[str, ...]] = {
    "input": ("string", "array"),
    "encoding_format": ("string",),
    "dimensions": ("integer",),
    "user": ("string",),
}


def _check_input(value: Any) -> None:
    """A string, or a non-empty array of strings, of token ids, or of arrays of token ids."""
    if value is None:
        raise bad_request("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    if isinstance(value, str):
        return
    try:
        check_input_counts(value)  # sizes first: refusing a huge input costs nothing
    except BadRequestError as exc:
        raise bad_request(exc.message, param="input") from None
    ok = bool(value) and (
        all(isinstance(v, str) for v in value)
        or all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or all(
            isinstance(v, list) and v and all(isinstance(t, int) and not isinstance(t, bool) for t in v) for v in value
        )
    )
    if not ok:
        raise bad_request(
            "'input' must be a string, or a non-empty array of strings, of token ids, or of arrays of token ids.",
            param="input",
        )


async def create_embedding(request: Request, upstreams: Upstreams) -> Response:
    body = await sized(request, json_body, request)
    route = upstreams.route(request, required_str(body, "model"))
    only_fields(body, {"model", "cache", *FIELDS})  # "cache": LiteLLM's per-request cache controls
    check_fields(body, FIELDS)
    await sized(request, _check_input, body.get("input"))
    fmt = body.get("encoding_format")
    if fmt is not None and fmt not in ("float", "base64"):
        raise bad_request("'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    dimensions = body.get("dimensions")
    if dimensions is not None and not 1 <= dimensions <= MAX_EMBEDDING_DIMENSIONS:
        raise bad_request(f"'dimensions' must be between 1 and {MAX_EMBEDDING_DIMENSIONS}.", param="dimensions")
    options = upstreams.options(route, request.key)
    for name in ("encoding_format", "dimensions", "user"):
        if body.get(name) is not None:
            options[name] = body[name]
    options.update(cache_option(upstreams.cache, route, request.key, request.headers, body.get("cache")))
    try:
        result = await upstreams.aembedding(route, body["input"], **options)
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    return model_response(result, upstreams.headers(route, result))
