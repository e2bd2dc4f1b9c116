"""A Converse answer (non-streamed) → OpenAI ``ChatCompletion``.

https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
— ``output.message.content`` blocks:

* ``text`` and ``citationsContent.content[].text`` → joined into ``message.content`` (``None`` when none);
* ``toolUse`` → ``tool_calls`` (id kept, ``arguments`` = JSON of ``input``); the synthetic JSON tool of
  :mod:`.convert_response_format` becomes content text; provider-run tools (``type: server_tool_use``,
  e.g. Nova's code interpreter) and their ``toolResult`` blocks are not client calls and are skipped;
* ``reasoningContent.reasoningText`` → ``message.reasoning_content`` (joined without separator); when it
  carries a ``signature``, and for ``redactedContent``, also ``message.thinking_blocks`` (the Anthropic-style
  blocks the assistant message must carry back for reasoning to continue across tool calls);
* images, videos and unknown blocks are skipped.

Converse answers carry no id: one is made up (``chatcmpl-bedrock-…``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic_core import from_json

from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion, make_tool_call
from .convert_tools import JSON_TOOL_NAME
from .convert_usage import convert_usage
from .map_stop_reason import map_stop_reason

__all__ = ["dump_input", "new_id", "parse_chat_response", "thinking_block"]


def new_id() -> str:
    return f"chatcmpl-bedrock-{uuid.uuid4().hex}"


def dump_input(value: Any) -> str:
    """Tool input as JSON text (the separators of ``json.dumps``, as other providers' arguments)."""
    return json.dumps(value, ensure_ascii=False)


def thinking_block(text: str, signature: str | None, redacted: str | None) -> dict[str, Any] | None:
    """The round-trip block for one reasoning block, or ``None`` when there is nothing to send back."""
    if redacted:
        return {"type": "redacted_thinking", "data": redacted}
    if signature:
        return {"type": "thinking", "thinking": text, "signature": signature}
    return None


def parse_chat_response(body: bytes, ctx: CallContext) -> ChatCompletion:
    data = from_json(body)
    if not isinstance(data, dict):
        raise ValueError("Bedrock answer is not a JSON object")
    message = data["output"]["message"]
    texts: list[str] = []
    reasoning: list[str] = []
    thinking_blocks: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    for block in message["content"]:
        if "text" in block:
            texts.append(block["text"])
        elif "toolUse" in block:
            use = block["toolUse"]
            if use.get("type") == "server_tool_use":
                continue
            arguments = dump_input(use.get("input") if use.get("input") is not None else {})
            if use["name"] == JSON_TOOL_NAME:
                texts.append(arguments)
            else:
                tool_calls.append(make_tool_call(use["toolUseId"], use["name"], arguments))
        elif "reasoningContent" in block:
            content = block["reasoningContent"]
            text_block = content.get("reasoningText") or {}
            text = text_block.get("text") or ""
            reasoning.append(text)
            native = thinking_block(text, text_block.get("signature"), content.get("redactedContent"))
            if native is not None:
                thinking_blocks.append(native)
        elif "citationsContent" in block:
            texts.extend(part.get("text") or "" for part in block["citationsContent"].get("content") or [])
    stop_reason = data.get("stopReason")
    return make_completion(
        id=new_id(),
        model=ctx.model,
        content="".join(texts) or None,
        finish_reason=map_stop_reason(stop_reason, bool(tool_calls)),
        native_finish_reason=stop_reason,
        tool_calls=tool_calls,
        reasoning_content="".join(reasoning) or None,
        usage=convert_usage(data.get("usage")),
        message_extra={"thinking_blocks": thinking_blocks} if thinking_blocks else None,
    )
