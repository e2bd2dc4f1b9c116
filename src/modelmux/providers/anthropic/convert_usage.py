"""Anthropic ``usage`` → OpenAI ``usage``.

Anthropic's ``input_tokens`` excludes cached tokens, so the prompt is input + cache writes + cache reads;
``cached_tokens`` are the cache reads (what OpenAI reports as cached). ``output_tokens`` already includes
thinking; ``output_tokens_details.thinking_tokens``, when present, becomes ``reasoning_tokens``.
The cache counts are also kept as ``cache_creation_input_tokens`` / ``cache_read_input_tokens``, with the
writes' ``cache_creation`` split by lifetime (5-minute and 1-hour writes are priced apart), so cost can be
computed; ``server_tool_use`` (e.g. ``{"web_search_requests": 10}``, billed per request) is kept as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._shapes import make_usage

__all__ = ["convert_usage"]


def convert_usage(usage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not usage:
        return None
    if not isinstance(usage, Mapping):
        raise ValueError("Anthropic usage is not a JSON object")
    created = usage.get("cache_creation_input_tokens") or 0
    read = usage.get("cache_read_input_tokens") or 0
    details = usage.get("output_tokens_details")
    thinking = details.get("thinking_tokens") if isinstance(details, Mapping) else None
    extra: dict[str, Any] = {}
    if isinstance(usage.get("server_tool_use"), Mapping):
        extra["server_tool_use"] = dict(usage["server_tool_use"])
    if isinstance(usage.get("cache_creation"), Mapping):  # the 5-minute / 1-hour split, priced apart
        extra["cache_creation"] = dict(usage["cache_creation"])
    if isinstance(usage.get("inference_geo"), str):  # where inference ran: "us" costs more (data residency)
        extra["inference_geo"] = usage["inference_geo"]
    return make_usage(
        (usage.get("input_tokens") or 0) + created + read,
        usage.get("output_tokens") or 0,
        cached_tokens=read,
        reasoning_tokens=thinking,
        cache_creation_input_tokens=created,
        cache_read_input_tokens=read,
        **extra,
    )
