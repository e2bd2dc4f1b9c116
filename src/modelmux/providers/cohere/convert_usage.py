"""Cohere ``usage`` → OpenAI ``usage``.

Cohere reports two counts (https://docs.cohere.com/reference/chat, response ``usage``):
``billed_units`` (what is charged: the caller's own tokens, without the prompt template and system
preamble Cohere adds) and ``tokens`` (every token the model actually read and wrote). OpenAI, Anthropic and
Gemini report the tokens the model processed, template included, so ``tokens`` is used:
``prompt_tokens`` = ``tokens.input_tokens``, ``completion_tokens`` = ``tokens.output_tokens`` (which already
counts the reasoning tokens, as OpenAI's does), ``reasoning_tokens`` = ``tokens.reasoning_tokens``,
``cached_tokens`` = ``cached_tokens``. An answer without ``tokens`` falls back to ``billed_units``. Both
native objects are kept verbatim as ``usage.billed_units`` / ``usage.tokens`` for cost accounting.
"""

from __future__ import annotations

from typing import Any

from .._shapes import make_usage

__all__ = ["convert_usage"]


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def convert_usage(usage: Any) -> dict[str, Any] | None:
    """The OpenAI usage dict for Cohere's ``usage`` object (None when there is none)."""
    if not isinstance(usage, dict):
        return None
    tokens = usage.get("tokens") if isinstance(usage.get("tokens"), dict) else None
    billed = usage.get("billed_units") if isinstance(usage.get("billed_units"), dict) else None
    counts = tokens or billed or {}
    extra: dict[str, Any] = {}
    if billed is not None:
        extra["billed_units"] = billed
    if tokens is not None:
        extra["tokens"] = tokens
    return make_usage(
        _int(counts.get("input_tokens")),
        _int(counts.get("output_tokens")),
        cached_tokens=_int(usage.get("cached_tokens")),
        reasoning_tokens=_int((tokens or {}).get("reasoning_tokens")),
        **extra,
    )
