"""A ``ChatCompletion`` → Anthropic's ``message`` (the inverse of
:mod:`modelmux.providers.anthropic.parse_response`).

Content blocks in Anthropic's order: thinking (``thinking_blocks`` with their signatures when the target gave
them, else ``reasoning_content`` as one thinking block with an empty signature), then the text, then one
``tool_use`` per tool call with ``input`` parsed from its arguments. The stop reason is the outbound table read
backwards (:func:`map_finish_reason`); usage is :func:`convert_usage`'s. Claude behind another dialect (Vertex)
may have kept its native blocks (``content_blocks``: server tools, citations): those are the content as they are.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...providers.anthropic.convert_response_format import JSON_TOOL_NAME
from ...providers.anthropic.map_stop_reason import FINISH_REASONS
from ...providers.anthropic.native_blocks import CONTENT_BLOCKS, dump_input
from ...types import ChatCompletion, Usage

__all__ = ["STOP_REASONS", "convert_message", "convert_usage", "map_finish_reason", "message_id", "tool_input"]

#: OpenAI ``finish_reason`` → Anthropic ``stop_reason``: the first row of the outbound table
#: (:data:`~modelmux.providers.anthropic.map_stop_reason.FINISH_REASONS`) for each finish reason, so the two
#: directions cannot drift apart: stop → end_turn, length → max_tokens, tool_calls → tool_use,
#: content_filter → refusal. ``function_call`` (the legacy name) is a tool use too.
STOP_REASONS: dict[str, str] = {
    **{finish: native for native, finish in reversed(FINISH_REASONS.items())},
    "function_call": "tool_use",
}
DEFAULT_STOP_REASON = "end_turn"


def message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def map_finish_reason(finish: str | None, has_tool_use: bool, native: Any = None) -> str:
    """The stop reason; a tool call the target finished with a plain ``stop`` (Gemini does) is a ``tool_use``.

    Claude behind another dialect (Bedrock, Vertex) keeps its own stop reason as ``native_finish_reason``; one of
    Anthropic's values is used as it is, so ``stop_sequence``, ``pause_turn`` and
    ``model_context_window_exceeded`` survive the round trip.
    """
    if isinstance(native, str) and native in FINISH_REASONS:
        return native
    reason = STOP_REASONS.get(finish or "", DEFAULT_STOP_REASON)
    return "tool_use" if has_tool_use and reason == "end_turn" else reason


def convert_usage(usage: Usage | None) -> dict[str, int]:
    """OpenAI usage → Anthropic's: ``input_tokens`` leaves out cache reads and writes (which the prompt count
    includes, see :mod:`modelmux.providers.anthropic.convert_usage`)."""
    if usage is None:
        return {"input_tokens": 0, "output_tokens": 0}
    extra = usage.model_extra or {}
    details = usage.prompt_tokens_details
    read = extra.get("cache_read_input_tokens") or (details.cached_tokens if details else None) or 0
    created = extra.get("cache_creation_input_tokens") or 0
    out = {
        "input_tokens": max(0, usage.prompt_tokens - read - created),
        "output_tokens": usage.completion_tokens,
    }
    if read or created:
        out["cache_creation_input_tokens"] = created
        out["cache_read_input_tokens"] = read
    return out


def tool_input(arguments: str | None) -> dict[str, Any]:
    """A tool call's arguments as the JSON object Anthropic's ``input`` must be; anything else is the
    upstream's broken answer."""
    if not arguments or not arguments.strip():
        return {}
    try:
        value = from_json(arguments)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise UpstreamError("the model's tool call arguments are not a JSON object")
    return value


def _thinking(message: Any) -> list[dict[str, Any]]:
    blocks = (message.model_extra or {}).get("thinking_blocks")
    if isinstance(blocks, list) and blocks:
        out = []
        for block in blocks:
            if isinstance(block, Mapping) and block.get("type") == "redacted_thinking":
                out.append({"type": "redacted_thinking", "data": str(block.get("data") or "")})
            elif isinstance(block, Mapping):
                out.append(
                    {
                        "type": "thinking",
                        "thinking": str(block.get("thinking") or ""),
                        "signature": str(block.get("signature") or ""),
                    }
                )
        return out
    if message.reasoning_content:
        return [{"type": "thinking", "thinking": message.reasoning_content, "signature": ""}]
    return []


def convert_message(completion: ChatCompletion, model: str) -> dict[str, Any]:
    """The ``message`` answer for ``completion``, named ``model`` (the gateway's public model name)."""
    if not completion.choices:
        raise UpstreamError("the provider answered with no choices")
    choice = completion.choices[0]
    message = choice.message
    native = _native_blocks(message)
    content = native if native is not None else _openai_blocks(message)
    has_tool_use = any(block["type"] == "tool_use" for block in content)
    return {
        "id": message_id(),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": map_finish_reason(
            choice.finish_reason, has_tool_use, (choice.model_extra or {}).get("native_finish_reason")
        ),
        "stop_sequence": None,
        "usage": convert_usage(completion.usage),
    }


def _native_blocks(message: Any) -> list[dict[str, Any]] | None:
    """Claude's own blocks, in order, when a target of the Anthropic dialect kept them as ``content_blocks``
    (server tool blocks, citations: see :mod:`modelmux.providers.anthropic.native_blocks`); the hidden JSON tool of
    structured output is the text it stood for."""
    blocks = (message.model_extra or {}).get(CONTENT_BLOCKS)
    if not isinstance(blocks, list) or not all(
        isinstance(b, Mapping) and isinstance(b.get("type"), str) for b in blocks
    ):
        return None
    out = []
    for block in blocks:
        if block["type"] == "tool_use" and block.get("name") == JSON_TOOL_NAME:
            out.append({"type": "text", "text": dump_input(block.get("input") or {})})
        else:
            out.append(dict(block))
    return out


def _openai_blocks(message: Any) -> list[dict[str, Any]]:
    content = _thinking(message)
    text = message.content or message.refusal
    if text:
        content.append({"type": "text", "text": text})
    for call in message.tool_calls or ():
        function = call.function
        if function is None:
            continue
        content.append(
            {
                "type": "tool_use",
                "id": call.id or message_id(),
                "name": function.name,
                "input": tool_input(function.arguments),
            }
        )
    return content
