"""The chunk most of a stream is made of, built from the stream's stamp made once (see ``ChunkFactory.text``).

One text field (``content``, ``reasoning_content`` or ``refusal``), no finish reason: the same chunk
:func:`~modelmux.types.construct_text_chunk` makes (equal to the validated one field for field; a test checks), with
the top-level fields copied from a dict made once per stream and the field sets copied from frozen ones.
"""

from __future__ import annotations

from typing import Any

from ..types import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    _new,
    _set_dict,
    _set_extra,
    _set_fields,
    _set_private,
)

__all__ = ["chunk_stamp", "construct_field_chunk"]

#: A text delta's fields, all unset (``construct_field_chunk`` copies it and fills one).
_EMPTY_DELTA: dict[str, Any] = {
    "role": None,
    "content": None,
    "refusal": None,
    "tool_calls": None,
    "reasoning_content": None,
}
_CHOICE_FIELDS = frozenset({"index", "delta", "finish_reason", "logprobs"})
_CHUNK_FIELDS = frozenset({"id", "object", "created", "model", "choices"})


def chunk_stamp(id: str, created: int, model: str) -> dict[str, Any]:
    """The ``__dict__`` of a stream's chunks but ``choices``, for :func:`construct_field_chunk` to copy."""
    return {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": None,
        "usage": None,
        "system_fingerprint": None,
    }


def construct_field_chunk(stamp: dict[str, Any], field: str, text: str) -> ChatCompletionChunk:
    """:func:`~modelmux.types.construct_text_chunk` of a delta with one field (``content``, ``reasoning_content``
    or ``refusal``) and no finish reason, the stream's stamp made once (:func:`chunk_stamp`): the chunk most of a
    stream is made of.

    The caller vouches that ``stamp`` came from :func:`chunk_stamp` with exact ``str``/``int``/``str`` values,
    that ``field`` is one of those three and ``text`` an exact ``str``; the result equals the validated chunk.
    """
    delta = _EMPTY_DELTA.copy()
    delta[field] = text
    d = _new(ChoiceDelta)
    _set_dict(d, delta)
    _set_fields(d, {field})
    _set_extra(d, {})
    _set_private(d, None)
    c = _new(ChunkChoice)
    _set_dict(c, {"index": 0, "delta": d, "finish_reason": None, "logprobs": None})
    _set_fields(c, set(_CHOICE_FIELDS))
    _set_extra(c, {})
    _set_private(c, None)
    k = _new(ChatCompletionChunk)
    chunk = stamp.copy()
    chunk["choices"] = [c]
    _set_dict(k, chunk)
    _set_fields(k, set(_CHUNK_FIELDS))
    _set_extra(k, {})
    _set_private(k, None)
    return k
