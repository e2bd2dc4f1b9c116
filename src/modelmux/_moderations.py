"""``moderation()`` and ``amoderation()``: is this input harmful? OpenAI's ``ModerationCreateResponse`` out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from . import _call
from ._attempts import Cacheable, arun_operation, run_operation
from ._registry import resolve
from .cost.billing import stamp_billing
from .errors import BadRequestError
from .providers._base import MODERATION
from .types import ModerationResponse

__all__ = ["DEFAULT_MODERATION_MODEL", "amoderation", "moderation"]

#: What ``moderation(input)`` uses when no model is given (OpenAI's own default since 2024).
DEFAULT_MODERATION_MODEL = "openai/omni-moderation-latest"

#: This operation's entries in a ``modelmux.Cache`` (``cache.entries``).
_cache_kind = "moderation"

_SHAPES = (
    "a non-empty string, a list of non-empty strings, or a list of parts "
    "({'type': 'text', 'text': ...} / {'type': 'image_url', 'image_url': {'url': ...}})"
)


def _is_part(part: Any) -> bool:
    if not isinstance(part, Mapping):
        return False
    if part.get("type") == "text":
        return isinstance(part.get("text"), str)
    image = part.get("image_url")
    return part.get("type") == "image_url" and isinstance(image, Mapping) and isinstance(image.get("url"), str)


def _check_input(value: Any) -> str | list[Any]:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value:
        if all(isinstance(v, str) and v for v in value):
            return value
        if all(_is_part(v) for v in value):
            return [dict(v) for v in value]
    raise BadRequestError(f"input must be {_SHAPES}", param="input")


def _prepare(input: Any, model: str | None, options: dict[str, Any]) -> _call.Call:
    resolved = resolve(DEFAULT_MODERATION_MODEL if model is None else model)
    return _call.open_call(
        resolved,
        {"input": _check_input(input)},
        options,
        operation=MODERATION,
    )


def _moderate(input: Any, model: str, options: dict[str, Any]) -> ModerationResponse:
    """One attempt, its result stamped with the provider and model that answered (for its price)."""
    call = _prepare(input, model, options)
    result: ModerationResponse = _call.execute(call, MODERATION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model)


async def _amoderate(input: Any, model: str, options: dict[str, Any]) -> ModerationResponse:
    call = _prepare(input, model, options)
    result: ModerationResponse = await _call.aexecute(call, MODERATION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model)


def moderation(
    input: str | list[str] | list[dict[str, Any]],
    *,
    model: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> ModerationResponse:
    """Classify text (and, with omni models, images) against a content policy, in the OpenAI format.

    Args:
        input: a string, a list of strings (one result each), or a list of text/image parts (one result).
        model: default ``"openai/omni-moderation-latest"``; ``"mock/any"`` answers offline.
        **provider_options: also ``num_retries=`` and ``fallbacks=`` (as for ``completion()``), and ``cache=`` (a
            :class:`modelmux.Cache`: an identical input to the same model answers from it).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without moderation.
    """
    options = _call.gather(locals(), "input", "model")
    name = DEFAULT_MODERATION_MODEL if model is None else model
    result: ModerationResponse = run_operation(
        "moderation",
        name,
        options,
        lambda m, o: _moderate(input, m, o),
        arguments={"input": input},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(input, m, o)),
    )
    return result


async def amoderation(
    input: str | list[str] | list[dict[str, Any]],
    *,
    model: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> ModerationResponse:
    """The async twin of :func:`moderation`. Same arguments."""
    options = _call.gather(locals(), "input", "model")

    async def once(m: str, o: dict[str, Any]) -> ModerationResponse:
        return await _amoderate(input, m, o)

    return await arun_operation(
        "moderation",
        DEFAULT_MODERATION_MODEL if model is None else model,
        options,
        once,
        arguments={"input": input},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(input, m, o)),
    )
