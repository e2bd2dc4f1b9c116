"""The operations a router serves: the library function behind each, and a token estimate for ``tpm`` limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import _api, _embeddings, _images, _moderations, _rerank, _transcriptions

__all__ = ["OPERATIONS", "Operation", "estimate_tokens"]

#: Characters per token, for an estimate made before sending (OpenAI's rule of thumb for English text); exact
#: counting (``modelmux.tokens``) costs more CPU than the router may add to a call.
CHARS_PER_TOKEN = 4


def _text_size(value: Any, depth: int = 0) -> int:
    """Characters of text in ``value`` (strings in nested lists/dicts), bounded in depth."""
    if isinstance(value, str):
        return len(value)
    if depth > 4:
        return 0
    if isinstance(value, Mapping):
        return sum(_text_size(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_text_size(v, depth + 1) for v in value)
    return 0


def estimate_tokens(arguments: Mapping[str, Any]) -> int:
    """Tokens a request will probably use: its text / :data:`CHARS_PER_TOKEN`, plus ``max_tokens`` when given."""
    text = _text_size(arguments.get("messages")) + _text_size(arguments.get("input"))
    text += _text_size(arguments.get("prompt")) + _text_size(arguments.get("query"))
    out = arguments.get("max_completion_tokens") or arguments.get("max_tokens") or 0
    return text // CHARS_PER_TOKEN + (out if isinstance(out, int) else 0)


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    sync: Callable[..., Any]
    async_: Callable[..., Awaitable[Any]]
    #: Its streams may fail over before their first chunk (chat only).
    streams: bool = False


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("completion", _api.completion, _api.acompletion, streams=True),
        Operation("embedding", _embeddings.embedding, _embeddings.aembedding),
        Operation("image_generation", _images.image_generation, _images.aimage_generation),
        Operation("transcription", _transcriptions.transcription, _transcriptions.atranscription),
        Operation("moderation", _moderations.moderation, _moderations.amoderation),
        Operation("rerank", _rerank.rerank, _rerank.arerank),
    )
}
