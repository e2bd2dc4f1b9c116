"""``GET /metrics``: what the gateway counts, how it is exposed, and who may read it."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from gateway_fakes import UPSTREAM_KEY, FakeUpstream
from gateway_helpers import ALICE, BOB, ENV, keyed_config, make_app

from modelmux.asgi import ConfigError, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.callbacks import Callback, CallEvent

METRICS_KEY = "metrics-key-0123456789abcdef"
USAGE = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}
SAMPLE = re.compile(r'^([a-z_]+)(\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf)$')


def config(**metrics: Any) -> dict[str, Any]:
    data = keyed_config()
    data["models"]["priced"] = {"model": "openai/gpt-4o", "api_key_env": "UPSTREAM_KEY"}
    data["metrics"] = {"enabled": True, **metrics}
    return data


class Priced(httpx.AsyncBaseTransport):
    """gpt-4o answers with usage (so the cost is known), streamed or not."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        if body.get("model") != "gpt-4o":
            return await FakeUpstream().handle_async_request(request)
        base = {"id": "c1", "created": 1, "model": "gpt-4o-2024-08-06"}
        if not body.get("stream"):
            message = {"role": "assistant", "content": "hi"}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return httpx.Response(200, json={**base, "object": "chat.completion", "choices": [choice], "usage": USAGE})
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"content": "hi"}}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": USAGE},
        ]
        kind = {"object": "chat.completion.chunk"}
        events = b"".join(b"data: %s\n\n" % json.dumps({**c, **kind}).encode() for c in chunks)
        return httpx.Response(200, content=events + b"data: [DONE]\n\n", headers={"content-type": "text/event-stream"})


def app_with(data: dict[str, Any], **kwargs: Any) -> Any:
    env = {**ENV, "METRICS_KEY": METRICS_KEY}
    return create_app(parse_config(data, environ=env), limiter=MemoryLimiter(), **kwargs)


Request = tuple[str, str, dict[str, Any]]


def run(app: Any, *requests: Request, client: tuple[str, int] = ("127.0.0.1", 5000)) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
            return [await http.request(method, path, **kw) for method, path, kw in requests]

    return asyncio.run(go())


def chat(model: str, key: str = ALICE, **body: Any) -> tuple[str, str, dict[str, Any]]:
    payload = {"model": model, "messages": [{"role": "user", "content": "hi"}], **body}
    return ("POST", "/v1/chat/completions", {"json": payload, "headers": {"authorization": f"Bearer {key}"}})


SCRAPE = ("GET", "/metrics", {})


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_off_by_default_no_endpoint_and_nothing_counted() -> None:
    app = make_app()
    assert app.metrics is None and "callbacks" not in app.upstreams.options(app.config.models["mock/demo"])
    (response,) = run(app, SCRAPE)
    assert response.status_code == 404


def test_requests_latency_tokens_cost_and_attempts() -> None:
    app = app_with(config(), transport=Priced())
    responses = run(app, chat("priced"), chat("priced"), chat("priced", stream=True), chat("mock/demo"), SCRAPE)
    assert [r.status_code for r in responses] == [200] * 5
    scrape = responses[-1]
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    s = samples(scrape.text)
    route = 'route="/v1/chat/completions"'
    assert s[f'modelmux_gateway_requests_total{{{route},model="priced",status="200"}}'] == 3
    assert s[f'modelmux_gateway_requests_total{{{route},model="mock/demo",status="200"}}'] == 1
    assert s[f'modelmux_gateway_request_duration_seconds_count{{{route},model="priced"}}'] == 3
    assert s[f'modelmux_gateway_request_duration_seconds_bucket{{{route},model="priced",le="+Inf"}}'] == 3
    assert s['modelmux_gateway_tokens_total{model="priced",type="prompt"}'] == 3000
    assert s['modelmux_gateway_tokens_total{model="priced",type="completion"}'] == 1500
    assert s['modelmux_gateway_cost_usd_total{model="priced"}'] == pytest.approx(3 * 0.0075)
    assert s['modelmux_gateway_time_to_first_token_seconds_count{model="priced"}'] == 1  # the stream only
    assert s['modelmux_gateway_upstream_attempts_total{model="priced",outcome="ok"}'] == 3
    assert not any("errors_total{" in k for k in s)


def test_cache_hits_count_as_requests_not_as_upstream_tokens_or_first_tokens() -> None:
    data = config()
    data["models"]["priced"]["cache"] = True
    app = app_with(data, transport=Priced())
    twice = (chat("priced"), chat("priced"), chat("priced", stream=True), chat("priced", stream=True))
    responses = run(app, *twice, SCRAPE)
    assert [r.status_code for r in responses] == [200] * 5
    s = samples(responses[-1].text)
    assert s['modelmux_gateway_requests_total{route="/v1/chat/completions",model="priced",status="200"}'] == 4
    # Two upstream calls (one answer, one stream): their tokens, cost, first token and attempts; the hits none.
    assert s['modelmux_gateway_tokens_total{model="priced",type="prompt"}'] == 2000
    assert s['modelmux_gateway_tokens_total{model="priced",type="completion"}'] == 1000
    assert s['modelmux_gateway_cost_usd_total{model="priced"}'] == pytest.approx(2 * 0.0075)
    assert s['modelmux_gateway_time_to_first_token_seconds_count{model="priced"}'] == 1
    assert s['modelmux_gateway_upstream_attempts_total{model="priced",outcome="ok"}'] == 2


def test_histogram_buckets_are_cumulative() -> None:
    app = app_with(config())
    s = samples(run(app, chat("mock/demo"), chat("mock/demo"), SCRAPE)[-1].text)
    buckets = [v for k, v in s.items() if k.startswith("modelmux_gateway_request_duration_seconds_bucket")]
    assert buckets == sorted(buckets) and buckets[-1] == 2


def test_errors_by_source_and_type_and_limit_rejections() -> None:
    data = config()
    data["keys"]["bob"]["rpm"] = 1
    app = app_with(data, transport=FakeUpstream())
    responses = run(
        app,
        chat("up/500"),  # upstream failure: counted once, as upstream
        chat("mock/demo", key="sk-wrong-key-000000000000"),  # 401
        chat("mock/demo", key=BOB),
        chat("mock/demo", key=BOB),  # 429: over bob's rpm
        chat("no-such-model"),  # 400
        ("GET", "/v1/nope/" + "x" * 50, {}),  # unknown path: label "other", never the path
        SCRAPE,
    )
    assert [r.status_code for r in responses[:-1]] == [502, 401, 200, 429, 400, 404]
    s = samples(responses[-1].text)
    assert s['modelmux_gateway_errors_total{source="upstream",type="InternalServerError"}'] == 1
    assert s['modelmux_gateway_errors_total{source="gateway",type="invalid_api_key"}'] == 1
    assert s['modelmux_gateway_errors_total{source="gateway",type="rate_limit_exceeded"}'] == 1
    assert s['modelmux_gateway_errors_total{source="gateway",type="model_not_found"}'] == 1
    assert s['modelmux_gateway_errors_total{source="gateway",type="unknown_url"}'] == 1
    assert not any('source="gateway",type="server_error"' in k for k in s)  # the upstream 500 is not counted twice
    assert s['modelmux_gateway_limit_rejections_total{reason="requests_per_minute"}'] == 1
    assert s['modelmux_gateway_upstream_attempts_total{model="up/500",outcome="error"}'] == 1
    assert s['modelmux_gateway_requests_total{route="other",model="",status="404"}'] == 1
    assert s['modelmux_gateway_requests_total{route="/v1/chat/completions",model="up/500",status="502"}'] == 1
    assert "x" * 50 not in responses[-1].text
    assert UPSTREAM_KEY not in responses[-1].text and ALICE not in responses[-1].text


def test_a_midstream_failure_is_an_upstream_error() -> None:
    app = app_with(config(), transport=FakeUpstream())
    responses = run(app, chat("up/midstream", stream=True), SCRAPE)
    assert responses[0].status_code == 200 and '"error"' in responses[0].text
    s = samples(responses[-1].text)
    assert s['modelmux_gateway_errors_total{source="upstream",type="APIConnectionError"}'] == 1
    assert s['modelmux_gateway_time_to_first_token_seconds_count{model="up/midstream"}'] == 1


def test_loopback_only_without_a_key() -> None:
    app = app_with(config())
    assert run(app, SCRAPE)[0].status_code == 200
    (remote,) = run(app, SCRAPE, client=("203.0.113.7", 4000))
    assert remote.status_code == 403 and "loopback" in remote.json()["error"]["message"]
    app = app_with(config(allow_remote=True))
    assert run(app, SCRAPE, client=("203.0.113.7", 4000))[0].status_code == 200


def test_a_metrics_key_is_required_when_configured_and_is_not_a_client_key() -> None:
    app = app_with(config(key_env="METRICS_KEY"))
    bearer = {"headers": {"authorization": f"Bearer {METRICS_KEY}"}}
    with_alice = {"headers": {"authorization": f"Bearer {ALICE}"}}
    remote = ("203.0.113.7", 1)
    responses = run(app, SCRAPE, ("GET", "/metrics", with_alice), ("GET", "/metrics", bearer), client=remote)
    assert [r.status_code for r in responses] == [401, 401, 200]
    assert METRICS_KEY in app.config.secrets  # redacted from every error message like the other secrets
    assert METRICS_KEY not in responses[0].text


def test_the_host_check_and_method() -> None:
    app = app_with({**config(), "keys": {}})  # no client keys: only loopback host names are served
    responses = run(
        app,
        ("GET", "/metrics", {"headers": {"host": "evil.example"}}),
        ("POST", "/metrics", {"headers": {"host": "localhost"}}),
        ("GET", "/metrics", {"headers": {"host": "localhost"}}),
    )
    assert [r.status_code for r in responses] == [400, 405, 200]


def test_the_app_callbacks_are_told_about_upstream_calls() -> None:
    seen: list[CallEvent] = []

    class Tap(Callback):
        def on_success(self, event: CallEvent) -> None:
            seen.append(event)

    app = app_with(config(), transport=Priced(), callbacks=[Tap()])
    run(app, chat("priced"))
    assert [e.model for e in seen] == ["openai/gpt-4o"] and seen[0].cost == pytest.approx(0.0075)
    assert seen[0].kwargs["api_key"] != UPSTREAM_KEY


def test_callbacks_without_metrics() -> None:
    seen: list[CallEvent] = []
    app = create_app(parse_config(keyed_config(), environ=ENV), limiter=MemoryLimiter(), callbacks=[seen.append])
    assert app.metrics is None
    run(app, chat("mock/demo"))
    assert len(seen) == 1 and seen[0].error is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"enabled": True, "port": 9100}, "unknown setting"),
        ({"enabled": True, "key_env": "NOT_SET_ANYWHERE"}, "NOT_SET_ANYWHERE is not set"),
    ],
)
def test_config_errors(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({**keyed_config(), "metrics": table}, environ=ENV)


def test_the_anthropic_passthrough_is_counted_per_request() -> None:
    answer = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 2},
    }  # fmt: skip

    async def anthropic(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    data = config()
    data["models"]["claude"] = {"model": "anthropic/claude-sonnet-4-20250514", "api_key_env": "UPSTREAM_KEY"}
    app = app_with(data, transport=httpx.MockTransport(anthropic))
    body = {"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"x-api-key": ALICE, "anthropic-version": "2023-06-01"}
    responses = run(app, ("POST", "/v1/messages", {"json": body, "headers": headers}), SCRAPE)
    assert responses[0].status_code == 200, responses[0].text
    s = samples(responses[-1].text)
    assert sum(v for k, v in s.items() if k.startswith('modelmux_gateway_requests_total{route="/v1/messages"')) == 1
