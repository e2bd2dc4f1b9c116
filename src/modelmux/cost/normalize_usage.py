"""Any provider's usage → one convention, where every token is in exactly one billing bucket.

modelmux's providers all report OpenAI-shaped ``usage``: ``prompt_tokens`` counts every input token,
cache reads (``prompt_tokens_details.cached_tokens``) and cache writes (``cache_creation_input_tokens``,
kept by the Anthropic, Bedrock and Vertex-Claude translations) included; ``completion_tokens`` counts
reasoning tokens (``completion_tokens_details.reasoning_tokens``). Anthropic-native usage
(``input_tokens`` *excludes* cache reads and writes), Gemini-native ``usageMetadata`` and Bedrock Converse
``usage`` (``inputTokens``, also without the cache) are accepted too. A usage that says what was billed (Cohere's
``billed_units``, kept by its translation) is priced on that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TokenUsage", "normalize_usage"]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Disjoint token counts: their sum is everything billed, and no token is in two fields."""

    #: Uncached text input (image and audio input apart).
    input: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    input_audio: int = 0
    cache_read_audio: int = 0
    input_image: int = 0
    #: Visible text output (reasoning and audio output apart).
    output: int = 0
    reasoning: int = 0
    output_audio: int = 0
    output_image: int = 0
    web_search: int = 0
    #: Where inference ran when the provider bills a region apart (Anthropic's ``inference_geo``: ``"us"``);
    #: ``None`` or ``"global"``: the standard price.
    geo: str | None = None

    @property
    def prompt_tokens(self) -> int:
        """Every input token, cached ones included (what long-context thresholds compare against)."""
        return (
            self.input
            + self.cache_read
            + self.cache_write_5m
            + self.cache_write_1h
            + self.input_audio
            + self.cache_read_audio
            + self.input_image
        )

    @property
    def completion_tokens(self) -> int:
        return self.output + self.reasoning + self.output_audio + self.output_image


def normalize_usage(usage: Any) -> TokenUsage:
    """A :class:`TokenUsage` from a ``Usage`` model or a usage dict (OpenAI, Anthropic, Gemini or Bedrock native).

    Raises ``ValueError`` when the counts contradict each other (e.g. more cached tokens than prompt tokens).
    """
    doc = usage.model_dump() if hasattr(usage, "model_dump") else usage
    if not isinstance(doc, Mapping):
        raise ValueError("usage is not an object")
    if "promptTokenCount" in doc or "candidatesTokenCount" in doc:
        return _from_gemini(doc)
    billed = _from_billed_units(doc.get("billed_units"))
    if billed is not None:
        return billed
    if "prompt_tokens" not in doc and "input_tokens" in doc:
        return _from_anthropic(doc)
    if "prompt_tokens" not in doc and "inputTokens" in doc:
        return _from_bedrock(doc)
    return _from_openai(doc)


def _int(doc: Any, key: str) -> int:
    value = doc.get(key) if isinstance(doc, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    if value < 0:
        raise ValueError(f"negative token count {key}={value}")
    return value


def _split_writes(doc: Mapping[str, Any], total: int) -> tuple[int, int]:
    """Cache writes split by lifetime: Anthropic's ``cache_creation`` breakdown, else all at the 5-minute rate
    (the default TTL; https://docs.claude.com/en/docs/build-with-claude/prompt-caching#1-hour-cache-duration)."""
    detail = doc.get("cache_creation")
    if isinstance(detail, Mapping):
        one_hour = _int(detail, "ephemeral_1h_input_tokens")
        five = _int(detail, "ephemeral_5m_input_tokens")
        if five + one_hour == total or not total:
            return five, one_hour
        if one_hour <= total:
            return total - one_hour, one_hour
    return total, 0


def _geo(doc: Mapping[str, Any]) -> str | None:
    """Anthropic's ``usage.inference_geo`` (https://platform.claude.com/docs/en/build-with-claude/data-residency)."""
    geo = doc.get("inference_geo")
    return geo if isinstance(geo, str) and geo else None


def _web_searches(doc: Mapping[str, Any]) -> int:
    return _int(doc.get("server_tool_use"), "web_search_requests")


def _from_openai(doc: Mapping[str, Any]) -> TokenUsage:
    prompt = _int(doc, "prompt_tokens")
    completion = _int(doc, "completion_tokens")
    pdet = doc.get("prompt_tokens_details") or {}
    cdet = doc.get("completion_tokens_details") or {}
    # Mistral answered ``num_cached_tokens`` before it had ``prompt_tokens_details`` (same count, other name).
    cached = _int(pdet, "cached_tokens") or _int(doc, "cache_read_input_tokens") or _int(doc, "num_cached_tokens")
    written = _int(doc, "cache_creation_input_tokens")
    five, hour = _split_writes(doc, written)
    audio_in, image_in = _int(pdet, "audio_tokens"), _int(pdet, "image_tokens")
    # OpenAI's cached_tokens may include cached audio; it reports the split as cached_tokens_details.
    cached_audio = min(_int(pdet.get("cached_tokens_details"), "audio_tokens"), cached)
    reasoning, audio_out = _int(cdet, "reasoning_tokens"), _int(cdet, "audio_tokens")
    image_out = _int(cdet, "image_tokens")
    text_in = prompt - cached - written - (audio_in - cached_audio) - image_in
    text_out = completion - reasoning - audio_out - image_out
    if text_in < 0 or text_out < 0 or audio_in < cached_audio:
        raise ValueError(f"usage parts exceed their totals: {dict(doc)!r}")
    return TokenUsage(
        input=text_in,
        cache_read=cached - cached_audio,
        cache_write_5m=five,
        cache_write_1h=hour,
        input_audio=audio_in - cached_audio,
        cache_read_audio=cached_audio,
        input_image=image_in,
        output=text_out,
        reasoning=reasoning,
        output_audio=audio_out,
        output_image=image_out,
        web_search=_web_searches(doc),
        geo=_geo(doc),
    )


def _from_anthropic(doc: Mapping[str, Any]) -> TokenUsage:
    """Anthropic's Messages ``usage``: ``input_tokens`` are the uncached tokens after the last breakpoint
    (https://docs.claude.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance)."""
    written = _int(doc, "cache_creation_input_tokens")
    five, hour = _split_writes(doc, written)
    details = doc.get("output_tokens_details")
    reasoning = _int(details, "thinking_tokens")
    output = _int(doc, "output_tokens")
    if reasoning > output:
        raise ValueError("thinking tokens exceed output tokens")
    return TokenUsage(
        input=_int(doc, "input_tokens"),
        cache_read=_int(doc, "cache_read_input_tokens"),
        cache_write_5m=five,
        cache_write_1h=hour,
        output=output - reasoning,
        reasoning=reasoning,
        web_search=_web_searches(doc),
        geo=_geo(doc),
    )


def _from_gemini(doc: Mapping[str, Any]) -> TokenUsage:
    """Gemini's ``usageMetadata``: ``promptTokenCount`` includes ``cachedContentTokenCount``; thoughts are
    apart from ``candidatesTokenCount`` (https://ai.google.dev/api/generate-content#UsageMetadata)."""
    prompt = _int(doc, "promptTokenCount") + _int(doc, "toolUsePromptTokenCount")
    cached = _int(doc, "cachedContentTokenCount")
    if cached > prompt:
        raise ValueError("cached tokens exceed prompt tokens")
    return TokenUsage(
        input=prompt - cached,
        cache_read=cached,
        output=_int(doc, "candidatesTokenCount"),
        reasoning=_int(doc, "thoughtsTokenCount"),
    )


def _from_billed_units(billed: Any) -> TokenUsage | None:
    """Cohere's ``billed_units``: "the tokens that you're actually billed for", without the prompt template and
    special tokens Cohere adds (https://docs.cohere.com/docs/how-does-cohere-pricing-work); its output count
    includes the reasoning tokens, billed at the output rate."""
    if not isinstance(billed, Mapping) or not {"input_tokens", "output_tokens"} & billed.keys():
        return None
    return TokenUsage(input=_int(billed, "input_tokens"), output=_int(billed, "output_tokens"))


def _from_bedrock(doc: Mapping[str, Any]) -> TokenUsage:
    """Bedrock Converse ``usage``: ``inputTokens`` excludes the tokens read from or written to the cache
    (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html); writes count at the 5-minute
    rate, as the Bedrock translation reports them (``convert_usage``)."""
    return TokenUsage(
        input=_int(doc, "inputTokens"),
        cache_read=_int(doc, "cacheReadInputTokens"),
        cache_write_5m=_int(doc, "cacheWriteInputTokens"),
        output=_int(doc, "outputTokens"),
    )
