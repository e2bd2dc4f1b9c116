"""Converse ``usage`` → OpenAI ``usage``.

``TokenUsage`` (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html):
``inputTokens`` excludes the prompt tokens read from or written to the cache
(https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html), so the prompt is
input + cache reads + cache writes and ``cached_tokens`` are the reads. The cache counts are also kept as
``cache_read_input_tokens`` / ``cache_creation_input_tokens`` for cost (writes are billed above input).
Converse does not split reasoning tokens out of ``outputTokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._shapes import make_usage

__all__ = ["convert_usage"]


def convert_usage(usage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not usage:
        return None
    read = usage.get("cacheReadInputTokens") or 0
    written = usage.get("cacheWriteInputTokens") or 0
    return make_usage(
        (usage.get("inputTokens") or 0) + read + written,
        usage.get("outputTokens") or 0,
        cached_tokens=read,
        cache_read_input_tokens=read,
        cache_creation_input_tokens=written,
    )
