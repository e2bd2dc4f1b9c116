"""Usage normalisation: every token in exactly one bucket, whichever provider reported it."""

from dataclasses import astuple
from typing import Any

import pytest

from modelmux.cost import TokenUsage, normalize_usage
from modelmux.providers.anthropic.convert_usage import convert_usage as anthropic_usage
from modelmux.providers.bedrock.convert_usage import convert_usage as bedrock_usage
from modelmux.providers.gemini.convert_usage import convert_usage as gemini_usage
from modelmux.types import Usage


def _total(usage: TokenUsage) -> int:
    # Token buckets only: web searches are requests, and ``geo`` (the region) is not a count.
    return sum(v for v in astuple(usage) if isinstance(v, int)) - usage.web_search


ANTHROPIC = [
    {"input_tokens": 16, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 13},
    {
        "input_tokens": 7,
        "cache_read_input_tokens": 3000,
        "cache_creation_input_tokens": 900,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 900},
        "output_tokens": 250,
        "output_tokens_details": {"thinking_tokens": 200},
    },
]


@pytest.mark.parametrize("native", ANTHROPIC)
def test_anthropic_native_and_translated_usage_agree(native: dict[str, Any]) -> None:
    translated = anthropic_usage(native)
    assert translated is not None
    direct, via = normalize_usage(native), normalize_usage(Usage.model_validate(translated))
    assert direct == via
    billed_in = native["input_tokens"] + native["cache_read_input_tokens"] + native["cache_creation_input_tokens"]
    assert direct.prompt_tokens == billed_in == translated["prompt_tokens"]
    assert _total(direct) == billed_in + native["output_tokens"]


def test_anthropic_1_hour_writes_are_kept_apart() -> None:
    usage = normalize_usage(anthropic_usage(ANTHROPIC[1]))
    assert (usage.cache_write_5m, usage.cache_write_1h, usage.cache_read, usage.input) == (0, 900, 3000, 7)
    assert (usage.reasoning, usage.output) == (200, 50)


def test_bedrock_cache_reads_and_writes_counted_once() -> None:
    native = {"inputTokens": 43, "outputTokens": 165, "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 500}
    usage = normalize_usage(bedrock_usage(native))
    assert (usage.input, usage.cache_read, usage.cache_write_5m, usage.output) == (43, 1000, 500, 165)
    assert _total(usage) == 43 + 1000 + 500 + 165


def test_gemini_native_and_translated_usage_agree() -> None:
    native = {
        "promptTokenCount": 5000,
        "cachedContentTokenCount": 4000,
        "candidatesTokenCount": 120,
        "thoughtsTokenCount": 300,
        "toolUsePromptTokenCount": 50,
    }
    direct, via = normalize_usage(native), normalize_usage(gemini_usage(native))
    assert direct == via
    assert (direct.input, direct.cache_read, direct.output, direct.reasoning) == (1050, 4000, 120, 300)


def test_openai_usage_buckets() -> None:
    usage = normalize_usage(
        {
            "prompt_tokens": 1000,
            "completion_tokens": 600,
            "prompt_tokens_details": {"cached_tokens": 300, "audio_tokens": 200},
            "completion_tokens_details": {"reasoning_tokens": 400, "audio_tokens": 100},
        }
    )
    assert (usage.input, usage.cache_read, usage.input_audio) == (500, 300, 200)
    assert (usage.output, usage.reasoning, usage.output_audio) == (100, 400, 100)
    assert _total(usage) == 1600


@pytest.mark.parametrize(
    "bad",
    [
        {"prompt_tokens": 10, "completion_tokens": 0, "prompt_tokens_details": {"cached_tokens": 20}},
        {"prompt_tokens": 10, "completion_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 6}},
        {"prompt_tokens": -1, "completion_tokens": 0},
        {"promptTokenCount": 10, "cachedContentTokenCount": 11},
    ],
)
def test_contradictory_usage_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        normalize_usage(bad)


def test_gemini_audio_prompt_tokens_are_kept_apart() -> None:
    native = {
        "promptTokenCount": 1500,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 500}, {"modality": "AUDIO", "tokenCount": 1000}],
        "candidatesTokenCount": 10,
    }
    usage = normalize_usage(gemini_usage(native))
    assert (usage.input, usage.input_audio, usage.output) == (500, 1000, 10)
