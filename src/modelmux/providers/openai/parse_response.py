"""An OpenAI-format ``chat.completion`` body → ``ChatCompletion``, with the compatible servers' quirks ironed out.

A body in OpenAI's own shape is validated straight from its bytes; one that is not (Mistral content chunks,
a 200 that carries an error object) takes the dict path. Then reasoning spelled ``reasoning`` becomes
``reasoning_content`` and finish reasons are mapped (see ``map_finish_reason``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from ...types import ChatCompletion
from .._base import CallContext
from .convert_message_fields import convert_content_chunks, move_reasoning
from .errors import error_from_event
from .map_finish_reason import normalize_choices
from .map_service_tier import move_native_service_tier

__all__ = ["parse_chat_completion"]


def parse_chat_completion(body: bytes, ctx: CallContext) -> ChatCompletion:
    """The answer as a ``ChatCompletion``.

    Raises:
        APIError: the 200 body is an error object (some routers answer so).
        UpstreamError: a choice broke off (``finish_reason`` ``error``/``abort``).
        ValueError, pydantic.ValidationError: garbage (the core turns it into ``UpstreamError``).
    """
    try:
        result = ChatCompletion.model_validate_json(body)
    except ValidationError:
        result = _from_dict(body, ctx)
    extra = result.__pydantic_extra__
    if extra:
        if isinstance(extra.get("error"), dict):
            raise error_from_event(extra["error"], "", ctx)
        move_native_service_tier(result)
    for choice in result.choices:
        if choice.message.__pydantic_extra__:
            move_reasoning(choice.message)
    normalize_choices(result.choices, ctx)
    if not result.model:
        result.model = ctx.model
    return result


def _from_dict(body: bytes, ctx: CallContext) -> ChatCompletion:
    raw: Any = from_json(body)
    if not isinstance(raw, dict):
        raise ValueError("the answer is not a JSON object")
    if raw.get("object") == "error" or ("error" in raw and not raw.get("choices")):
        # vLLM answers {"object": "error", "message", "type", "code"}; routers {"error": {...}}.
        raise error_from_event(raw.get("error", raw), body[:500].decode("utf-8", "replace"), ctx)
    for choice in raw.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            convert_content_chunks(message)
    return ChatCompletion.model_validate(raw)
