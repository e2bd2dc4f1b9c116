"""The ``usage`` of image and transcription answers → :class:`TokenUsage`, and a transcription's billed seconds.

OpenAI reports them in shapes of their own (API reference, "The image generation response" and "The
transcription object"): images ``{input_tokens, input_tokens_details: {text_tokens, image_tokens}, output_tokens
[, output_tokens_details: {text_tokens, image_tokens}]}`` (output tokens are image tokens unless split);
transcriptions ``{"type": "tokens", input_tokens, input_token_details: {text_tokens, audio_tokens},
output_tokens}`` or ``{"type": "duration", "seconds": N}``. A count that contradicts its total, or a split
this module cannot place (cached tokens, an unsplit input), raises ``ValueError``: the cost is then unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .normalize_usage import TokenUsage

__all__ = ["audio_seconds", "image_usage", "transcription_usage"]


def image_usage(usage: Mapping[str, Any]) -> TokenUsage:
    """An images answer's token usage: text and image input, image (and text) output."""
    details = _details(usage, "input_tokens_details")
    text_in, image_in = _count(details, "text_tokens"), _count(details, "image_tokens")
    if text_in + image_in != _count(usage, "input_tokens"):
        raise ValueError("image input tokens are not split into text and image tokens")
    output = _count(usage, "output_tokens")
    out = usage.get("output_tokens_details")
    text_out = _count(out, "text_tokens") if isinstance(out, Mapping) else 0
    image_out = _count(out, "image_tokens") if isinstance(out, Mapping) else output
    if text_out + image_out != output:
        raise ValueError("image output tokens do not add up")
    return TokenUsage(input=text_in, input_image=image_in, output=text_out, output_image=image_out)


def transcription_usage(usage: Mapping[str, Any]) -> TokenUsage | None:
    """A token-billed transcription's usage (audio and text input, text output); ``None`` for another type."""
    if usage.get("type") != "tokens":
        return None
    details = _details(usage, "input_token_details")
    text_in, audio_in = _count(details, "text_tokens"), _count(details, "audio_tokens")
    if text_in + audio_in != _count(usage, "input_tokens"):
        raise ValueError("transcription input tokens are not split into text and audio tokens")
    return TokenUsage(input=text_in, input_audio=audio_in, output=_count(usage, "output_tokens"))


def audio_seconds(result: Any) -> float | None:
    """The seconds of audio a transcription was billed for: ``usage.seconds`` of a duration-billed answer (Mistral:
    ``usage.prompt_audio_seconds``), else the ``duration`` a ``verbose_json`` answer gives; ``None`` when the answer
    says neither (``json`` format answers of older servers: the audio's length is not known here, and is never
    guessed). ``result``: a mapping or a result model (both have ``get``)."""
    usage = result.get("usage")
    if isinstance(usage, Mapping) and usage.get("type") == "duration":
        return _seconds(usage.get("seconds"))
    if isinstance(usage, Mapping) and usage.get("prompt_audio_seconds") is not None:
        # Mistral's transcriptions: ``usage.prompt_audio_seconds`` (the ``mistralai`` SDK's ``UsageInfo``)
        return _seconds(usage.get("prompt_audio_seconds"))
    return _seconds(result.get("duration"))


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"an audio duration of {value!r} seconds")
    return float(value)


def _details(usage: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    details = usage.get(name)
    if details is None and not _count(usage, "input_tokens"):
        return {}
    if not isinstance(details, Mapping):
        raise ValueError(f"usage without {name}")
    if _count(details, "cached_tokens"):
        raise ValueError("cached input tokens of an image or audio answer are not priced here")
    return details


def _count(doc: Any, key: str) -> int:
    value = doc.get(key) if isinstance(doc, Mapping) else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} is not a token count: {value!r}")
    return value
