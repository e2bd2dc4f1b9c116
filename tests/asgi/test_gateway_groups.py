"""Model groups in the gateway: several deployments behind one public name, through modelmux.Router."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gateway_fakes import UPSTREAM_KEY, FakeUpstream
from gateway_helpers import ENV, raw, sdk

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.config import ConfigError
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

MSG = [{"role": "user", "content": "hi"}]


def _deployment(behaviour: str, **extra: Any) -> dict[str, Any]:
    return {"id": behaviour, "model": f"openai/fake-{behaviour}", "api_key_env": "UPSTREAM_KEY", **extra}


def _config(group: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "server": {"allowed_hosts": ["gw"]},
        "models": {"gpt": group, "up/ok": {"model": "openai/fake-ok", "api_key_env": "UPSTREAM_KEY"}},
        **more,
    }


def _app(data: dict[str, Any], upstream: FakeUpstream) -> Any:
    return create_app(parse_config(data, environ=ENV), transport=upstream, limiter=MemoryLimiter())


def _group(*deployments: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {"deployments": list(deployments), **settings}


async def test_a_429_fails_over_to_the_next_deployment_and_the_headers_say_so() -> None:
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("429", order=1), _deployment("ok", order=2))), upstream)
    async with raw(app) as client:
        answer = await client.post("/v1/chat/completions", json={"model": "gpt", "messages": MSG})
        assert answer.status_code == 200
        assert answer.headers["x-modelmux-attempts"] == "2" and answer.headers["x-modelmux-deployment"] == "ok"
        assert answer.json()["choices"][0]["message"]["content"] == "Hello from the fake upstream."
        assert UPSTREAM_KEY not in str(answer.headers) and UPSTREAM_KEY not in answer.text
        again = await client.post("/v1/chat/completions", json={"model": "gpt", "messages": MSG})
        assert again.headers["x-modelmux-attempts"] == "1"  # the 429 deployment cools down (Retry-After: 7)
    assert [b["model"] for b in upstream.bodies] == ["fake-429", "fake-ok", "fake-ok"]


async def test_streams_fail_over_before_the_first_chunk() -> None:
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("500", order=1), _deployment("ok", order=2))), upstream)
    async with raw(app) as client:
        body = {"model": "gpt", "messages": MSG, "stream": True}
        async with client.stream("POST", "/v1/chat/completions", json=body) as answer:
            text = (await answer.aread()).decode()
        assert answer.status_code == 200 and answer.headers["x-modelmux-deployment"] == "ok"
        assert answer.headers["x-modelmux-attempts"] == "2" and text.endswith("data: [DONE]\n\n")
        contents = [
            json.loads(line[6:])["choices"][0]["delta"].get("content")
            for line in text.splitlines()
            if line.startswith("data: {")
        ]
        assert "".join(c for c in contents if c)  # the whole answer, once


async def test_a_stream_broken_after_its_first_chunk_is_not_replayed() -> None:
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("midstream", order=1), _deployment("ok", order=2))), upstream)
    async with raw(app) as client:
        body = {"model": "gpt", "messages": MSG, "stream": True}
        async with client.stream("POST", "/v1/chat/completions", json=body) as answer:
            text = (await answer.aread()).decode()
    assert answer.headers["x-modelmux-deployment"] == "midstream"
    assert '"error"' in text and [b["model"] for b in upstream.bodies] == ["fake-midstream"]


async def test_falls_back_to_another_public_model_then_answers_429_with_retry_after() -> None:
    upstream = FakeUpstream()
    group = _group(_deployment("500"), num_retries=0, fallbacks=["up/ok"])
    app = _app(_config(group), upstream)
    async with raw(app) as client:
        answer = await client.post("/v1/chat/completions", json={"model": "gpt", "messages": MSG})
        assert answer.status_code == 200 and answer.headers["x-modelmux-deployment"] == "up/ok"
        plain = await client.post("/v1/chat/completions", json={"model": "up/ok", "messages": MSG})
        assert "x-modelmux-attempts" not in plain.headers  # single models answer as they always did
    limited = _app(_config(_group(_deployment("429"), num_retries=3)), FakeUpstream())
    async with raw(limited) as client:
        first = await client.post("/v1/chat/completions", json={"model": "gpt", "messages": MSG})
        assert first.status_code == 429 and first.headers["retry-after"] == "7"
        second = await client.post("/v1/chat/completions", json={"model": "gpt", "messages": MSG})
        assert second.status_code == 429 and 6 <= int(second.headers["retry-after"]) <= 7
        assert second.json()["error"]["type"] == "rate_limit_error"


async def test_the_openai_sdk_sees_a_group_as_one_model() -> None:
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("ok", weight=2), _deployment("ok2", model="openai/fake-ok"))), upstream)
    client = sdk(app)
    listed = [m.id for m in (await client.models.list()).data]
    assert listed == ["gpt", "up/ok"]
    answer = await client.chat.completions.with_raw_response.create(model="gpt", messages=MSG)  # type: ignore[arg-type]
    assert answer.headers["x-modelmux-deployment"] in ("ok", "ok2")
    assert answer.parse().choices[0].message.content == "Hello from the fake upstream."


async def test_embeddings_of_a_group() -> None:
    group = _group({"id": "m1", "model": "mock/embed"}, {"id": "m2", "model": "mock/embed"})
    app = _app(_config(group), FakeUpstream())
    async with raw(app) as client:
        answer = await client.post("/v1/embeddings", json={"model": "gpt", "input": "hello"})
    assert answer.status_code == 200 and answer.headers["x-modelmux-deployment"] in ("m1", "m2")
    assert answer.json()["data"][0]["embedding"]


@pytest.mark.parametrize(
    ("group", "more", "needle"),
    [
        (_group(), {}, "non-empty array"),
        (_group(_deployment("ok"), modle="x"), {}, "unknown setting(s) modle"),
        (_group({"id": "a", "api_key_env": "UPSTREAM_KEY"}), {}, "'model' is required"),
        (_group(_deployment("ok"), _deployment("ok")), {}, "unique"),
        (_group(_deployment("ok", wieght=2)), {}, "unknown setting(s) wieght"),
        (_group(_deployment("ok"), fallbacks=["nope"]), {}, "'nope' is not in [models]"),
        (_group(_deployment("ok", weight=-1)), {}, "weight"),
        (_group(_deployment("ok"), num_retries=10**9), {}, "num_retries must be an integer from 0 to 100"),
        (_group(_deployment("ok")), {"router": {"routing_strategy": "cheapest"}}, "routing_strategy"),
        (_group(_deployment("ok")), {"router": {"cooldown": 3}}, "unknown setting(s) cooldown"),
    ],
)
def test_config_mistakes_are_named(group: dict[str, Any], more: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(group, **more), environ=ENV)
    assert needle in str(caught.value)


def test_deployment_ids_clashing_across_groups_or_with_a_fallback_model_are_config_errors() -> None:
    data = _config(_group(_deployment("ok")))
    data["models"]["other"] = _group(_deployment("ok"))
    with pytest.raises(ConfigError, match=r"'ok'.*unique"):
        parse_config(data, environ=ENV)
    data = _config(_group({"model": "openai/fake-ok", "api_key_env": "UPSTREAM_KEY"}, fallbacks=["gpt/0"]))
    data["models"]["gpt/0"] = {"model": "openai/fake-ok", "api_key_env": "UPSTREAM_KEY"}
    with pytest.raises(ConfigError, match=r"'gpt/0'.*unique"):  # the default id of gpt's first deployment
        parse_config(data, environ=ENV)


def test_router_settings_without_groups_are_refused() -> None:
    data = {"models": {"m": {"model": "mock/demo"}}, "router": {"cooldown_time": 1}}
    with pytest.raises(ConfigError, match="no model is a group"):
        parse_config(data, environ={})


def test_a_group_config_parses_with_its_settings() -> None:
    group = _group(_deployment("ok", rpm=10, tpm=1000), _deployment("429"), num_retries=1, timeout=30)
    config = parse_config(_config(group, router={"routing_strategy": "least-busy", "cooldown_time": 2}), environ=ENV)
    parsed = config.groups["gpt"]
    assert [d.id for d in parsed.deployments] == ["ok", "429"] and parsed.deployments[0].rpm == 10
    assert (parsed.num_retries, parsed.timeout) == (1, 30.0)
    assert config.router is not None and config.router.routing_strategy == "least-busy"
    assert config.models["gpt"].timeout == 30.0 and UPSTREAM_KEY in config.secrets
    assert UPSTREAM_KEY not in repr(config)


def test_the_readme_example_parses(tmp_path: Any) -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    text = readme[readme.index("### Gateway model groups") :]
    toml = text.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "gateway.toml").write_text(toml)
    from modelmux.asgi.config import load_config

    env = {"AZURE_EAST_KEY": "k1", "OPENAI_API_KEY": "k2", "ANTHROPIC_API_KEY": "k3"}
    config = load_config(tmp_path / "gateway.toml", environ=env)
    assert [d.id for d in config.groups["gpt-4o"].deployments] == ["east", "gpt-4o/1"]
    assert config.groups["gpt-4o"].fallbacks == {"fallbacks": ("claude",)}
    create_app(config, limiter=MemoryLimiter())  # the router builds from it


async def test_anthropic_messages_on_a_group_go_through_the_router() -> None:
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("500", order=1), _deployment("ok", order=2))), upstream)
    body = {"model": "gpt", "max_tokens": 50, "messages": MSG}
    async with raw(app) as client:
        answer = await client.post("/v1/messages", json=body, headers={"anthropic-version": "2023-06-01"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-modelmux-attempts"] == "2" and answer.headers["x-modelmux-deployment"] == "ok"
        assert answer.json()["content"][0]["text"] == "Hello from the fake upstream."
        stream = {**body, "stream": True}
        async with client.stream("POST", "/v1/messages", json=stream, headers={"anthropic-version": "2023-06-01"}) as s:
            text = (await s.aread()).decode()
        assert s.headers["x-modelmux-deployment"] == "ok" and "message_stop" in text


async def test_the_responses_api_on_a_group_goes_through_its_router() -> None:
    """/v1/responses on a group: translated over chat completions, failing over like chat (never the first
    deployment's native /v1/responses with the group's options)."""
    upstream = FakeUpstream()
    app = _app(_config(_group(_deployment("429", order=1), _deployment("ok", order=2))), upstream)
    async with raw(app) as client:
        answer = await client.post("/v1/responses", json={"model": "gpt", "input": "hi", "store": False})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["object"] == "response" and body["model"] == "gpt"
        assert body["output"][-1]["content"][0]["text"] == "Hello from the fake upstream."
    assert [b["model"] for b in upstream.bodies] == ["fake-429", "fake-ok"]
