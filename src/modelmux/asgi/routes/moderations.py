"""``POST /v1/moderations``."""

from __future__ import annotations

from typing import Any

from ...errors import APIError
from ..config_cache import cache_option
from ..request import Request
from ..responses import Response, model_response
from ..upstreams import Upstreams
from ..validate import bad_request, expect, json_body, only_fields, required_str, sized

__all__ = ["create_moderation"]


def _check_input(value: Any) -> None:
    """A string, an array of strings, or an array of multimodal parts (objects with a string ``type``)."""
    if value is None:
        raise bad_request("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    expect(value, ("string", "array"), "input")
    if isinstance(value, list):
        if not value:
            raise bad_request("'input' must not be empty.", param="input")
        if not all(isinstance(v, str) for v in value):
            for i, part in enumerate(value):
                expect(part, ("object",), f"input[{i}]", nullable=False)
                expect(part.get("type"), ("string",), f"input[{i}].type", nullable=False)


async def create_moderation(request: Request, upstreams: Upstreams) -> Response:
    body = await sized(request, json_body, request)
    # The platform defaults the model; a gateway serves only what it was configured with, so it is required.
    route = upstreams.route(request, required_str(body, "model"))
    only_fields(body, {"model", "input", "cache"})  # "cache": LiteLLM's per-request cache controls
    await sized(request, _check_input, body.get("input"))
    try:
        options = upstreams.options(route, request.key)
        options.update(cache_option(upstreams.cache, route, request.key, request.headers, body.get("cache")))
        result = await upstreams.amoderation(route, body["input"], **options)
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    return model_response(result, upstreams.headers(route, result))
