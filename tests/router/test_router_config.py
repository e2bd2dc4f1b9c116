"""model_list parsing (LiteLLM's spelling and modelmux's), settings checks, and the strategies (pure, no I/O)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

import modelmux
from modelmux.errors import BadRequestError
from modelmux.router import STRATEGIES, Stats, parse_model_list
from modelmux.router.deployments import Deployment
from modelmux.router.fallbacks import GroupFallbacks
from modelmux.router.strategies import LeastBusy, LowestLatency, UsageBased, WeightedShuffle, make_strategy

LITELLM = [
    {
        "model_name": "gpt-4o",
        "litellm_params": {
            "model": "azure/gpt-4o-east",
            "api_key": "os.environ/EAST_KEY",
            "api_base": "https://east.example.com",
            "api_version": "2024-10-21",
            "rpm": 600,
            "tpm": 100_000,
            "weight": 2,
            "timeout": 30,
        },
        "model_info": {"id": "east", "mode": "chat"},
    },
    {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-x"}, "tpm": 5},
    {"group": "claude", "model": "anthropic/claude-sonnet-4-20250514", "api_key": "a", "weight": 1, "id": "c1"},
]


def test_both_spellings_parse_into_groups() -> None:
    groups = parse_model_list(LITELLM, {"EAST_KEY": "sk-east"})
    east, second = groups["gpt-4o"]
    assert (east.id, east.model, east.rpm, east.tpm, east.weight, east.timeout) == (
        "east",
        "azure/gpt-4o-east",
        600,
        100_000,
        2.0,
        30.0,
    )
    assert east.params == {"api_key": "sk-east", "api_base": "https://east.example.com", "api_version": "2024-10-21"}
    assert east.info == {"mode": "chat"}
    assert (second.id, second.tpm) == ("gpt-4o/1", 5)  # rpm/tpm beside litellm_params, as LiteLLM reads them
    assert groups["claude"][0].id == "c1" and groups["claude"][0].params == {"api_key": "a"}
    assert "sk-east" not in repr(groups)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"model_name": "g", "litellm_params": {"model": "openai/gpt-4o", "api_kye": "k"}}, "did you mean 'api_key'"),
        ({"model_name": "g", "litellm_params": {"model": "openai/gpt-4o"}, "modelinfo": {}}, "unknown key 'modelinfo'"),
        ({"model_name": "g", "litellm_params": {"model": "openai/gpt-4o", "num_retries": 3}}, "router setting"),
        ({"model_name": "g", "litellm_params": {"api_key": "k"}}, "'model'"),
        ({"model_name": "", "litellm_params": {"model": "openai/gpt-4o"}}, "non-empty"),
        ({"model_name": "g", "litellm_params": {"model": "openai/gpt-4o", "rpm": -1}}, "rpm"),
        ({"model_name": "g", "litellm_params": {"model": "openai/gpt-4o", "api_key": "os.environ/NOPE"}}, "NOPE"),
        ({"model": "openai/gpt-4o"}, "group + model"),
        ({"model_name": "g", "litellm_params": {"model": "nosuchprovider/x"}}, "model_list[0]"),
    ],
)
def test_mistakes_are_errors_not_silent(entry: dict[str, object], message: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_model_list([entry], {})
    assert message in str(caught.value)


def test_duplicate_ids_and_empty_lists_are_refused() -> None:
    entry = {"group": "g", "model": "openai/gpt-4o", "id": "same", "api_key": "k"}
    with pytest.raises(BadRequestError, match="unique"):
        parse_model_list([entry, entry], {})
    with pytest.raises(BadRequestError, match="empty"):
        parse_model_list([], {})


@pytest.mark.parametrize("model_list", [None, 5, "g", {"group": "g", "model": "mock/a"}])
def test_a_model_list_that_is_no_list_is_a_clear_error(model_list: object) -> None:
    with pytest.raises(BadRequestError, match="model_list must be a list of deployments"):
        modelmux.Router(model_list)  # type: ignore[arg-type]


def test_router_settings_are_checked() -> None:
    good = [{"group": "g", "model": "mock/a"}]
    for alpha in ("x", None, 0, 1.5, float("nan")):
        with pytest.raises(BadRequestError, match="ewma_alpha"):
            modelmux.Router(good, routing_strategy_args={"ewma_alpha": alpha})
    with pytest.raises(BadRequestError, match="unknown routing_strategy"):
        modelmux.Router(good, routing_strategy="cheapest")
    with pytest.raises(BadRequestError, match="not a model group"):
        modelmux.Router(good, fallbacks=[{"g": ["nope"]}])
    with pytest.raises(BadRequestError, match="routing_strategy_args"):
        modelmux.Router(good, routing_strategy="least-busy", routing_strategy_args={"lowest_latency_buffer": 1})
    with pytest.raises(TypeError):
        modelmux.Router(good, num_retires=2)  # type: ignore[call-arg]
    assert set(STRATEGIES) >= {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing"}


def _d(name: str, **kwargs: object) -> Deployment:
    return Deployment(id=name, group="g", model="mock/a", **kwargs)  # type: ignore[arg-type]


def test_weighted_shuffle_follows_the_weights() -> None:
    rng = random.Random(7)
    candidates = [(_d("a", weight=3), Stats()), (_d("b", weight=1), Stats()), (_d("c", rpm=0), Stats())]
    firsts = Counter(WeightedShuffle({}).rank(candidates, rng.random)[0].id for _ in range(4000))
    assert firsts["c"] == 0 and 0.70 < firsts["a"] / 4000 < 0.80
    ranked = WeightedShuffle({}).rank(candidates, rng.random)
    assert sorted(d.id for d in ranked) == ["a", "b", "c"]  # a full order: the next ones are the retries


def test_least_busy_latency_and_usage() -> None:
    rand = itertools.cycle([0.1, 0.9, 0.5]).__next__
    busy = [(_d("a"), Stats(in_flight=3)), (_d("b"), Stats(in_flight=1)), (_d("c"), Stats(in_flight=2))]
    assert [d.id for d in LeastBusy({}).rank(busy, rand)] == ["b", "c", "a"]
    slow = [(_d("a"), Stats(latency=1.0)), (_d("b"), Stats(latency=0.5)), (_d("c"), Stats(latency=0.54))]
    assert LowestLatency({}).rank(slow, rand)[0].id == "b"
    near = {LowestLatency({"lowest_latency_buffer": 0.1}).rank(slow, random.Random(i).random)[0].id for i in range(50)}
    assert near == {"b", "c"}  # within 10% of the fastest: equally fast
    fresh = [(_d("a"), Stats(latency=0.2)), (_d("new"), Stats())]
    assert LowestLatency({}).rank(fresh, rand)[0].id == "new"  # never measured: tried
    usage = [(_d("a", tpm=100), Stats(tokens=90)), (_d("b", tpm=100, rpm=10), Stats(tokens=10, requests=5))]
    usage.append((_d("c"), Stats(tokens=10_000)))
    assert [d.id for d in UsageBased({}).rank(usage, rand)] == ["c", "b", "a"]
    assert isinstance(make_strategy("usage-based-routing-v2", None), UsageBased)


def test_group_fallbacks_never_cycle() -> None:
    from modelmux.errors import InternalServerError

    plan = GroupFallbacks("A", general=("B", "A", "C", "B"), max_fallbacks=5)
    err = InternalServerError("x")
    assert [plan.switch(err), plan.switch(err), plan.switch(err)] == ["B", "C", None]
    capped = GroupFallbacks("A", general=("B", "C"), max_fallbacks=1)
    assert [capped.switch(err), capped.switch(err)] == ["B", None]
    assert GroupFallbacks("A", general=("B",)).switch(BadRequestError("wrong")) is None


@pytest.mark.parametrize("name", ["num_retries", "fallbacks", "context_window_fallbacks", "disable_fallbacks"])
def test_reliability_settings_in_default_options_are_refused_not_nested(name: str) -> None:
    good = [{"group": "g", "model": "mock/a"}]
    value = 3 if name == "num_retries" else (True if name == "disable_fallbacks" else ["mock/b"])
    for spelling in ("default_options", "default_litellm_params"):
        with pytest.raises(BadRequestError, match=f"{name}.*router setting"):
            modelmux.Router(good, **{spelling: {name: value}})


def test_a_default_timeout_is_the_router_s_overall_deadline() -> None:
    import httpx

    sent: list[float | None] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json={"id": "1", "choices": [{"index": 0, "message": {"content": "hi"}}]})

    params = {"model": "openai/gpt-4o", "api_key": "sk-x", "transport": httpx.MockTransport(reply)}
    router = modelmux.Router([{"model_name": "g", "litellm_params": params}], default_litellm_params={"timeout": 7})
    router.completion("g", [{"role": "user", "content": "hi"}])
    assert sent == [7.0] and router.total == 7.0  # not silently dropped for the 600 s default


def test_an_absurd_num_retries_is_refused_by_the_router_and_per_call() -> None:
    good = [{"group": "g", "model": "mock/a", "mock_response": "hi"}]
    with pytest.raises(BadRequestError, match="num_retries"):
        modelmux.Router(good, num_retries=10**9)
    with pytest.raises(BadRequestError, match="num_retries"):
        modelmux.Router(good).completion("g", [{"role": "user", "content": "hi"}], num_retries=10**9)
    assert modelmux.Router(good, num_retries=100).num_retries == 100
