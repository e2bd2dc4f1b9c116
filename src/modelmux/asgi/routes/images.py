"""``POST /v1/images/generations``."""

from __future__ import annotations

from ..._images import MAX_IMAGES
from ...errors import APIError
from ..request import Request
from ..responses import Response, model_response
from ..upstreams import Upstreams
from ..validate import bad_request, check_fields, json_body, only_fields, required_str, sized

__all__ = ["create_image"]

FIELDS: dict[str, tuple[str, ...]] = {
    "n": ("integer",),
    "size": ("string",),
    "quality": ("string",),
    "style": ("string",),
    "response_format": ("string",),
    "user": ("string",),
    "background": ("string",),
    "moderation": ("string",),
    "output_format": ("string",),
    "output_compression": ("integer",),
}


async def create_image(request: Request, upstreams: Upstreams) -> Response:
    body = await sized(request, json_body, request)
    route = upstreams.route(request, required_str(body, "model"))
    only_fields(body, {"model", "prompt", *FIELDS})
    prompt = required_str(body, "prompt")
    check_fields(body, FIELDS)
    n = body.get("n")
    if n is not None and not 1 <= n <= MAX_IMAGES:
        raise bad_request(f"'n' must be between 1 and {MAX_IMAGES}.", param="n")
    fmt = body.get("response_format")
    if fmt is not None and fmt not in ("url", "b64_json"):
        raise bad_request("'response_format' must be 'url' or 'b64_json'.", param="response_format")
    options = upstreams.options(route, request.key)
    for name in FIELDS:
        if body.get(name) is not None:
            options[name] = body[name]
    try:
        result = await upstreams.aimage_generation(route, prompt, **options)
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    return model_response(result, upstreams.headers(route, result))
