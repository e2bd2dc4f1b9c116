"""The app, its config and the clients for the ``/v1/messages`` tests (fixtures live in each test module)."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
from gateway_helpers import ALICE, ENV, sha256
from messages_fakes import DialectUpstreams

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

TARGETS = ["gpt", "gem", "claude"]
TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "The weather in a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
USER: list[Any] = [{"role": "user", "content": "What is the weather in Oslo?"}]
GREETING = {"gpt": "Hello from OpenAI.", "gem": "Hello from Gemini.", "claude": "Hello from Claude."}


def messages_config(**limits: Any) -> dict[str, Any]:
    up = {"api_key_env": "UPSTREAM_KEY", "timeout": 5}
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited", **limits},
        "models": {
            "gpt": {"model": "openai/gpt-test", "api_base": "http://openai.test/v1", **up},
            "gpt-fail": {"model": "openai/gpt-fail", "api_base": "http://openai.test/v1", **up},
            "gpt-cut": {"model": "openai/gpt-cut", "api_base": "http://openai.test/v1", **up},
            "gem": {"model": "gemini/gemini-2.5-flash", "api_base": "http://gemini.test", **up},
            "claude": {"model": "anthropic/claude-sonnet-4-5", "api_base": "http://anthropic.test", **up},
            "claude-fail": {"model": "anthropic/claude-fail", "api_base": "http://anthropic.test", **up},
            "claude-cut": {"model": "anthropic/claude-cut", "api_base": "http://anthropic.test", **up},
            "mock/echo": {"model": "mock/echo"},
        },
        "keys": {
            "alice": {"key_env": "ALICE_KEY"},
            "bob": {"key_sha256": sha256("sk-bob-000"), "models": ["mock/echo"], "rpm": 1},
            "carol": {"key_sha256": sha256("sk-carol-000"), "max_body_bytes": 2000},
        },
    }


def messages_app(upstream: DialectUpstreams) -> Gateway:
    return create_app(parse_config(messages_config(), environ=ENV), transport=upstream, limiter=MemoryLimiter())


def client(app: Gateway, key: str | None = ALICE, **kwargs: Any) -> anthropic.AsyncAnthropic:
    """The real async SDK, talking to the app in-process (recent SDKs run on ``httpx2``, a fork of httpx)."""
    try:
        import httpx2 as http_module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - SDKs before the fork
        http_module = httpx
    http = http_module.AsyncClient(transport=http_module.ASGITransport(app=app))
    return anthropic.AsyncAnthropic(base_url="http://gw", api_key=key, http_client=http, max_retries=0, **kwargs)


def raw(app: Gateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
