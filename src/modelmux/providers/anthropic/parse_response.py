"""An Anthropic ``Message`` (non-streamed answer) → OpenAI ``ChatCompletion``.

https://platform.claude.com/docs/en/api/messages — content blocks:

* ``text`` → joined into ``message.content`` (``None`` when there is none); URL citations on a text block
  → ``message.annotations`` (:mod:`.convert_citations`);
* ``tool_use`` → ``tool_calls`` (id kept, ``arguments`` = ``json.dumps(input)``); the synthetic JSON tool
  of :mod:`.convert_response_format` becomes content text instead;
* ``thinking`` → ``message.reasoning_content`` (blocks joined as they stream, without separator), and with
  ``redacted_thinking`` also ``message.thinking_blocks``: the native blocks with their signatures, to send
  back on the assistant message so thinking continues across tool calls;
* server tool blocks (``server_tool_use``, ``web_search_tool_result``, …) and unknown blocks have no OpenAI
  field: when the answer has any (or citations, or thinking after other blocks), ``message.content_blocks``
  keeps every native block in order (:mod:`.native_blocks`), so that sending the message back continues
  a ``pause_turn``.

The code execution tool's ``container`` (``{"id", "expires_at"}``) is kept as ``message.container``; to
reuse it on the next request pass ``extra_body={"container": container["id"]}`` (not sent automatically:
an expired container would turn a working conversation into an error).
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion, make_tool_call
from .convert_citations import url_annotations
from .convert_response_format import JSON_TOOL_NAME
from .convert_usage import convert_usage
from .errors import map_error_payload
from .map_stop_reason import map_stop_reason
from .native_blocks import CONTENT_BLOCKS, canonical_block, dump_input, needs_native

__all__ = ["dump_input", "parse_chat_response", "parse_message"]


def parse_chat_response(body: bytes, ctx: CallContext) -> ChatCompletion:
    data = from_json(body)
    if not isinstance(data, dict):
        raise ValueError("Anthropic answer is not a JSON object")
    if data.get("type") == "error":
        raise map_error_payload(data, ctx)
    return parse_message(data, ctx)


def parse_message(data: dict[str, Any], ctx: CallContext) -> ChatCompletion:
    texts: list[str] = []
    length = 0  # of the content so far, for annotation indices
    reasoning: list[str] = []
    thinking_blocks: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if not isinstance(data["content"], list) or not all(isinstance(b, dict) for b in data["content"]):
        raise ValueError("Anthropic answer content is not a list of blocks")
    blocks = [canonical_block(block) for block in data["content"]]
    for block in blocks:
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
            if "citations" in block:
                annotations += url_annotations(block["citations"], length, length + len(block["text"]))
            length += len(block["text"])
        elif kind == "tool_use":
            if block["name"] == JSON_TOOL_NAME:
                texts.append(dump_input(block.get("input") or {}))
                length += len(texts[-1])
            else:
                tool_calls.append(make_tool_call(block["id"], block["name"], dump_input(block.get("input") or {})))
        elif kind == "thinking":
            reasoning.append(block["thinking"])
            thinking_blocks.append(block)
        elif kind == "redacted_thinking":
            thinking_blocks.append(block)
    extra: dict[str, Any] = {}
    if thinking_blocks:
        extra["thinking_blocks"] = thinking_blocks
    if annotations:
        extra["annotations"] = annotations
    if needs_native(blocks):
        extra[CONTENT_BLOCKS] = blocks
    if isinstance(data.get("container"), dict):
        extra["container"] = data["container"]
    stop_reason = data.get("stop_reason")
    return make_completion(
        id=data["id"],
        model=data.get("model") or ctx.model,
        content="".join(texts) or None,
        finish_reason=map_stop_reason(stop_reason, bool(tool_calls)),
        native_finish_reason=stop_reason,
        tool_calls=tool_calls,
        reasoning_content="".join(reasoning) or None,
        usage=convert_usage(data.get("usage")),
        message_extra=extra or None,
    )
