"""Pass-through with the gateway's metrics and spend budgets on: the same figures as the parsed path, read from the
raw answer's usage and timings; and which routes pass through at all (``passes_through``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_helpers import ENV

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.asgi.limits.budget import MemoryBudgets
from modelmux.asgi.metrics_callback import MetricsCallback
from modelmux.asgi.passthrough import passes_through
from modelmux.callbacks import Callback, register, unregister

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]
USAGE = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}
BASE = {"id": "c1", "created": 1, "model": "gpt-4o-2024-08-06"}
ANSWER = json.dumps(
    {
        **BASE,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": USAGE,
    }
).encode()
CHUNK = {**BASE, "object": "chat.completion.chunk"}


def _events(*chunks: dict[str, Any], done: bool = True) -> bytes:
    out = b"".join(b"data: " + json.dumps({**CHUNK, **c}).encode() + b"\n\n" for c in chunks)
    return out + (b"data: [DONE]\n\n" if done else b"")


STREAM = _events(
    {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}]},
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
    {"choices": [], "usage": USAGE},
)
BROKEN_STREAM = (
    _events({"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}, done=False)
    + b'data: {"error":{"message":"boom","type":"server_error"}}\n\n'
)


class Upstream(httpx.AsyncBaseTransport):
    """gpt-4o: ``/ok`` answers (streamed or not) with usage; ``/500`` fails; ``/broken`` breaks its stream;
    ``/eos`` answers with a vendor finish reason (not plain: parsed)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        kind = request.url.host
        if kind == "fail":
            return httpx.Response(500, json={"error": {"message": "down", "type": "server_error"}})
        if body.get("stream"):
            content = BROKEN_STREAM if kind == "broken" else STREAM
            headers = {"content-type": "text/event-stream"}
        else:
            content = ANSWER.replace(b'"stop"', b'"eos"') if kind == "eos" else ANSWER
            headers = {"content-type": "application/json"}
        self.sent.append(content)
        return httpx.Response(200, content=content, headers=headers)


def models() -> dict[str, Any]:
    route = {"model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY"}
    return {name: {**route, "api_base": f"http://{name}/v1"} for name in ("ok", "fail", "broken", "eos")}


class Reads(Callback):
    """Reads the response: the routes keep the parsed path."""

    ends = 0

    def on_success(self, event: Any) -> None:
        Reads.ends += 1

    def on_stream_end(self, event: Any) -> None:
        Reads.ends += 1


REQUESTS: list[dict[str, Any]] = [
    {"model": "ok"},
    {"model": "ok"},
    {"model": "ok", "stream": True},
    {"model": "fail"},
    {"model": "fail", "stream": True},
    {"model": "broken", "stream": True},
    {"model": "eos"},
]


async def _scrape(callbacks: tuple[Any, ...]) -> tuple[dict[str, float], list[bytes], list[bytes]]:
    upstream = Upstream()
    config = parse_config({"models": models(), "metrics": {"enabled": True}}, environ=ENV)
    app = create_app(config, transport=upstream, limiter=MemoryLimiter(), callbacks=callbacks)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        for body in REQUESTS:
            response = await http.post("/v1/chat/completions", json={**body, "messages": USER})
            answers.append(response.content)
        text = (await http.get("/metrics")).text
    figures = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            figures[name] = float(value)
    return figures, answers, upstream.sent


def _counts(figures: dict[str, float]) -> dict[str, float]:
    """Everything but timings: the histograms' counts stay, their sums and buckets go."""
    return {k: v for k, v in figures.items() if "_bucket{" not in k and "_sum{" not in k}


async def test_metrics_from_the_pass_through_equal_those_of_the_parsed_path() -> None:
    passed, passed_answers, _ = await _scrape(())
    parsed, parsed_answers, _ = await _scrape((Reads(),))
    assert passed_answers[0] == ANSWER  # passed through, metrics on
    assert passed_answers[2].startswith(STREAM[: -len(b"data: [DONE]\n\n")])
    assert parsed_answers[0] != ANSWER and b'"finish_reason": null' not in parsed_answers[2]  # re-made
    assert _counts(passed) == _counts(parsed)
    assert passed['modelmux_gateway_tokens_total{model="ok",type="prompt"}'] == 3000
    assert passed['modelmux_gateway_tokens_total{model="ok",type="completion"}'] == 1500
    assert passed['modelmux_gateway_cost_usd_total{model="ok"}'] == pytest.approx(
        parsed['modelmux_gateway_cost_usd_total{model="ok"}']
    )
    assert passed['modelmux_gateway_cost_usd_total{model="ok"}'] > 0
    assert passed['modelmux_gateway_time_to_first_token_seconds_count{model="ok"}'] == 1
    assert passed['modelmux_gateway_time_to_first_token_seconds_count{model="broken"}'] == 1  # a first block came
    assert passed['modelmux_gateway_errors_total{source="upstream",type="InternalServerError"}'] == 3
    assert passed['modelmux_gateway_upstream_attempts_total{model="fail",outcome="error"}'] == 2
    assert passed['modelmux_gateway_upstream_attempts_total{model="eos",outcome="ok"}'] == 1


class Finishes(Callback):
    """Reads only what a passed-through answer tells (declared): usage, finish reasons, model, cost, timing."""

    reads_response = False

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    def _note(self, event: Any) -> None:
        usage = event.usage
        self.seen.append(
            (
                event.stream,
                usage.total_tokens if usage is not None else None,
                event.finish_reasons,
                event.response_model,
                round(event.cost or 0, 9),
                event.time_to_first_chunk is not None,
                type(event.error).__name__ if event.error else None,
                event.completed,
                event.hidden_params.get("attempts"),
                len(event.attempts),
            )
        )

    on_success = on_stream_end = on_failure = _note


async def test_a_declared_handler_sees_the_same_event_figures_on_both_paths() -> None:
    seen = []
    for extra in ((), (Reads(),)):
        handler = Finishes()
        config = parse_config({"models": models()}, environ=ENV)
        app = create_app(config, transport=Upstream(), limiter=MemoryLimiter(), callbacks=(handler, *extra))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
            for body in REQUESTS:
                await http.post("/v1/chat/completions", json={**body, "messages": USER})
        seen.append(handler.seen)
    assert seen[0] == seen[1]
    assert seen[0][0][:4] == (False, 1500, ["stop"], "gpt-4o-2024-08-06")
    assert seen[0][2][:4] == (True, 1500, ["length"], "gpt-4o-2024-08-06") and seen[0][2][5]


# ---------------------------------------------------------------- budgets


@pytest.mark.parametrize("stream", [False, True])
async def test_a_budget_is_settled_from_the_raw_usage_as_from_the_parsed_answer(stream: bool) -> None:
    spent = []
    for callbacks in ((), (Reads(),)):
        data = {
            "models": models(),
            "keys": {"budget": {"key_env": "UPSTREAM_KEY", "max_spend_per_day": 10, "spend_reserve": 0}},
        }
        upstream = Upstream()
        app = create_app(
            parse_config(data, environ=ENV),
            transport=upstream,
            limiter=MemoryLimiter(),
            budget_store=MemoryBudgets(),
            callbacks=callbacks,
        )
        auth = {"authorization": f"Bearer {ENV['UPSTREAM_KEY']}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
            response = await http.post(
                "/v1/chat/completions", json={"model": "ok", "messages": USER, "stream": stream}, headers=auth
            )
        assert response.status_code == 200
        if not callbacks:
            assert (response.content == ANSWER) is not stream
        spent.append((await app.budgets.store.spent("budget"))["day"])
    assert spent[0] == pytest.approx(spent[1]) and spent[0] > 0.001


# ---------------------------------------------------------------- which routes pass through


def _upstreams(route: dict[str, Any], **extra: Any) -> Any:
    data = {"models": {"m": {"api_key_env": "UPSTREAM_KEY", **route}}, **extra}
    app = create_app(parse_config(data, environ=ENV), limiter=MemoryLimiter())
    return app.upstreams


RULES = [
    ({"model": "openai/gpt-4o"}, {}, (True, True)),
    ({"model": "groq/llama-3.3-70b-versatile"}, {}, (True, False)),  # vendor streams are rewritten
    ({"model": "azure/gpt-4o", "api_base": "https://x.openai.azure.com"}, {}, (True, False)),
    ({"model": "mistral/mistral-large-latest"}, {}, (True, False)),
    ({"model": "perplexity/sonar"}, {}, (False, False)),  # citations rewrite the text
    ({"model": "anthropic/claude-sonnet-4-20250514"}, {}, (False, False)),
    ({"model": "mock/demo"}, {}, (False, False)),
    ({"model": "openai/gpt-4o"}, {"metrics": {"enabled": True}}, (True, True)),
]


@pytest.mark.parametrize(("route", "extra", "expected"), RULES, ids=[r[0]["model"] + str(r[1]) for r in RULES])
def test_which_routes_pass_through(route: dict[str, Any], extra: dict[str, Any], expected: tuple[bool, bool]) -> None:
    upstreams = _upstreams(route, **extra)
    r = upstreams.config.models["m"]
    options = upstreams.options(r)
    assert (
        passes_through(r, upstreams, options, stream=False),
        passes_through(r, upstreams, options, stream=True),
    ) == (expected)


def test_a_group_retries_or_a_callback_that_reads_the_response_keep_the_parsed_path() -> None:
    upstreams = _upstreams({"model": "openai/gpt-4o"})
    route = upstreams.config.models["m"]
    options = upstreams.options(route)
    assert passes_through(route, upstreams, options, stream=False)
    assert not passes_through(route, upstreams, {**options, "num_retries": 2}, stream=False)
    assert not passes_through(route, upstreams, {**options, "cache": object()}, stream=True)
    assert not passes_through(route, upstreams, {**options, "mock_response": "hi"}, stream=False)
    assert not passes_through(route, upstreams, {**options, "callbacks": (Reads(),)}, stream=False)
    metrics_only = (MetricsCallback(None, "m"),)  # type: ignore[arg-type]
    assert passes_through(route, upstreams, {**options, "callbacks": metrics_only}, stream=True)
    assert not passes_through(route, upstreams, {**options, "callbacks": (*metrics_only, Reads())}, stream=True)


async def test_a_process_wide_callback_is_told_about_every_call_so_it_keeps_the_parsed_path() -> None:
    handler = Reads()
    before = Reads.ends
    register(handler)
    try:
        config = parse_config({"models": models()}, environ=ENV)
        app = create_app(config, transport=Upstream(), limiter=MemoryLimiter())
        assert not passes_through(app.upstreams.config.models["ok"], app.upstreams, {}, stream=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
            response = await http.post("/v1/chat/completions", json={"model": "ok", "messages": USER})
            streamed = await http.post("/v1/chat/completions", json={"model": "ok", "messages": USER, "stream": True})
    finally:
        unregister(handler)
    assert response.status_code == 200 and response.content != ANSWER
    assert streamed.status_code == 200 and b'"finish_reason": null' not in streamed.content  # re-made chunks
    assert Reads.ends == before + 2  # told about both calls (a passed-through stream would skip it)


def test_a_model_group_keeps_the_parsed_path() -> None:
    deployment = {"id": "a", "model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY"}
    data = {"models": {"g": {"deployments": [deployment]}}}
    app = create_app(parse_config(data, environ=ENV), limiter=MemoryLimiter())
    route = app.upstreams.config.models["g"]
    options = app.upstreams.options(route)
    assert not passes_through(route, app.upstreams, options, stream=False)
    assert not passes_through(route, app.upstreams, options, stream=True)


# ---------------------------------------------------------------- recorded OpenAI streams with metrics on


def _recorded_streams() -> list[Any]:
    from conformance.cassette import chat_interactions, iter_cassettes

    return [
        i
        for path in iter_cassettes(provider_classes={"openai-chat"})
        for i in chat_interactions(path)
        if i.status == 200 and i.is_stream
    ]


@pytest.mark.parametrize("interaction", _recorded_streams(), ids=lambda i: f"{i.cassette.stem}#{i.index}")
async def test_a_recorded_stream_passes_through_with_metrics_on_and_counts_as_parsed(interaction: Any) -> None:
    from conformance.replay import ReplayServer

    recorded = interaction.decoded_body().replace(b"\r\n", b"\n")
    sent = interaction.request_json if isinstance(interaction.request_json, dict) else {}
    body: dict[str, Any] = {"model": "up", "messages": USER, "stream": True}
    if "stream_options" in sent:
        body["stream_options"] = sent["stream_options"]
    figures, contents = [], []
    for callbacks in ((), (Reads(),)):
        with ReplayServer(interaction, max_piece=48, seed=7) as upstream:
            route = {"model": "openai/gpt-4o-mini", "api_base": upstream.url + "/v1", "api_key_env": "UPSTREAM_KEY"}
            config = parse_config({"models": {"up": route}, "metrics": {"enabled": True}}, environ=ENV)
            app = create_app(config, limiter=MemoryLimiter(), callbacks=callbacks)
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
                response = await http.post("/v1/chat/completions", json=body)
                assert response.status_code == 200
                contents.append(response.content)
                text = (await http.get("/metrics")).text
        figures.append(
            {
                line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line and not line.startswith("#") and "_bucket{" not in line and "_sum{" not in line
            }
        )
    assert contents[0] == recorded.rstrip(b"\n") + b"\n\n"  # OpenAI's bytes, metrics on
    assert contents[1] != contents[0]
    assert figures[0] == figures[1]
    assert any(
        k.startswith("modelmux_gateway_tokens_total{") and v > 0 for k, v in figures[0].items()
    )  # all sent usage
    assert figures[0]['modelmux_gateway_time_to_first_token_seconds_count{model="up"}'] == 1


def test_an_openai_dialect_provider_declares_streams_only_with_openais_own_profile() -> None:
    from dataclasses import replace

    from modelmux.providers.ollama.openai_route import OPENAI_ROUTE
    from modelmux.providers.openai import OpenAIProvider
    from modelmux.providers.openai.profile import OPENAI

    assert OpenAIProvider().openai_relay == {"answer", "stream"}
    assert OPENAI_ROUTE.openai_relay == {"answer"}  # a vendor's profile: its streams are normalised
    assert OpenAIProvider("x", profile=replace(OPENAI, citations=True)).openai_relay == frozenset()
    assert OpenAIProvider("x", profile=replace(OPENAI, reasoning_field="think_tags")).openai_relay == frozenset()
