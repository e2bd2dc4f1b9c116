"""The clouds' own prices (Vertex AI, Azure OpenAI, Bedrock), with figures worked out by hand from the rate cards.

Rates (USD per 1M tokens) as ``data/prices.json`` states them: Vertex Gemini 2.5 Pro $1.25 / $10, cached $0.125,
above 200K prompt tokens $2.50 / $15, cached $0.25; Claude Sonnet 4.5 on Vertex (global) $3 / $15, cache read
$0.30, writes $3.75 (5 min) / $6 (1 h); Llama 4 Scout on Bedrock $0.17 / $0.66; gpt-4o on Azure (Global
Standard) $2.50 / $10.
"""

import json

import httpx
import pytest

import modelmux
from modelmux._registry import get_provider
from modelmux.callbacks import Callback, CallEvent
from modelmux.cost import bundled_prices, cost_per_token
from modelmux.cost.find_price import find_price
from modelmux.providers._base import CallContext

VERTEX_PAGE = "https://cloud.google.com/vertex-ai/generative-ai/pricing"
AZURE_PAGE = "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/"


# ---------------------------------------------------------------- Vertex AI: Gemini, long context and batch


def test_vertex_gemini_is_priced_from_the_vertex_entry_not_the_gemini_api_one() -> None:
    for model in ("gemini-2.5-pro", "vertex/gemini-2.5-pro", "google/gemini-2.5-pro", "models/gemini-2.5-pro"):
        entry = find_price(bundled_prices(), model, "vertex")
        assert entry is not None and entry.source == VERTEX_PAGE, model
    assert find_price(bundled_prices(), "gemini-2.5-pro", None).source.startswith("https://ai.google.dev")  # type: ignore[union-attr]


def test_vertex_gemini_2_5_pro_up_to_200k_prompt_tokens() -> None:
    # 200,000 prompt tokens (50,000 of them cached) is not above the threshold: base rates.
    cost = cost_per_token("vertex/gemini-2.5-pro", 200_000, 1_000, cached_tokens=50_000)
    assert cost == pytest.approx(((150_000 * 1.25 + 50_000 * 0.125) / 1e6, 1_000 * 10 / 1e6))
    assert cost == pytest.approx((0.19375, 0.01))


def test_vertex_gemini_2_5_pro_above_200k_reprices_the_whole_request() -> None:
    # 250,000 prompt tokens, 50,000 cached, 1,000 out: every token at the long-context rates.
    cost = cost_per_token("vertex/gemini-2.5-pro", 250_000, 1_000, cached_tokens=50_000)
    assert cost == pytest.approx(((200_000 * 2.5 + 50_000 * 0.25) / 1e6, 1_000 * 15 / 1e6))
    assert sum(cost or ()) == pytest.approx(0.5275)
    batch = cost_per_token("vertex/gemini-2.5-pro", 250_000, 1_000, cached_tokens=50_000, service_tier="batch")
    assert sum(batch or ()) == pytest.approx(0.5275 / 2)  # Vertex batch: 50% off, long-context rates included


def test_vertex_gemini_native_usage_with_thoughts() -> None:
    # A Vertex usageMetadata: thoughts are billed as output ("Text output (response and reasoning)").
    usage = {"promptTokenCount": 1_000, "candidatesTokenCount": 200, "thoughtsTokenCount": 300}
    assert cost_per_token("vertex/gemini-2.5-flash", usage=usage) == pytest.approx((1_000 * 0.3 / 1e6, 500 * 2.5 / 1e6))


# ---------------------------------------------------------------- Vertex AI: Claude with cache writes


def _vertex_claude_answer() -> dict[str, object]:
    """A Claude answer as Vertex's rawPredict returns it: the Messages API body, the dated model id."""
    return {
        "id": "msg_vrtx_01ABCdefGHIjklMNOpqrSTU",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 1_000,
            "cache_creation_input_tokens": 2_000,
            "cache_read_input_tokens": 3_000,
            "cache_creation": {"ephemeral_5m_input_tokens": 1_500, "ephemeral_1h_input_tokens": 500},
            "output_tokens": 400,
        },
    }


# 1,000 in x $3 + 1,500 5-min writes x $3.75 + 500 1-hour writes x $6 + 3,000 reads x $0.30, and 400 out x $15.
CLAUDE_PROMPT = (1_000 * 3 + 1_500 * 3.75 + 500 * 6 + 3_000 * 0.3) / 1e6
CLAUDE_TOTAL = CLAUDE_PROMPT + 400 * 15 / 1e6


def test_claude_on_vertex_with_cache_writes_from_a_vertex_answer() -> None:
    body = json.dumps(_vertex_claude_answer()).encode()
    ctx = CallContext("vertex", "claude-sonnet-4-5@20250929", api_base="https://aiplatform.googleapis.com")
    reply = get_provider("vertex").parse_chat_response(body, ctx)
    assert round(CLAUDE_TOTAL, 6) == 0.018525  # the hand figure
    assert modelmux.completion_cost(reply, provider="vertex") == pytest.approx(CLAUDE_TOTAL)


@pytest.mark.parametrize(
    "model",
    ["claude-sonnet-4-5@20250929", "vertex/claude-sonnet-4-5", "vertex/anthropic/claude-sonnet-4-5@20250929"],
)
def test_claude_on_vertex_by_every_name_a_caller_writes(model: str) -> None:
    usage = _vertex_claude_answer()["usage"]
    assert sum(cost_per_token(model, usage=usage) or ()) == pytest.approx(CLAUDE_TOTAL)


def test_claude_on_vertex_above_200k_and_in_batch() -> None:
    usage = {"input_tokens": 250_000, "output_tokens": 1_000}
    long = (250_000 * 6 + 1_000 * 22.5) / 1e6
    assert sum(cost_per_token("vertex/claude-sonnet-4-5", usage=usage) or ()) == pytest.approx(long)
    batch = cost_per_token("vertex/claude-haiku-4-5", 1_000, 1_000, service_tier="batch")
    assert sum(batch or ()) == pytest.approx((1_000 * 1 + 1_000 * 5) / 1e6 / 2)


def test_claude_opus_4_1_on_vertex_has_no_confirmed_cache_write_price() -> None:
    assert sum(cost_per_token("claude-opus-4-1@20250805", 1_000, 100) or ()) == pytest.approx(0.0225)
    assert cost_per_token("claude-opus-4-1@20250805", 1_000, 100, cache_creation_tokens=500) is None


# ---------------------------------------------------------------- Bedrock: cross-region inference profiles


@pytest.mark.parametrize(
    "model",
    [
        "bedrock/meta.llama4-scout-17b-instruct-v1:0",
        "bedrock/us.meta.llama4-scout-17b-instruct-v1:0",
        "us.meta.llama4-scout-17b-instruct-v1:0",
    ],
)
def test_bedrock_llama4_scout_through_a_cross_region_profile(model: str) -> None:
    # 10,000 in x $0.17 + 2,000 out x $0.66 per 1M: no extra charge for the US profile (priced at the source region).
    assert cost_per_token(model, 10_000, 2_000) == pytest.approx((0.0017, 0.00132))


def test_bedrock_converse_native_usage_is_read_not_taken_for_zero() -> None:
    usage = {"inputTokens": 500, "outputTokens": 4_000, "totalTokens": 4_500}
    assert cost_per_token("bedrock/us.deepseek.r1-v1:0", usage=usage) == pytest.approx((500 * 1.35e-6, 4_000 * 5.4e-6))
    # inputTokens excludes the cache: 100 in x $1 + 1,000 reads x $0.10 + 200 writes x $1.25, 50 out x $5.
    cached = {"inputTokens": 100, "cacheReadInputTokens": 1_000, "cacheWriteInputTokens": 200, "outputTokens": 50}
    claude = "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert cost_per_token(claude, usage=cached) == pytest.approx((0.00045, 0.00025))
    # Through the US geo profile every rate is 10% higher: $1.10, $0.11, $1.375 and $5.50.
    geo = cost_per_token("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", usage=cached)
    assert geo == pytest.approx((0.000495, 0.000275))


@pytest.mark.parametrize("prefix", ["us", "eu", "apac", "jp", "au"])
def test_bedrock_claude_4_5_geo_profiles_cost_ten_percent_more(prefix: str) -> None:
    for model, base in (
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", 3 + 15),
        ("anthropic.claude-opus-4-5-20251101-v1:0", 5 + 25),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", 1 + 5),
    ):
        assert sum(cost_per_token(f"bedrock/{model}", 100_000, 100_000) or ()) == pytest.approx(base / 10)
        assert sum(cost_per_token(f"bedrock/global.{model}", 100_000, 100_000) or ()) == pytest.approx(base / 10)
        geo = cost_per_token(f"bedrock/{prefix}.{model}", 100_000, 100_000)
        assert sum(geo or ()) == pytest.approx(base / 10 * 1.1)
    # Sonnet 4.5 above 200K prompt tokens: $6.60 / $24.75 through a geo profile.
    long = cost_per_token(f"bedrock/{prefix}.anthropic.claude-sonnet-4-5-20250929-v1:0", 250_000, 1_000)
    assert long == pytest.approx((250_000 * 6.6 / 1e6, 1_000 * 24.75 / 1e6))


def test_bedrock_nova_2_lite_global_profile_is_cheaper_than_geo_and_in_region() -> None:
    # Geo / in-region $0.33 / $2.75 (batch $0.1595 / $1.342, not an exact half); Global $0.30 / $2.50 (batch half).
    for model in ("bedrock/amazon.nova-2-lite-v1:0", "bedrock/us.amazon.nova-2-lite-v1:0"):
        assert cost_per_token(model, 1_000_000, 1_000_000) == pytest.approx((0.33, 2.75))
        assert cost_per_token(model, 1_000_000, 1_000_000, service_tier="batch") == pytest.approx((0.1595, 1.342))
    glob = "bedrock/global.amazon.nova-2-lite-v1:0"
    assert cost_per_token(glob, 1_000_000, 1_000_000) == pytest.approx((0.3, 2.5))
    assert cost_per_token(glob, 1_000_000, 1_000_000, service_tier="batch") == pytest.approx((0.15, 1.25))


@pytest.mark.parametrize(
    ("model", "rates", "batch"),
    [
        ("openai.gpt-oss-120b-1:0", (0.15, 0.6), None),
        ("openai.gpt-oss-20b-1:0", (0.07, 0.3), None),
        ("mistral.pixtral-large-2502-v1:0", (2, 6), None),
        ("mistral.mistral-large-3-675b-instruct", (0.5, 1.5), None),
        ("us.meta.llama3-3-70b-instruct-v1:0", (0.72, 0.72), (0.36, 0.36)),
        ("us.meta.llama4-maverick-17b-instruct-v1:0", (0.24, 0.97), (0.12, 0.485)),
        ("amazon.nova-premier-v1:0", (2.5, 12.5), (1.25, 6.25)),
    ],
)
def test_bedrock_on_demand_and_batch_rates(
    model: str, rates: tuple[float, float], batch: tuple[float, float] | None
) -> None:
    assert cost_per_token(f"bedrock/{model}", 1_000_000, 1_000_000) == pytest.approx(rates)
    got = cost_per_token(f"bedrock/{model}", 1_000_000, 1_000_000, service_tier="batch")
    assert got == (pytest.approx(batch) if batch else None)  # no batch price published: unknown


# ---------------------------------------------------------------- Azure: a deployment answering with its model


def _azure_answer(model: str, cached: int = 0) -> dict[str, object]:
    """A chat completion as Azure OpenAI returns it: the underlying dated model, prompt filter results."""
    return {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion",
        "created": 1741569952,
        "model": model,
        "system_fingerprint": "fp_b705f0c291",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Hello!", "refusal": None},
                "content_filter_results": {},
            }
        ],
        "usage": {
            "prompt_tokens": 1_200,
            "completion_tokens": 300,
            "total_tokens": 1_500,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
    }


class _Costs(Callback):
    def __init__(self) -> None:
        self.costs: list[float | None] = []

    def on_success(self, event: CallEvent) -> None:
        self.costs.append(event.cost)


def _azure_call(model: str, cached: int = 0) -> tuple[modelmux.ChatCompletion, _Costs]:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/openai/deployments/prod-chat/chat/completions"
        return httpx.Response(200, json=_azure_answer(model, cached))

    seen = _Costs()
    reply = modelmux.completion(
        "azure/prod-chat",
        [{"role": "user", "content": "hi"}],
        api_key="azure-key-0123456789abcdef",
        api_base="https://my-resource.openai.azure.com",
        api_version="2024-10-21",
        transport=httpx.MockTransport(handle),
        callbacks=[seen],
    )
    assert isinstance(reply, modelmux.ChatCompletion)
    return reply, seen


def test_an_azure_deployment_is_priced_by_the_model_it_answers_with() -> None:
    reply, seen = _azure_call("gpt-4o-2024-11-20")
    expected = (1_200 * 2.5 + 300 * 10) / 1e6
    assert reply.model == "gpt-4o-2024-11-20"
    assert modelmux.completion_cost(reply, provider="azure") == pytest.approx(expected) == pytest.approx(0.006)
    assert seen.costs == [pytest.approx(expected)]  # the callback knows the provider from the call
    entry = find_price(bundled_prices(), reply.model, "azure")
    assert entry is not None and entry.source == AZURE_PAGE


def test_an_azure_snapshot_without_an_azure_price_costs_none() -> None:
    reply, seen = _azure_call("gpt-4o-2024-05-13")  # an older snapshot Azure bills at another rate
    assert modelmux.completion_cost(reply, provider="azure") is None and seen.costs == [None]


def test_an_azure_answer_with_cached_tokens_and_in_batch() -> None:
    reply, seen = _azure_call("gpt-4o-2024-11-20", cached=1_000)
    expected = (200 * 2.5 + 1_000 * 1.25 + 300 * 10) / 1e6  # cached input at $1.25
    assert modelmux.completion_cost(reply, provider="azure") == pytest.approx(expected) == pytest.approx(0.00475)
    assert seen.costs == [pytest.approx(expected)]
    batch = modelmux.completion_cost(reply, provider="azure", service_tier="batch")
    assert batch == pytest.approx(expected / 2)  # Azure Global Batch: half the Global Standard meters


def test_azure_embeddings_global_standard() -> None:
    for model, rate in (
        ("azure/text-embedding-3-small", 0.02),
        ("azure/text-embedding-3-large", 0.13),
        ("azure/text-embedding-ada-002", 0.1),
    ):
        assert cost_per_token(model, 1_000_000, 0) == pytest.approx((rate, 0.0)), model


@pytest.mark.parametrize(
    ("model", "rates"),
    [
        ("gpt-5-2025-08-07", (1.25, 0.125, 10)),
        ("gpt-4.1-2025-04-14", (2, 0.5, 8)),
        ("gpt-4o-mini-2024-07-18", (0.15, 0.075, 0.6)),
        ("o4-mini-2025-04-16", (1.1, 0.275, 4.4)),
        ("o3-mini-2025-01-31", (1.1, 0.55, 4.4)),
    ],
)
def test_azure_global_standard_rates(model: str, rates: tuple[float, float, float]) -> None:
    rate_in, rate_cached, rate_out = rates
    # 1M prompt tokens of which 400,000 cached, 1M completion tokens.
    cost = cost_per_token(model, 1_000_000, 1_000_000, cached_tokens=400_000, provider="azure")
    assert cost == pytest.approx((0.6 * rate_in + 0.4 * rate_cached, rate_out))
