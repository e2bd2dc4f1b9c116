"""pydantic-ai messages → OpenAI-format message dicts (what ``modelmux.acompletion`` takes). Pure: no I/O.

* ``SystemPromptPart`` → ``system``; the request's instructions → ``system`` messages after the leading ones;
* ``UserPromptPart`` → ``user`` (text; images as ``image_url``, URLs as they are, bytes as data URLs; audio bytes
  as ``input_audio``; documents as ``file`` parts with a data URL or their URL);
* ``ToolReturnPart`` (and its subclasses) → ``tool``; files a tool returned follow in a ``user`` message;
  a legacy ``RetryPromptPart`` → ``tool`` (tool-bound) or ``user``;
* ``ModelResponse`` → ``assistant``: text, ``tool_calls``, thinking as ``reasoning_content`` and, when signed
  (Anthropic), as ``thinking_blocks`` so extended thinking can continue across tool calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_ai.exceptions import UserError
from pydantic_ai.messages import (
    AudioUrl,
    BinaryContent,
    CachePoint,
    DocumentUrl,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextContent,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
    UserPromptPart,
)

__all__ = ["map_messages", "map_user_content"]

#: ``ThinkingPart.id`` of an Anthropic ``redacted_thinking`` block (its opaque data is the part's signature).
REDACTED_THINKING = "redacted_thinking"


def map_user_content(item: UserContent) -> dict[str, Any] | None:
    """One item of a user prompt → an OpenAI content part (``None`` for markers such as ``CachePoint``)."""
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if isinstance(item, TextContent):
        return {"type": "text", "text": item.content}
    if isinstance(item, CachePoint):
        return None
    if isinstance(item, ImageUrl):
        image: dict[str, Any] = {"url": item.url}
        detail = (item.vendor_metadata or {}).get("detail")  # OpenAI's image detail, as pydantic-ai passes it
        if detail:
            image["detail"] = detail
        return {"type": "image_url", "image_url": image}
    if isinstance(item, DocumentUrl):
        return {"type": "file", "file": {"file_data": item.url}}
    if isinstance(item, BinaryContent):
        if item.is_image:
            return {"type": "image_url", "image_url": {"url": item.data_uri}}
        if item.is_audio:
            return {"type": "input_audio", "input_audio": {"data": item.base64, "format": item.format}}
        file: dict[str, Any] = {"file_data": item.data_uri}
        if item.identifier:
            file["filename"] = item.identifier
        return {"type": "file", "file": file}
    if isinstance(item, AudioUrl):
        raise UserError("an AudioUrl cannot be sent through modelmux (OpenAI chat format): pass the audio as bytes")
    raise UserError(f"modelmux cannot send user content of type {type(item).__name__}")


def _user_message(content: str | Sequence[UserContent]) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": "user", "content": content}
    parts = [p for p in (map_user_content(item) for item in content) if p is not None]
    if all(p["type"] == "text" for p in parts):
        return {"role": "user", "content": "\n".join(p["text"] for p in parts)}
    return {"role": "user", "content": parts}


def _request_messages(message: ModelRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    tool_files: list[UserContent] = []
    for part in message.parts:
        if isinstance(part, SystemPromptPart):
            out.append({"role": "system", "content": part.content})
        elif isinstance(part, UserPromptPart):
            out.append(_user_message(part.content))
        elif isinstance(part, ToolReturnPart):
            text, files = part.model_response_str_and_user_content()
            tool_files.extend(files)
            out.append({"role": "tool", "tool_call_id": part.tool_call_id, "content": text})
        elif isinstance(part, RetryPromptPart):  # legacy: the agent turns retries into ToolReturnParts itself
            if part.tool_name is not None:
                out.append({"role": "tool", "tool_call_id": part.tool_call_id, "content": part.model_response()})
            else:
                out.append({"role": "user", "content": part.model_response()})
        else:
            raise UserError(
                f"{type(part).__name__} cannot be sent as is: call model.prepare_messages(messages) first "
                "(an Agent does)"
            )
    if tool_files:
        out.append(_user_message(tool_files))
    return out


def _thinking_block(part: ThinkingPart) -> dict[str, Any] | None:
    """A signed thinking part → the native Anthropic block modelmux sends back (``None`` when unsigned)."""
    if not part.signature:
        return None
    if part.id == REDACTED_THINKING:
        return {"type": "redacted_thinking", "data": part.signature}
    return {"type": "thinking", "thinking": part.content, "signature": part.signature}


def _response_message(message: ModelResponse) -> dict[str, Any] | None:
    texts: list[str] = []
    thinking: list[str] = []
    blocks: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            texts.append(part.content)
        elif isinstance(part, ThinkingPart):
            if part.id != REDACTED_THINKING and part.content:
                thinking.append(part.content)
            block = _thinking_block(part)
            if block is not None:
                blocks.append(block)
        elif isinstance(part, ToolCallPart):
            calls.append(
                {
                    "id": part.tool_call_id,
                    "type": "function",
                    "function": {"name": part.tool_name, "arguments": part.args_as_json_str()},
                }
            )
        # Other parts (a provider's built-in tool calls and their returns, generated files) have no OpenAI-format
        # equivalent in a chat history: they are left out, as pydantic-ai's own OpenAI chat model does.
    if not (texts or calls or blocks):
        return None
    out: dict[str, Any] = {"role": "assistant", "content": "\n\n".join(texts) if texts else None}
    if calls:
        out["tool_calls"] = calls
    if thinking:
        out["reasoning_content"] = "\n\n".join(thinking)
    if blocks:
        out["thinking_blocks"] = blocks
    return out


def map_messages(messages: Sequence[ModelMessage], instructions: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The conversation in OpenAI format; ``instructions`` become system messages after the leading ones."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ModelRequest):
            out.extend(_request_messages(message))
        elif isinstance(message, ModelResponse):
            mapped = _response_message(message)
            if mapped is not None:
                out.append(mapped)
    if instructions:
        leading = next((i for i, m in enumerate(out) if m["role"] != "system"), len(out))
        out[leading:leading] = [{"role": "system", "content": text} for text in instructions]
    return out
