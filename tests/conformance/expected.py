"""What an OpenAI-format chat result should contain, derived from a NATIVE recorded response.

Pure functions, independent of modelmux: they read the provider's own JSON / SSE / JSON-array body and
accumulate it the way the provider documents it. Each returns an :class:`Expected`; ``None`` fields mean
"the native response does not say".

Conventions:

* ``text`` concatenates all answer text (blocks/parts/deltas) with no separator; ``reasoning`` likewise for
  thinking content (Anthropic ``thinking`` blocks, Gemini ``thought: true`` parts, OpenAI-compatible
  ``reasoning_content``/``reasoning``). Redacted thinking and signatures are not text.
* ``tool_calls`` are client-side function calls only, in order: ``(name, parsed JSON arguments, id)``. Arguments
  that are not valid JSON are kept as the raw string. Anthropic ``server_tool_use`` (e.g. web search run by
  the provider) is not a client tool call.
* Only the first choice / candidate (index 0) is considered.
* Tokens: OpenAI ``prompt_tokens``/``completion_tokens``; Anthropic prompt = ``input_tokens`` +
  ``cache_creation_input_tokens`` + ``cache_read_input_tokens``, completion = ``output_tokens`` (the last
  value seen); Gemini prompt = ``promptTokenCount``, completion = ``candidatesTokenCount`` +
  ``thoughtsTokenCount`` (last ``usageMetadata`` seen).
* Errors: ``error_status`` is the HTTP status passed in (if >= 400), else an integer ``error.code`` from the
  body; ``error_message`` is the body's ``error.message`` (also for errors sent inside a stream).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cassette import Interaction

__all__ = [
    "Body",
    "Expected",
    "SSEEvent",
    "expected_for",
    "expected_from_anthropic",
    "expected_from_gemini",
    "expected_from_openai",
    "parse_sse",
]

#: A native response body: raw bytes (gzip allowed), text (JSON or SSE), or already-parsed JSON.
Body = bytes | str | Mapping[str, Any] | Sequence[Any]

ToolCall = tuple[str, Any, str | None]


@dataclass
class Expected:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    native_finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error_status: int | None = None
    error_message: str | None = None

    @property
    def is_error(self) -> bool:
        return self.error_status is not None or self.error_message is not None


@dataclass(frozen=True)
class SSEEvent:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


# --------------------------------------------------------------------------------------------------------
# Body handling
# --------------------------------------------------------------------------------------------------------

_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def parse_sse(text: str) -> list[SSEEvent]:
    """Parse a complete Server-Sent-Events text into events (``data:`` lines joined with ``\\n``).

    Follows the WHATWG rules: ``\\r\\n``/``\\r``/``\\n`` line ends, ``:`` comments, one optional space after
    the colon, an event is dispatched on a blank line (or at end of input) only if it has data.
    """
    events: list[SSEEvent] = []
    event_name: str | None = None
    data: list[str] = []
    for line in [*_LINE_SPLIT.split(text), ""]:
        if line == "":
            if data:
                events.append(SSEEvent(event_name, "\n".join(data)))
            event_name, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event_name = value
        elif name == "data":
            data.append(value)
    return events


def _as_text(body: bytes | str) -> str:
    if isinstance(body, bytes):
        if body[:2] == b"\x1f\x8b":
            body = zlib.decompress(body, wbits=16 + zlib.MAX_WBITS)
        return body.decode("utf-8")
    return body


def _load(body: Body) -> tuple[Any, list[SSEEvent] | None]:
    """Return ``(json_value, None)`` for a JSON body or ``(None, events)`` for an SSE body."""
    if isinstance(body, (bytes, str)):
        text = _as_text(body).strip()
        if text[:1] in {"{", "["}:
            try:
                return json.loads(text), None
            except ValueError:
                pass
        return None, parse_sse(text)
    return body, None


def _sse_json(events: list[SSEEvent]) -> Iterator[tuple[str | None, Any]]:
    for ev in events:
        if ev.data.strip() == "[DONE]":
            continue
        try:
            yield ev.event, json.loads(ev.data)
        except ValueError:
            continue


def _parse_args(raw: Any) -> Any:
    """Tool arguments as JSON: strings are parsed (``""``/``null`` mean ``{}``); invalid JSON stays a string."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        if raw.strip() == "":
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _apply_error(exp: Expected, payload: Any, status: int | None) -> bool:
    """Fill the error fields from an ``{"error": ...}`` payload; return True if it was an error."""
    if status is not None and status >= 400:
        exp.error_status = status
    if not isinstance(payload, Mapping):
        return exp.error_status is not None
    err = payload.get("error")
    if err is None and payload.get("type") != "error":
        return exp.error_status is not None
    if isinstance(err, Mapping):
        message = err.get("message")
        exp.error_message = str(message) if message is not None else json.dumps(err)
        if exp.error_status is None:
            exp.error_status = _int(err.get("code"))
    elif err is not None:
        exp.error_message = str(err)
    return True


# --------------------------------------------------------------------------------------------------------
# OpenAI chat completions
# --------------------------------------------------------------------------------------------------------


def _openai_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def _first_choice(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for choice in payload.get("choices") or []:
        if isinstance(choice, Mapping) and choice.get("index", 0) == 0:
            return choice
    return None


def _openai_usage(exp: Expected, usage: Any) -> None:
    if isinstance(usage, Mapping):
        exp.prompt_tokens = _int(usage.get("prompt_tokens"))
        exp.completion_tokens = _int(usage.get("completion_tokens"))


def expected_from_openai(body: Body, *, status: int | None = None) -> Expected:
    """Expected result of an OpenAI ``/chat/completions`` response (JSON or ``chat.completion.chunk`` SSE)."""
    exp = Expected()
    payload, events = _load(body)
    if events is None:
        if _apply_error(exp, payload, status) or not isinstance(payload, Mapping):
            return exp
        choice = _first_choice(payload)
        if choice is not None:
            message = choice.get("message") or {}
            exp.text = _openai_content(message.get("content"))
            exp.reasoning = str(message.get("reasoning_content") or message.get("reasoning") or "")
            for call in message.get("tool_calls") or []:
                fn = call.get("function") or {}
                exp.tool_calls.append((fn.get("name", ""), _parse_args(fn.get("arguments")), call.get("id")))
            legacy = message.get("function_call")
            if isinstance(legacy, Mapping):
                exp.tool_calls.append((legacy.get("name", ""), _parse_args(legacy.get("arguments")), None))
            exp.native_finish_reason = choice.get("finish_reason")
        _openai_usage(exp, payload.get("usage"))
        return exp

    _apply_error(exp, None, status)
    calls: dict[int, dict[str, Any]] = {}
    for _, chunk in _sse_json(events):
        if not isinstance(chunk, Mapping):
            continue
        if "error" in chunk:
            _apply_error(exp, chunk, status)
            continue
        if chunk.get("usage"):
            _openai_usage(exp, chunk["usage"])
        choice = _first_choice(chunk)
        if choice is None:
            continue
        delta = choice.get("delta") or {}
        exp.text += _openai_content(delta.get("content"))
        exp.reasoning += str(delta.get("reasoning_content") or delta.get("reasoning") or "")
        for tc in delta.get("tool_calls") or []:
            slot = calls.setdefault(int(tc.get("index", len(calls))), {"id": None, "name": "", "args": ""})
            if tc.get("id"):
                slot["id"] = slot["id"] or tc["id"]
            fn = tc.get("function") or {}
            slot["name"] += fn.get("name") or ""
            slot["args"] += fn.get("arguments") or ""
        if choice.get("finish_reason"):
            exp.native_finish_reason = choice["finish_reason"]
    exp.tool_calls = [(c["name"], _parse_args(c["args"]), c["id"]) for _, c in sorted(calls.items())]
    return exp


# --------------------------------------------------------------------------------------------------------
# Anthropic messages
# --------------------------------------------------------------------------------------------------------


def _anthropic_usage(exp: Expected, usage: Mapping[str, Any], seen: dict[str, int]) -> None:
    for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"):
        value = _int(usage.get(key))
        if value is not None:
            seen[key] = value
    if "input_tokens" in seen:
        exp.prompt_tokens = (
            seen["input_tokens"] + seen.get("cache_creation_input_tokens", 0) + seen.get("cache_read_input_tokens", 0)
        )
    if "output_tokens" in seen:
        exp.completion_tokens = seen["output_tokens"]


def expected_from_anthropic(body: Body, *, status: int | None = None) -> Expected:
    """Expected result of an Anthropic ``/v1/messages`` response (message JSON or SSE event stream)."""
    exp = Expected()
    usage_seen: dict[str, int] = {}
    payload, events = _load(body)
    if events is None:
        if _apply_error(exp, payload, status) or not isinstance(payload, Mapping):
            return exp
        for block in payload.get("content") or []:
            kind = block.get("type")
            if kind == "text":
                exp.text += block.get("text", "")
            elif kind == "thinking":
                exp.reasoning += block.get("thinking", "")
            elif kind == "tool_use":
                exp.tool_calls.append((block.get("name", ""), block.get("input", {}), block.get("id")))
        exp.native_finish_reason = payload.get("stop_reason")
        if isinstance(payload.get("usage"), Mapping):
            _anthropic_usage(exp, payload["usage"], usage_seen)
        return exp

    _apply_error(exp, None, status)
    blocks: dict[int, dict[str, Any]] = {}
    for event_name, data in _sse_json(events):
        if not isinstance(data, Mapping):
            continue
        kind = data.get("type") or event_name
        if kind == "error":
            _apply_error(exp, data, status)
        elif kind == "message_start":
            message = data.get("message") or {}
            if isinstance(message.get("usage"), Mapping):
                _anthropic_usage(exp, message["usage"], usage_seen)
        elif kind == "content_block_start":
            block = dict(data.get("content_block") or {})
            blocks[int(data.get("index", len(blocks)))] = {"block": block, "json": ""}
            if block.get("type") == "text":
                exp.text += block.get("text", "")
            elif block.get("type") == "thinking":
                exp.reasoning += block.get("thinking", "")
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                exp.text += delta.get("text", "")
            elif dtype == "thinking_delta":
                exp.reasoning += delta.get("thinking", "")
            elif dtype == "input_json_delta":
                slot = blocks.setdefault(int(data.get("index", -1)), {"block": {}, "json": ""})
                slot["json"] += delta.get("partial_json", "")
        elif kind == "message_delta":
            delta = data.get("delta") or {}
            if delta.get("stop_reason"):
                exp.native_finish_reason = delta["stop_reason"]
            if isinstance(data.get("usage"), Mapping):
                _anthropic_usage(exp, data["usage"], usage_seen)
    for _, slot in sorted(blocks.items()):
        block = slot["block"]
        if block.get("type") == "tool_use":
            args = _parse_args(slot["json"]) if slot["json"] else block.get("input", {})
            exp.tool_calls.append((block.get("name", ""), args, block.get("id")))
    return exp


# --------------------------------------------------------------------------------------------------------
# Gemini generateContent / streamGenerateContent
# --------------------------------------------------------------------------------------------------------


def _gemini_chunk(exp: Expected, chunk: Any, status: int | None) -> None:
    if not isinstance(chunk, Mapping):
        return
    if "error" in chunk:
        _apply_error(exp, chunk, status)
        return
    candidates = chunk.get("candidates") or []
    candidate = next((c for c in candidates if isinstance(c, Mapping) and c.get("index", 0) == 0), None)
    if candidate is not None:
        for part in (candidate.get("content") or {}).get("parts") or []:
            if "text" in part:
                if part.get("thought") is True:
                    exp.reasoning += part["text"]
                else:
                    exp.text += part["text"]
            if isinstance(part.get("functionCall"), Mapping):
                call = part["functionCall"]
                exp.tool_calls.append((call.get("name", ""), call.get("args", {}), call.get("id")))
        if candidate.get("finishReason"):
            exp.native_finish_reason = candidate["finishReason"]
    feedback = chunk.get("promptFeedback")
    if exp.native_finish_reason is None and isinstance(feedback, Mapping) and feedback.get("blockReason"):
        exp.native_finish_reason = feedback["blockReason"]
    usage = chunk.get("usageMetadata")
    if isinstance(usage, Mapping):
        exp.prompt_tokens = _int(usage.get("promptTokenCount"))
        parts = [_int(usage.get(k)) for k in ("candidatesTokenCount", "thoughtsTokenCount")]
        present = [p for p in parts if p is not None]
        exp.completion_tokens = sum(present) if present else None


def expected_from_gemini(body: Body, *, status: int | None = None) -> Expected:
    """Expected result of a Gemini ``:generateContent`` / ``:streamGenerateContent`` response: one JSON
    object, a JSON array of chunks (streaming without ``alt=sse``) or an ``alt=sse`` event stream."""
    exp = Expected()
    payload, events = _load(body)
    _apply_error(exp, None, status)
    if events is None:
        chunks = payload if isinstance(payload, list) else [payload]
    else:
        chunks = [data for _, data in _sse_json(events)]
    for chunk in chunks:
        _gemini_chunk(exp, chunk, status)
    return exp


# --------------------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------------------

_BY_CLASS: dict[str, Callable[..., Expected]] = {
    "openai-chat": expected_from_openai,
    "anthropic": expected_from_anthropic,
    "gemini": expected_from_gemini,
    "vertex-gemini": expected_from_gemini,
}


def expected_for(interaction: Interaction) -> Expected:
    """Expected result for a recorded chat interaction, chosen by its URL's provider class."""
    pclass = interaction.provider_class
    if pclass not in _BY_CLASS:
        raise ValueError(f"not a chat interaction: {interaction!r}")
    return _BY_CLASS[pclass](interaction.decoded_body(), status=interaction.status)
