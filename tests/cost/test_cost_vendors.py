"""Mistral's and Cohere's answers cost what their published rates and their own usage counts say.

Mistral rates: the docs.mistral.ai model pages (USD per 1M tokens; cache reads at 10% of input, as the chat API
reference says of ``prompt_cache_key``). Cohere's answers are billed on ``billed_units``
(https://docs.cohere.com/docs/how-does-cohere-pricing-work), not on the larger ``tokens`` count, at the rates
cohere.com/pricing publishes (Command R, Command R7B, legacy Command R+ 08-2024); a model the page does not price
(Command A) costs ``None`` unless the caller gives a price.
"""

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import modelmux
from modelmux import completion_cost, cost_per_token
from modelmux._registry import get_provider
from modelmux.cost import bundled_prices
from modelmux.providers._base import CallContext
from modelmux.types import ChatCompletion, EmbeddingResponse

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))
from conformance.cassette import Interaction, iter_cassettes, load_cassette  # noqa: E402
from conformance.replay import ReplayTransport  # noqa: E402


def _reply(model: str, usage: dict[str, Any]) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "x",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": usage,
        }
    )


# -- hand-checked figures from the published rates ---------------------------------------------------------


def test_mistral_medium_latest_is_medium_3_5_at_1_50_and_7_50() -> None:
    # 1,234 x $1.50 + 567 x $7.50 per 1M = $0.0018510 + $0.0042525
    reply = _reply("mistral-medium-latest", {"prompt_tokens": 1234, "completion_tokens": 567})
    assert completion_cost(reply) == pytest.approx(0.0061035)
    assert cost_per_token("mistral/mistral-medium-3.5", 1234, 567) == pytest.approx((0.001851, 0.0042525))


def test_mistral_large_latest_is_large_3_and_cache_reads_cost_a_tenth() -> None:
    # 2,000 uncached x $0.50 + 8,000 cached x $0.05 + 500 x $1.50 per 1M
    usage = {"prompt_tokens": 10_000, "completion_tokens": 500, "prompt_tokens_details": {"cached_tokens": 8_000}}
    assert completion_cost(_reply("mistral-large-latest", usage)) == pytest.approx(0.00215)
    # Large 2 ($2/$6) is retired: the moving alias must not price at its old rate.
    assert completion_cost(_reply("mistral-large-latest", {"prompt_tokens": 10**6})) == pytest.approx(0.5)


def test_mistrals_older_num_cached_tokens_are_cache_reads_too() -> None:
    # 1 uncached x $0.50 + 76 cached x $0.05 + 12 x $1.50 per 1M (a recorded mistral-large-latest usage)
    usage = {"prompt_tokens": 77, "completion_tokens": 12, "num_cached_tokens": 76}
    assert completion_cost(_reply("mistral-large-latest", usage)) == pytest.approx(22.3e-6)


def test_a_dated_mistral_id_the_catalog_lacks_is_priced_as_its_entry() -> None:
    # Mistral answers with the id asked for; a dated one is priced without naming the provider.
    usage = {"prompt_tokens": 10**6, "completion_tokens": 10**6}
    assert completion_cost(_reply("mistral-small-2603", usage)) == pytest.approx(0.15 + 0.60)
    assert completion_cost(_reply("mistral-small-latest", usage)) == pytest.approx(0.75)
    assert completion_cost(_reply("ministral-3b-latest", {"prompt_tokens": 2000, "completion_tokens": 3000})) == (
        pytest.approx(5000 * 0.10 / 1e6)
    )


def test_reasoning_tokens_are_billed_as_output() -> None:
    # magistral-medium: 664 x $2 + 747 x $5 per 1M, 500 of the 747 being reasoning
    usage = {"prompt_tokens": 664, "completion_tokens": 747, "completion_tokens_details": {"reasoning_tokens": 500}}
    assert completion_cost(_reply("magistral-medium-latest", usage)) == pytest.approx(0.005063)


def test_codestral_and_mistral_embed() -> None:
    assert cost_per_token("codestral-latest", 100, 200) == pytest.approx((30e-6, 180e-6))
    answer = EmbeddingResponse.model_validate(
        {"data": [{"index": 0, "embedding": [0.1]}], "model": "mistral-embed", "usage": {"prompt_tokens": 12_345}}
    )
    assert completion_cost(answer) == pytest.approx(12_345 * 0.10 / 1e6)


def test_mistral_batch_price_is_unknown_as_no_page_states_it() -> None:
    assert cost_per_token("mistral-small-latest", 1000, 1000, service_tier="batch") is None
    assert cost_per_token("mistral-small-latest", 1000, 1000, service_tier="standard") == pytest.approx(
        (150e-6, 600e-6)
    )


def test_every_mistral_entry_is_sourced_from_its_docs_model_page() -> None:
    keys = [key for key in bundled_prices() if key.startswith("mistral/")]
    assert len(keys) >= 9
    for key in keys:
        entry = bundled_prices().get(key)
        assert entry is not None and entry.source.startswith("https://docs.mistral.ai/models/"), key
        rates = entry.rates
        if entry.units is not None or rates.per_request is not None:  # transcription per minute, free moderation
            continue
        # Cache reads are 10% of input (the prompt-caching guide); a page that lists its own cached-input price
        # rounds it to the cent (Mistral Large 4: $0.07 beside $0.68).
        assert rates.input is not None and (
            rates.cache_read is None or rates.cache_read == pytest.approx(rates.input / 10, abs=0.005)
        ), key


# -- real recorded answers -------------------------------------------------------------------------------


def _answers(provider_class: str, host: str, usage_key: str) -> list[Interaction]:
    found = []
    for path in iter_cassettes(provider_classes={provider_class}):
        for it in load_cassette(path):
            if it.status >= 300 or it.is_stream or host not in urlsplit(it.url).netloc:
                continue
            body = it.json()
            if isinstance(body, dict) and isinstance(body.get("usage"), dict) and usage_key in body["usage"]:
                found.append(it)
    return found


MISTRAL = _answers("mistral", "api.mistral.ai", "prompt_tokens")
COHERE = _answers("cohere-v2", "cohere", "billed_units")


def _mistral_expected(body: dict[str, Any]) -> float:
    usage = body["usage"]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or usage.get("num_cached_tokens") or 0
    entry = bundled_prices().get(f"mistral/{body['model']}")
    assert entry is not None, body["model"]
    rates = entry.rates
    assert rates.input is not None and rates.output is not None and rates.cache_read is not None
    uncached = usage["prompt_tokens"] - cached
    return (uncached * rates.input + cached * rates.cache_read + usage["completion_tokens"] * rates.output) / 1e6


def test_there_is_recorded_mistral_and_cohere_traffic() -> None:
    assert len(MISTRAL) >= 10 and len(COHERE) >= 10
    assert {it.json()["model"] for it in MISTRAL} >= {"mistral-small-latest", "mistral-large-latest"}


@pytest.mark.parametrize("it", MISTRAL, ids=repr)
def test_recorded_mistral_answer_costs_its_native_usage(it: Interaction) -> None:
    body = it.json()
    ctx = CallContext("mistral", body["model"], api_base="https://api.mistral.ai/v1")
    reply = get_provider("mistral").parse_chat_response(json.dumps(body).encode(), ctx)
    assert completion_cost(reply) == pytest.approx(_mistral_expected(body))


def test_one_recorded_mistral_answer_by_hand() -> None:
    # ruby_llm's basic conversation on mistral-small-latest: 23 in x $0.15 + 9 out x $0.60 per 1M
    (it,) = [
        it for it in MISTRAL if "basic_conversation" in str(it.cassette) and it.json()["usage"]["prompt_tokens"] == 23
    ]
    ctx = CallContext("mistral", "mistral-small-latest", api_base="https://api.mistral.ai/v1")
    reply = get_provider("mistral").parse_chat_response(it.response_body, ctx)
    assert reply.response_cost == pytest.approx(8.85e-6)


def _cohere_reply(it: Interaction) -> ChatCompletion:
    model = (it.request_json or {}).get("model")
    assert isinstance(model, str)
    ctx = CallContext("cohere", model, api_base="https://api.cohere.com")
    return get_provider("cohere").parse_chat_response(it.response_body, ctx)


@pytest.mark.parametrize("it", COHERE, ids=repr)
def test_recorded_cohere_answer_is_billed_on_billed_units(it: Interaction) -> None:
    reply = _cohere_reply(it)
    billed = it.json()["usage"]["billed_units"]
    bundled = bundled_prices().get(f"cohere/{reply.model}")
    if bundled is None:  # a model cohere.com/pricing does not price (Command A): unknown, never a guess
        assert completion_cost(reply) is None
    else:
        rates = bundled.rates
        assert rates.input is not None and rates.output is not None
        own = (billed.get("input_tokens", 0) * rates.input + billed.get("output_tokens", 0) * rates.output) / 1e6
        assert completion_cost(reply) == pytest.approx(own)
    prices = bundled_prices().with_overrides({f"cohere/{reply.model}": {"input": 2.5, "output": 10.0}})
    expected = (billed.get("input_tokens", 0) * 2.5 + billed.get("output_tokens", 0) * 10.0) / 1e6
    assert completion_cost(reply, prices=prices) == pytest.approx(expected)


def test_a_cohere_answer_by_hand_from_the_bundled_price() -> None:
    # Command R7B at $0.0375 in / $0.15 out per 1M (cohere.com/pricing): billed 1,000 in + 200 out of 1,250 + 210
    body = {
        "id": "c1",
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
        "usage": {
            "billed_units": {"input_tokens": 1000, "output_tokens": 200},
            "tokens": {"input_tokens": 1250, "output_tokens": 210},
        },
    }
    ctx = CallContext("cohere", "command-r7b-12-2024", api_base="https://api.cohere.com")
    reply = get_provider("cohere").parse_chat_response(json.dumps(body).encode(), ctx)
    assert completion_cost(reply) == pytest.approx(1000 * 0.0375e-6 + 200 * 0.15e-6)


def test_one_recorded_cohere_answer_by_hand() -> None:
    # ruby_llm's basic conversation on command-a-03-2025: billed 8 in + 8 out (of 503 + 11 processed tokens)
    (it,) = [it for it in COHERE if "command-a-03-2025_can_have_a_basic" in str(it.cassette)]
    reply = _cohere_reply(it)
    prices = bundled_prices().with_overrides({"cohere/command-a-03-2025": {"input": 2.5, "output": 10.0}})
    assert reply.usage is not None and reply.usage.prompt_tokens == 503
    assert completion_cost(reply, prices=prices) == pytest.approx((8 * 2.5 + 8 * 10.0) / 1e6)


# -- recorded streams, end to end through modelmux.completion ----------------------------------------------


def _streams(provider_class: str, host: str) -> list[Interaction]:
    return [
        it
        for path in iter_cassettes(provider_classes={provider_class})
        for it in load_cassette(path)
        if it.is_stream and it.status < 300 and host in urlsplit(it.url).netloc
    ]


def _native_usage(it: Interaction) -> dict[str, Any]:
    """The usage the provider itself sent last in the recorded stream (Mistral: a chunk's ``usage``; Cohere: the
    ``message-end`` event's ``delta.usage``)."""
    found: dict[str, Any] = {}
    for line in it.text.splitlines():
        if line.startswith("data:") and line[5:].strip().startswith("{"):
            event = json.loads(line[5:])
            usage = event.get("usage") or (event.get("delta") or {}).get("usage")
            found = usage if isinstance(usage, dict) else found
    assert found, it
    return found


def _replayed(provider: str, it: Interaction, api_base: str) -> list[Any]:
    request = it.request_json or {}
    return list(
        modelmux.completion(
            f"{provider}/{request['model']}",
            request["messages"],
            stream=True,
            stream_options={"include_usage": True},
            api_key="k",
            api_base=api_base,
            transport=ReplayTransport([it]),
        )
    )


MISTRAL_STREAMS = _streams("mistral", "api.mistral.ai")
COHERE_STREAMS = _streams("cohere-v2", "cohere")


def test_there_are_recorded_streams() -> None:
    assert len(MISTRAL_STREAMS) >= 3 and len(COHERE_STREAMS) >= 3


@pytest.mark.parametrize("it", MISTRAL_STREAMS, ids=repr)
def test_a_replayed_mistral_stream_costs_its_native_usage(it: Interaction) -> None:
    chunks = _replayed("mistral", it, "https://api.mistral.ai/v1")
    model = chunks[-1].model
    assert completion_cost(chunks) == pytest.approx(_mistral_expected({"model": model, "usage": _native_usage(it)}))


@pytest.mark.parametrize("it", COHERE_STREAMS, ids=repr)
def test_a_replayed_cohere_stream_is_billed_on_billed_units(it: Interaction) -> None:
    chunks = _replayed("cohere", it, "https://api.cohere.com")
    assert completion_cost(chunks) is None
    prices = bundled_prices().with_overrides({f"cohere/{chunks[-1].model}": {"input": 2.5, "output": 10.0}})
    billed = _native_usage(it)["billed_units"]
    expected = (billed["input_tokens"] * 2.5 + billed["output_tokens"] * 10.0) / 1e6
    assert completion_cost(chunks, prices=prices) == pytest.approx(expected)
