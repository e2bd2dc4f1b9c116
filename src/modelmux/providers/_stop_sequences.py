"""OpenAI ``stop`` → the non-blank stop sequences, for the providers that reject blank ones (Anthropic, Bedrock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import BadRequestError
from ._base import CallContext

__all__ = ["nonblank_stop_sequences"]


def nonblank_stop_sequences(
    stop: Any, ctx: CallContext, bad_request: Callable[[str, str], BadRequestError], who: str
) -> list[str]:
    """``stop`` (a string or a list of strings) as a list; empty or whitespace-only ones are unsupported."""
    if stop is None:
        return []
    sequences = [stop] if isinstance(stop, str) else stop
    if not isinstance(sequences, list) or not all(isinstance(s, str) for s in sequences):
        raise bad_request("stop must be a string or a list of strings", "stop")
    kept = [s for s in sequences if s.strip()]
    if len(kept) != len(sequences):
        ctx.unsupported("stop", f"{who} rejects empty or whitespace-only stop sequences")
    return kept
