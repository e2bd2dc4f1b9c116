"""``image_generation()`` and ``aimage_generation()``: a prompt in, OpenAI's ``ImagesResponse`` out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from . import _call
from ._attempts import arun_operation, run_operation
from ._checks import check_choice, check_range, check_text
from ._registry import resolve
from .cost.billing import stamp_billing
from .errors import BadRequestError
from .providers._base import IMAGE_GENERATION
from .types import ImagesResponse

__all__ = ["MAX_IMAGES", "aimage_generation", "image_generation"]

#: Images per request: OpenAI's range for ``n`` (1 to 10); every image is generated (and paid for) upstream.
MAX_IMAGES = 10

_SIZE = re.compile(r"auto|[1-9]\d*x[1-9]\d*")
_OWN = ("n", "size", "quality", "style", "response_format", "user")


def _prepare(model: str, prompt: Any, options: dict[str, Any]) -> _call.Call:
    resolved = resolve(model)
    params: dict[str, Any] = {"prompt": prompt}
    for name in _OWN:
        value = options.pop(name)
        if value is not None:
            params[name] = value
    check_text(params, "prompt", required=True)
    check_range(params, "n", 1, MAX_IMAGES, integer=True)
    size = params.get("size")
    if size is not None and not (isinstance(size, str) and _SIZE.fullmatch(size)):
        raise BadRequestError(f"size must be 'auto' or 'WIDTHxHEIGHT' such as '1024x1024'; got {size!r}", param="size")
    check_text(params, "quality")
    check_text(params, "style")
    check_choice(params, "response_format", ("url", "b64_json"))
    check_text(params, "user")
    return _call.open_call(
        resolved,
        params,
        options,
        operation=IMAGE_GENERATION,
        known=_OWN,
    )


def _generate(model: str, prompt: Any, options: dict[str, Any]) -> ImagesResponse:
    """One attempt, its result stamped with what it is billed by (the answer names neither model, size nor
    quality)."""
    call = _prepare(model, prompt, options)
    result: ImagesResponse = _call.execute(call, IMAGE_GENERATION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model, call.params)


async def _agenerate(model: str, prompt: Any, options: dict[str, Any]) -> ImagesResponse:
    call = _prepare(model, prompt, options)
    result: ImagesResponse = await _call.aexecute(call, IMAGE_GENERATION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model, call.params)


def image_generation(
    model: str,
    prompt: str,
    *,
    n: int | None = None,
    size: str | None = None,
    quality: str | None = None,
    style: str | None = None,
    response_format: Literal["url", "b64_json"] | None = None,
    user: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> ImagesResponse:
    """Generate images from a prompt, in the OpenAI format.

    Args:
        model: ``"openai/gpt-image-1"``, ``"openai/dall-e-3"``, ``"mock/any"``, or a catalogued bare id.
        n: how many images (1 to 10; some models take only 1).
        size: ``"1024x1024"``, ``"1536x1024"``… or ``"auto"``.
        response_format: ``"url"`` or ``"b64_json"`` (models that return only base64 ignore it).
        **provider_options: sent as-is (e.g. ``background``, ``output_format`` for GPT image models); also
            ``num_retries=`` and ``fallbacks=`` (as for ``completion()``; ``timeout=`` bounds them all).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without images.
    """
    options = _call.gather(locals(), "model", "prompt")
    result: ImagesResponse = run_operation(
        "image_generation",
        model,
        options,
        lambda m, o: _generate(m, prompt, o),
        arguments={"prompt": prompt},
    )
    return result


async def aimage_generation(
    model: str,
    prompt: str,
    *,
    n: int | None = None,
    size: str | None = None,
    quality: str | None = None,
    style: str | None = None,
    response_format: Literal["url", "b64_json"] | None = None,
    user: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> ImagesResponse:
    """The async twin of :func:`image_generation`. Same arguments."""
    options = _call.gather(locals(), "model", "prompt")

    async def once(m: str, o: dict[str, Any]) -> ImagesResponse:
        return await _agenerate(m, prompt, o)

    return await arun_operation("image_generation", model, options, once, arguments={"prompt": prompt})
