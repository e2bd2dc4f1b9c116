"""The mock through the gateway: per-model options in the config, a per-request script header, dev defaults."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.config import ConfigError, dev_config

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]


def post(app: Any, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.post("/v1/chat/completions", json=body, headers=headers or {})

    return asyncio.run(run())


def config(**model: Any) -> Any:
    return parse_config({"models": {"agent": {"model": "mock/agent", **model}}}, environ={})


def test_configured_script_plays_by_assistant_turns() -> None:
    app = create_app(config(mock_script=[{"tool_call": {"name": "lookup"}}, "All done."]))
    first = post(app, {"model": "agent", "messages": [{"role": "user", "content": "go"}], "tools": TOOLS}).json()
    message = first["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "lookup"
    history = [
        {"role": "user", "content": "go"},
        message,
        {"role": "tool", "tool_call_id": message["tool_calls"][0]["id"], "content": "found"},
    ]
    second = post(app, {"model": "agent", "messages": history, "tools": TOOLS}).json()
    assert second["choices"][0]["message"]["content"] == "All done."


def test_header_script_replaces_the_configured_one_and_is_checked() -> None:
    app = create_app(config(mock_script=["configured"]))
    body = {"model": "agent", "messages": [{"role": "user", "content": "hi"}]}
    out = post(app, body, {"x-mock-script": json.dumps(["from the header"])})
    assert out.json()["choices"][0]["message"]["content"] == "from the header"
    err = post(app, body, {"x-mock-script": json.dumps([{"error": 429, "message": "scripted"}])})
    assert err.status_code == 429  # the gateway words upstream errors itself (never the provider's text)
    bad = post(app, body, {"x-mock-script": "[not json"})
    assert bad.status_code == 400 and "mock_script" in bad.text


def test_body_mock_fields_are_still_ignored() -> None:
    app = create_app(config())
    body = {"model": "agent", "messages": [{"role": "user", "content": "hi"}], "mock_response": "injected"}
    assert post(app, body).json()["choices"][0]["message"]["content"] != "injected"


def test_configured_pace_applies_to_streams() -> None:
    app = create_app(config(mock_delay=0.02))
    start = time.monotonic()
    out = post(app, {"model": "agent", "messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert out.status_code == 200 and out.text.rstrip().endswith("data: [DONE]")
    assert time.monotonic() - start >= 0.1  # ~19 chunks of 0.02 s; generous


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        ({"mock_delay": -1}, "mock_delay"),
        ({"mock_script": [{"bogus": 1}]}, "unknown key"),
        ({"mock_response": 3}, "mock_response must be a string"),
        ({"mock_tokens_per_second": "x"}, "mock_tokens_per_second"),
    ],
)
def test_bad_mock_settings_stop_the_config(model: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        config(**model)


def test_mock_settings_only_on_mock_models() -> None:
    with pytest.raises(ConfigError, match="only apply to mock"):
        parse_config({"models": {"g": {"model": "openai/gpt-4o", "mock_delay": 1}}}, environ={"OPENAI_API_KEY": "k"})


def test_dev_server_is_not_throttled_like_a_production_default() -> None:
    config = dev_config()
    assert config.limits.rpm is None and (config.limits.max_concurrent or 0) >= 100
    assert {"mock/demo", "mock/echo", "mock/agent", "mock/embedding"} <= set(config.models)
    app = create_app(config)
    body = {"model": "mock/demo", "messages": [{"role": "user", "content": "hi"}]}

    async def many() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return [(await client.post("/v1/chat/completions", json=body)).status_code for _ in range(120)]

    assert set(asyncio.run(many())) == {200}  # more than the old 60 per minute
    paced = dev_config(tokens_per_second=50)
    assert paced.models["mock/demo"].mock_options == {"mock_tokens_per_second": 50}


def test_dev_server_pace_from_the_environment_each_worker_reads() -> None:
    from modelmux.asgi.config import DEV_PACE_ENV, load_config

    config = load_config(None, environ={DEV_PACE_ENV: "40"})
    assert config.models["mock/echo"].mock_options == {"mock_tokens_per_second": 40.0}
    assert dev_config(environ={}).models["mock/echo"].mock_options == {}
    with pytest.raises(ConfigError, match=DEV_PACE_ENV):
        dev_config(environ={DEV_PACE_ENV: "fast"})


def test_serve_pace_flag_is_for_the_dev_server_only(capsys: pytest.CaptureFixture[str]) -> None:
    from modelmux.cli import main

    assert main(["serve", "--config", "gateway.toml", "--tokens-per-second", "30"]) == 2
    assert "development server" in capsys.readouterr().err
    assert main(["serve", "--tokens-per-second", "-1"]) == 2
