"""An Ollama answer body → ``ChatCompletion``, told apart by its shape rather than by the request that was
sent: a native ``/api/chat`` (``message``) or ``/api/generate`` (``response``) object, an OpenAI
``chat.completion`` (Ollama's ``/v1`` route), or a stream (NDJSON or SSE) sent to a request that asked for none.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import from_json

from ...errors import UpstreamError
from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion
from ..openai.parse_response import parse_chat_completion
from .convert_answer import answer_parts, check_done_reason, native_usage
from .decode_ndjson import NDJSONDecoder
from .errors import error_from_line
from .map_done_reason import map_done_reason

__all__ = ["is_openai_shape", "parse_native", "parse_ollama_response"]


def is_openai_shape(doc: dict[str, Any]) -> bool:
    return "choices" in doc or str(doc.get("object", "")).startswith("chat.completion")


def parse_native(doc: dict[str, Any], ctx: CallContext) -> ChatCompletion:
    if doc.get("done") is not True:
        raise UpstreamError("Ollama's answer is not finished (no done: true)", provider=ctx.provider, model=ctx.model)
    check_done_reason(doc, ctx)
    text, thinking, calls = answer_parts(doc)
    native = doc.get("done_reason")
    return make_completion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        model=str(doc.get("model") or ctx.model),
        content=text or (None if calls else ""),
        finish_reason=map_done_reason(native, bool(calls)),
        native_finish_reason=native if isinstance(native, str) else None,
        tool_calls=calls,
        reasoning_content=thinking or None,
        usage=native_usage(doc),
    )


def _from_stream(body: bytes, ctx: CallContext) -> ChatCompletion:
    from ..._streaming import stream_chunk_builder  # pure; only this unusual answer needs it
    from .stream import OllamaStreamTranslator

    decoder = NDJSONDecoder()
    translator = OllamaStreamTranslator(ctx, include_usage=True)
    chunks = []
    for event, data in [*decoder.feed(body), *decoder.flush()]:
        chunks += translator.feed(event, data)
    chunks += translator.finish()
    return stream_chunk_builder(chunks)


def parse_ollama_response(body: bytes, ctx: CallContext) -> ChatCompletion:
    """The answer as a ``ChatCompletion``; errors in a 200 raise the mapped error, garbage ``ValueError``."""
    try:
        doc = from_json(body)
    except ValueError:
        return _from_stream(body, ctx)
    if not isinstance(doc, dict):
        raise ValueError("the answer is not a JSON object")
    if is_openai_shape(doc):
        return parse_chat_completion(body, ctx)
    if "error" in doc:
        raise error_from_line(doc["error"], body[:500].decode("utf-8", "replace"), ctx)
    return parse_native(doc, ctx)
