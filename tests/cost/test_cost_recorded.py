"""Recorded provider answers, translated by their provider, cost what their native usage says by hand.

The expected figures are computed here from the native usage fields and the price entry, apart from
modelmux's own normalisation: a token counted twice or missed by a translation shows as a difference.
"""

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from modelmux._registry import get_provider
from modelmux.cost import bundled_prices
from modelmux.cost.prices import Rates
from modelmux.providers._base import CallContext

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))
from conformance.cassette import Interaction, iter_cassettes, load_cassette  # noqa: E402


def _recorded(provider_class: str) -> list[Interaction]:
    found = []
    for path in iter_cassettes(provider_classes={provider_class}):
        for it in load_cassette(path):
            body = it.json() if it.status < 300 and it.is_chat and not it.is_stream else None
            if isinstance(body, dict) and body.get("usage" if provider_class == "anthropic" else "usageMetadata"):
                found.append(it)
    return found


def _rates(key: str, prompt_tokens: int) -> Rates | None:
    entry = bundled_prices().get(key)
    return None if entry is None else entry.resolve(prompt_tokens, None)


def _anthropic_expected(usage: dict[str, Any], model: str) -> float | None:
    read, written = usage.get("cache_read_input_tokens") or 0, usage.get("cache_creation_input_tokens") or 0
    split = usage.get("cache_creation") or {}
    hour = split.get("ephemeral_1h_input_tokens") or 0
    rates = _rates(f"anthropic/{model}", usage["input_tokens"] + read + written)
    if rates is None:
        return None
    assert rates.input and rates.output and rates.cache_read and rates.cache_write_5m and rates.cache_write_1h
    searches = (usage.get("server_tool_use") or {}).get("web_search_requests") or 0
    if searches and rates.web_search is None:
        return None  # the per-search price is unknown: so is the cost
    return (
        usage["input_tokens"] * rates.input
        + read * rates.cache_read
        + (written - hour) * rates.cache_write_5m
        + hour * rates.cache_write_1h
        + usage["output_tokens"] * rates.output
    ) / 1e6 + searches * (rates.web_search or 0.0)


def _gemini_expected(meta: dict[str, Any], model: str) -> float | None:
    prompt = (meta.get("promptTokenCount") or 0) + (meta.get("toolUsePromptTokenCount") or 0)
    cached = meta.get("cachedContentTokenCount") or 0
    rates = _rates(f"gemini/{model}", prompt)
    if rates is None:
        return None
    assert rates.input and rates.output
    out = (meta.get("candidatesTokenCount") or 0) + (meta.get("thoughtsTokenCount") or 0)
    return ((prompt - cached) * rates.input + cached * (rates.cache_read or 0) + out * rates.output) / 1e6


ANTHROPIC = [it for it in _recorded("anthropic") if _anthropic_expected(it.json()["usage"], it.json()["model"])]
GEMINI = [
    it
    for it in _recorded("gemini")
    if _gemini_expected(it.json()["usageMetadata"], it.json().get("modelVersion") or "")
]


def test_there_is_priced_recorded_traffic() -> None:
    assert len(ANTHROPIC) >= 5 and len(GEMINI) >= 3


@pytest.mark.parametrize("it", ANTHROPIC, ids=repr)
def test_recorded_anthropic_message_costs_its_native_usage(it: Interaction) -> None:
    body = it.json()
    ctx = CallContext("anthropic", body["model"], api_base="https://api.anthropic.com")
    reply = get_provider("anthropic").parse_chat_response(json.dumps(body).encode(), ctx)
    assert reply.response_cost == pytest.approx(_anthropic_expected(body["usage"], body["model"]))


@pytest.mark.parametrize("it", GEMINI, ids=repr)
def test_recorded_gemini_answer_costs_its_native_usage(it: Interaction) -> None:
    body = it.json()
    model = body["modelVersion"]
    ctx = CallContext("gemini", model, api_base="https://generativelanguage.googleapis.com")
    reply = get_provider("gemini").parse_chat_response(json.dumps(body).encode(), ctx)
    assert reply.response_cost == pytest.approx(_gemini_expected(body["usageMetadata"], model))


def test_recorded_answers_with_unpriced_web_searches_cost_none() -> None:
    searched = [
        it
        for it in _recorded("anthropic")
        if (it.json()["usage"].get("server_tool_use") or {}).get("web_search_requests")
    ]
    assert searched
    for it in searched:
        body = it.json()
        ctx = CallContext("anthropic", body["model"], api_base="https://api.anthropic.com")
        assert get_provider("anthropic").parse_chat_response(json.dumps(body).encode(), ctx).response_cost is None
