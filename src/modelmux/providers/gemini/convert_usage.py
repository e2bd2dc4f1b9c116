"""Gemini ``usageMetadata`` → OpenAI ``usage`` (https://ai.google.dev/api/generate-content#UsageMetadata).

``candidatesTokenCount`` excludes thinking, so completion tokens are candidates + thoughts (OpenAI counts
reasoning inside ``completion_tokens``). Prompt tokens include the prompt of built-in tools
(``toolUsePromptTokenCount``, e.g. search results); ``cachedContentTokenCount`` is a part of the prompt.
Audio prompt tokens (``promptTokensDetails``, modality ``AUDIO``) become ``prompt_tokens_details.audio_tokens``,
as OpenAI reports them: Gemini prices audio input apart (https://ai.google.dev/gemini-api/docs/pricing).
"""

from __future__ import annotations

from typing import Any

from .._shapes import make_usage

__all__ = ["convert_usage"]


def convert_usage(metadata: Any) -> dict[str, Any] | None:
    """The OpenAI usage dict, or ``None`` when Gemini sent no ``usageMetadata``."""
    if not isinstance(metadata, dict):
        return None
    thoughts = _count(metadata, "thoughtsTokenCount")
    usage = make_usage(
        _count(metadata, "promptTokenCount") + _count(metadata, "toolUsePromptTokenCount"),
        _count(metadata, "candidatesTokenCount") + thoughts,
        cached_tokens=_count(metadata, "cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )
    audio = sum(
        _count(d, "tokenCount")
        for d in metadata.get("promptTokensDetails") or ()
        if isinstance(d, dict) and d.get("modality") == "AUDIO"
    )
    if audio:
        usage["prompt_tokens_details"]["audio_tokens"] = audio
    return usage


def _count(metadata: dict[str, Any], key: str) -> int:
    value = metadata.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
