"""Helpers for the gateway tests: configs with keys, the app behind the real ``openai`` SDK."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import openai
from gateway_fakes import UPSTREAM_KEY, fake_models_config

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

ALICE = "sk-gw-alice-0123456789abcdef"  # every model
BOB = "sk-gw-bob-0123456789abcdef"  # only mock/demo, tight limits
ENV = {"ALICE_KEY": ALICE, "UPSTREAM_KEY": UPSTREAM_KEY}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def keyed_config(*, limits: dict[str, Any] | None = None, **bob: Any) -> dict[str, Any]:
    models: dict[str, Any] = {
        "mock/demo": {"model": "mock/demo"},
        "mock/echo": {"model": "mock/echo"},
        **fake_models_config(api_key_env="UPSTREAM_KEY", timeout=2),
    }
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited", **(limits or {})},
        "models": models,
        "keys": {
            "alice": {"key_env": "ALICE_KEY"},
            "bob": {"key_sha256": sha256(BOB), "models": ["mock/demo"], **bob},
        },
    }


def make_app(data: dict[str, Any] | None = None, *, transport: Any = None, limiter: Any = None) -> Gateway:
    config = parse_config(data if data is not None else keyed_config(), environ=ENV)
    return create_app(config, transport=transport, limiter=limiter or MemoryLimiter())


def sdk(app: Any, key: str = ALICE) -> openai.AsyncOpenAI:
    """The real async SDK, talking to the app in-process."""
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return openai.AsyncOpenAI(base_url="http://gw/v1", api_key=key, http_client=http, max_retries=0)


def raw(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
