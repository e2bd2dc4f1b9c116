"""Gemini ``GenerateContentResponse`` → OpenAI ``ChatCompletion``.

https://ai.google.dev/api/generate-content#generatecontentresponse. Only the first candidate is read
(modelmux asks for one). Text parts are joined (``thought: true`` ones into ``reasoning_content``),
``functionCall`` parts become tool calls (ids and signatures: :mod:`.tool_call_ids`). Parts modelmux does
not translate (``executableCode``, ``inlineData`` images…) are skipped. A prompt blocked before any
candidate (``promptFeedback.blockReason``) is an empty answer with ``finish_reason="content_filter"`` and
the block reason as ``native_finish_reason``. An answer that says neither (no candidate and no block
reason, or a candidate without ``finishReason``: a cut-short JSON-array stream) is an
:class:`UpstreamError`, as is a finish reason that means a broken answer (see :mod:`.map_finish_reason`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion, make_tool_call
from .convert_usage import convert_usage
from .errors import error_from_payload
from .map_finish_reason import BLOCKED_PROMPT, finish_error, map_finish_reason
from .tool_call_ids import join_tool_call_id, make_tool_call_id

__all__ = ["PartsContent", "block_reason", "first_candidate", "parse_response", "read_parts"]


@dataclass(slots=True)
class PartsContent:
    """What a list of Gemini parts says, in OpenAI terms."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def read_parts(parts: Any, response_id: str | None, first_call_index: int = 0) -> PartsContent:
    """Translate ``parts``; the function calls are numbered from ``first_call_index`` (for their ids)."""
    out = PartsContent()
    texts: list[str] = []
    thoughts: list[str] = []
    for part in parts or ():
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str):
            (thoughts if part.get("thought") is True else texts).append(text)
        call = part.get("functionCall")
        if isinstance(call, dict):
            index = first_call_index + len(out.tool_calls)
            call_id = make_tool_call_id(response_id, index, call.get("id"))
            call_id = join_tool_call_id(call_id, part.get("thoughtSignature"))
            out.tool_calls.append(make_tool_call(call_id, str(call.get("name") or ""), call.get("args") or {}))
    out.text = "".join(texts)
    out.reasoning = "".join(thoughts)
    return out


def first_candidate(response: dict[str, Any]) -> dict[str, Any] | None:
    """Candidate 0 of a response (Gemini omits ``index`` when it is 0)."""
    for candidate in response.get("candidates") or ():
        if isinstance(candidate, dict) and candidate.get("index", 0) == 0:
            return candidate
    return None


def block_reason(response: dict[str, Any]) -> str | None:
    """``promptFeedback.blockReason`` of a response, when the prompt was blocked."""
    feedback = response.get("promptFeedback")
    reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
    return reason if isinstance(reason, str) and reason else None


def parse_response(body: bytes, ctx: CallContext) -> ChatCompletion:
    """Parse a ``generateContent`` body (or the JSON array ``streamGenerateContent`` sends without SSE)."""
    data = from_json(body)
    if isinstance(data, list):
        data = _merge_chunks(data)
    if not isinstance(data, dict):
        raise ValueError("a Gemini response must be a JSON object")
    if isinstance(data.get("error"), dict):
        raise error_from_payload(data, 200, {}, ctx)
    response_id = data.get("responseId")
    candidate = first_candidate(data)
    usage = convert_usage(data.get("usageMetadata"))
    common: dict[str, Any] = {
        "id": response_id or f"chatcmpl-{uuid.uuid4().hex}",
        "model": data.get("modelVersion") or ctx.model,
        "usage": usage,
    }
    if candidate is None:
        block = block_reason(data)
        if block is None:
            raise UpstreamError(
                "Gemini answered without a candidate and without a block reason",
                provider=ctx.provider,
                model=ctx.model,
            )
        return make_completion(content=None, finish_reason=BLOCKED_PROMPT, native_finish_reason=block, **common)
    native = candidate.get("finishReason")
    if not isinstance(native, str) or not native:
        raise UpstreamError(
            "Gemini's answer has no finishReason (the answer was cut short)", provider=ctx.provider, model=ctx.model
        )
    error = finish_error(native, ctx)
    if error is not None:
        raise error
    content = read_parts((candidate.get("content") or {}).get("parts"), response_id)
    return make_completion(
        content=content.text or None,
        reasoning_content=content.reasoning or None,
        tool_calls=content.tool_calls or None,
        finish_reason=map_finish_reason(native, bool(content.tool_calls)),
        native_finish_reason=native,
        **common,
    )


def _merge_chunks(chunks: list[Any]) -> dict[str, Any]:
    """One response from the chunks of a JSON-array stream: parts concatenated, last finish and usage."""
    merged: dict[str, Any] = {}
    parts: list[Any] = []
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    for chunk in chunks:
        if not isinstance(chunk, dict):
            continue
        if "error" in chunk:
            return chunk
        for key in ("responseId", "modelVersion", "promptFeedback"):
            if key in chunk:
                merged.setdefault(key, chunk[key])
        if "usageMetadata" in chunk:
            merged["usageMetadata"] = chunk["usageMetadata"]
        found = first_candidate(chunk)
        if found is not None:
            merged["candidates"] = [candidate]
            parts.extend((found.get("content") or {}).get("parts") or ())
            if found.get("finishReason"):
                candidate["finishReason"] = found["finishReason"]
    return merged
