"""Recorded Vertex AI and Bedrock answers, replayed through ``modelmux.completion``, cost what their native usage
says at the cloud's published rates (typed here by hand, so a wrong entry in the price file shows).

Vertex (global, standard): Gemini 2.0 Flash $0.15 in / $0.60 out (the Gemini API's is $0.10 / $0.40: the Vertex
entry must be the one used), Gemini 2.5 Flash $0.30 / $2.50 (thoughts billed as output), Gemini 3 Flash Preview
$0.50 / $3. Bedrock (us-east-1 on-demand, the ``us.`` profile priced as its source region): Llama 4
Maverick $0.24 / $0.97 per 1M tokens.
"""

import sys
from pathlib import Path
from typing import Any

import pytest

import modelmux
from modelmux.callbacks import Callback, CallEvent

_TESTS = Path(__file__).resolve().parents[1]
for extra in (_TESTS, _TESTS / "providers" / "bedrock"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
from bedrock_helpers import bedrock_interactions, is_stream, native_answer  # noqa: E402
from bedrock_helpers import model_of as bedrock_model  # noqa: E402

from conformance.cassette import Interaction, iter_cassettes, load_cassette  # noqa: E402
from conformance.replay import ReplayTransport  # noqa: E402

HI = [{"role": "user", "content": "hi"}]
#: (input, output) USD per 1M tokens, from the Vertex AI and Bedrock price pages.
VERTEX_RATES = {"gemini-2.0-flash": (0.15, 0.6), "gemini-2.5-flash": (0.3, 2.5), "gemini-3-flash-preview": (0.5, 3.0)}
BEDROCK_RATES = {
    "meta.llama4-maverick-17b-instruct-v1:0": (0.24, 0.97),
    "amazon.nova-2-lite-v1:0": (0.33, 2.75),  # the geo (us.) profile: the in-region price
    "openai.gpt-oss-120b-1:0": (0.15, 0.6),
}


class _Costs(Callback):
    def __init__(self) -> None:
        self.costs: list[float | None] = []

    def on_success(self, event: CallEvent) -> None:
        self.costs.append(event.cost)

    def on_stream_end(self, event: CallEvent) -> None:
        self.costs.append(event.cost)


def _vertex_model(it: Interaction) -> str:
    return it.path.split("/models/", 1)[1].split(":", 1)[0]


def _vertex_answers() -> list[Interaction]:
    return [
        it
        for path in iter_cassettes(provider_classes={"vertex-gemini"})
        for it in load_cassette(path)
        if it.status < 300 and it.is_chat and not it.is_stream and _vertex_model(it) in VERTEX_RATES
    ]


def _bedrock_answers() -> list[Interaction]:
    return [
        it
        for _, it in bedrock_interactions()
        if it.status < 300 and bedrock_model(it).removeprefix("us.") in BEDROCK_RATES
    ]


VERTEX = _vertex_answers()
BEDROCK = _bedrock_answers()


def test_the_corpus_has_priced_cloud_answers() -> None:
    assert len(VERTEX) >= 5 and {_vertex_model(it) for it in VERTEX} == set(VERTEX_RATES)
    assert {bedrock_model(it).removeprefix("us.") for it in BEDROCK} == set(BEDROCK_RATES)
    assert any(bedrock_model(it).startswith("us.") for it in BEDROCK) and any(is_stream(it) for it in BEDROCK)


def _vertex_expected(meta: dict[str, Any], model: str) -> float:
    rate_in, rate_out = VERTEX_RATES[model]
    assert not meta.get("cachedContentTokenCount")  # no cached prompt in these recordings
    prompt = meta["promptTokenCount"] + (meta.get("toolUsePromptTokenCount") or 0)
    out = (meta.get("candidatesTokenCount") or 0) + (meta.get("thoughtsTokenCount") or 0)
    return (prompt * rate_in + out * rate_out) / 1e6


@pytest.mark.parametrize("it", VERTEX, ids=repr)
def test_recorded_vertex_gemini_answer_costs_its_native_usage(it: Interaction) -> None:
    model = _vertex_model(it)
    seen = _Costs()
    reply = modelmux.completion(
        f"vertex/{model}",
        HI,
        api_key="vertex-express-key-0123456789",
        vertex_project="recorded-project",
        vertex_location="us-central1",
        transport=ReplayTransport(it),
        callbacks=[seen],
    )
    assert isinstance(reply, modelmux.ChatCompletion)
    expected = _vertex_expected(it.json()["usageMetadata"], model)
    assert expected > 0
    assert modelmux.completion_cost(reply, provider="vertex") == pytest.approx(expected)
    assert seen.costs == [pytest.approx(expected)]


@pytest.mark.parametrize("it", BEDROCK, ids=repr)
def test_recorded_bedrock_answer_costs_its_native_usage(it: Interaction) -> None:
    model, stream = bedrock_model(it), is_stream(it)
    seen = _Costs()
    result = modelmux.completion(
        f"bedrock/{model}",
        HI,
        api_key="bedrock-api-key-for-tests-0123456789",
        aws_region_name="us-east-1",
        transport=ReplayTransport(it),
        callbacks=[seen],
        stream=stream,
        stream_options={"include_usage": True} if stream else None,
    )
    reply = modelmux.stream_chunk_builder(list(result)) if stream else result  # type: ignore[arg-type]
    assert isinstance(reply, modelmux.ChatCompletion)
    usage = native_answer(it)["usage"]
    rate_in, rate_out = BEDROCK_RATES[model.removeprefix("us.")]
    expected = (usage["inputTokens"] * rate_in + usage["outputTokens"] * rate_out) / 1e6
    assert expected > 0
    assert modelmux.completion_cost(reply) == pytest.approx(expected)  # the answer names the model as called
    assert modelmux.completion_cost({"model": model, "usage": usage}, provider="bedrock") == pytest.approx(expected)
    assert seen.costs == [pytest.approx(expected)]
