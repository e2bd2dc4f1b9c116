"""What a cache entry holds: the answer's JSON under a one-line header (its kind and when it was stored).

``chat`` is a ``ChatCompletion``, ``chunks`` a stream's chunks as a JSON list (replayed one by one as
``ChatCompletionChunk``), ``embedding`` an ``EmbeddingResponse``, ``moderation`` a ``ModerationResponse``,
``rerank`` a ``RerankResponse``, ``transcription`` a ``TranscriptionResponse`` and ``text`` a transcription asked
as ``text``/``srt``/``vtt`` (a plain string, UTF-8). Unknown fields the provider sent are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..types import ChatCompletion, ChatCompletionChunk, EmbeddingResponse, ModerationResponse, TranscriptionResponse
from ..types_rerank import RerankResponse

__all__ = [
    "CHAT",
    "CHUNKS",
    "EMBEDDING",
    "MODERATION",
    "RERANK",
    "TEXT",
    "TRANSCRIPTION",
    "Entry",
    "chunk_json",
    "decode",
    "encode",
    "encode_chunk_json",
]

CHAT = "chat"
CHUNKS = "chunks"
EMBEDDING = "embedding"
MODERATION = "moderation"
RERANK = "rerank"
TRANSCRIPTION = "transcription"
TEXT = "text"

_MODELS: dict[str, type[BaseModel]] = {
    CHAT: ChatCompletion,
    EMBEDDING: EmbeddingResponse,
    MODERATION: ModerationResponse,
    RERANK: RerankResponse,
    TRANSCRIPTION: TranscriptionResponse,
}
_CHUNK_LIST: TypeAdapter[list[ChatCompletionChunk]] = TypeAdapter(list[ChatCompletionChunk])


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    stored_at: float
    value: Any  # a model, or a list of chunks


def _json(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)


def encode(kind: str, value: BaseModel | str, stored_at: float) -> bytes:
    """An entry of ``kind``; a plain string answer (a text transcription) is stored as ``text``."""
    if isinstance(value, str):
        return f"{TEXT} {stored_at!r}\n".encode() + value.encode("utf-8")
    return f"{kind} {stored_at!r}\n".encode() + _json(value)


def chunk_json(chunk: ChatCompletionChunk) -> bytes:
    """One chunk as it is stored (a stream is recorded chunk by chunk: bytes, not the chunk objects)."""
    return _json(chunk)


def encode_chunk_json(parts: Sequence[bytes], stored_at: float) -> bytes:
    """A stream's entry from its chunks' JSON (:func:`chunk_json`)."""
    return f"{CHUNKS} {stored_at!r}\n".encode() + b"[" + b",".join(parts) + b"]"


def decode(raw: bytes) -> Entry | None:
    """The entry, or None for bytes that are not one (another program's key, a newer format): a miss."""
    head, _, body = raw.partition(b"\n")
    try:
        kind, stamp = head.decode("ascii").split(" ")
        stored_at = float(stamp)
        if kind == CHUNKS:
            return Entry(kind, stored_at, _CHUNK_LIST.validate_json(body))
        if kind == TEXT:
            return Entry(kind, stored_at, body.decode("utf-8"))
        model = _MODELS.get(kind)
        if model is None:
            return None
        return Entry(kind, stored_at, model.model_validate_json(body))
    except (ValueError, UnicodeDecodeError, ValidationError):
        return None
