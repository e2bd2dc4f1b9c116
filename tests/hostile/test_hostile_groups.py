"""Hostile values in model groups (the gateway's ``[[models.X.deployments]]`` and ``modelmux.Router``'s
``model_list``): each is a clear error when the config is read, never a silent misroute or a 500 at request time.
Each test failed before its fix."""

from __future__ import annotations

import math
from typing import Any

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, BOB, ENV, keyed_config, raw

from modelmux import Router
from modelmux.asgi import ConfigError, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.errors import BadRequestError

HUGE = 10**400  # a TOML integer has no bound in tomllib; float() of it overflows


def _group(deployments: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    data = keyed_config()
    data["models"]["grp"] = {"deployments": deployments, **settings}
    return data


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("weight", math.nan),  # was accepted: NaN sums made the last deployment always first
        ("weight", math.inf),  # was accepted: inf - inf is NaN, the same misroute
        ("weight", 1e308),  # two of them sum to inf
        ("weight", HUGE),
        ("rpm", HUGE),  # was a 500 at request time: float(rpm) overflowed in simple-shuffle
        ("tpm", HUGE),
        ("order", HUGE),
        ("rpm", 0),  # a deployment that could never be called: every request a misleading upstream 429
        ("tpm", 0),
    ],
)
def test_a_hostile_deployment_number_is_a_config_error(key: str, value: Any) -> None:
    data = _group([{"model": "mock/demo", key: value}, {"model": "mock/echo", key: value}])
    with pytest.raises(ConfigError, match=key):
        parse_config(data, environ=ENV)


def test_a_group_falling_back_to_itself_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="itself"):  # was accepted: the same deployments tried again as a fallback
        parse_config(_group([{"model": "mock/demo"}], fallbacks=["grp"]), environ=ENV)


@pytest.mark.parametrize("key", ["rpm", "tpm", "weight", "order", "timeout"])
@pytest.mark.parametrize("value", [math.nan, math.inf, HUGE], ids=["nan", "inf", "huge"])
def test_a_router_deployment_number_that_is_not_finite_is_a_bad_request(key: str, value: Any) -> None:
    model_list = [
        {"model_name": "g", "litellm_params": {"model": "mock/demo", key: value}},
        {"model_name": "g", "litellm_params": {"model": "mock/echo"}},
    ]
    with pytest.raises(BadRequestError, match=key):  # was a ValueError / OverflowError, or accepted (weight, timeout)
        Router(model_list=model_list)


# ---------------------------------------------------------------- /v1/messages on a group (translated)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"thinking": {"type": "enabled", "budget_tokens": 2048, "budget": 1}}, "thinking.budget"),
        ({"tool_choice": {"type": "auto", "disable_parallel_tool_us": True}}, "tool_choice.disable_parallel_tool_us"),
        ({"metadata": {"user_id": "u", "userid": "v"}}, "metadata.userid"),
        ({"output_config": {"effort": "low", "efort": "high"}}, "output_config.efort"),
        (
            {"output_config": {"format": {"type": "json_schema", "schema": {"type": "object"}, "strict": True}}},
            "output_config.format.strict",
        ),
    ],
)
@pytest.mark.parametrize("model", ["grp", "mock/demo"])
async def test_a_misspelt_nested_messages_field_is_a_400(extra: dict[str, Any], param: str, model: str) -> None:
    app = create_app(parse_config(_group([{"model": "mock/demo"}]), environ=ENV), limiter=MemoryLimiter())
    body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}], **extra}
    async with raw(app) as client:
        answer = await client.post("/v1/messages", json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert answer.status_code == 400, answer.text  # was a 200 that silently ignored the field
    assert param in answer.json()["error"]["message"]


def test_a_cache_setting_on_a_deployment_is_a_config_error_not_silently_ignored() -> None:
    with pytest.raises(ConfigError, match="cache"):  # was accepted, and nothing of the group was ever cached
        parse_config(_group([{"model": "mock/demo", "cache": True}]), environ=ENV)


# ---------------------------------------------------------------- a key's model list holds through fallbacks


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("bob_models", "status"),
    [(["grp"], 502), (["grp", "up/ok"], 200)],
    ids=["fallback-not-allowed", "fallback-allowed"],
)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages", "/v1/responses"])
async def test_a_group_falls_back_only_to_models_the_key_may_use(bob_models: list[str], status: int, path: str) -> None:
    failing = {"model": "openai/fake-500", "api_key_env": "UPSTREAM_KEY", "api_base": "http://up.test/v1"}
    data = _group([failing], fallbacks=["up/ok"], num_retries=0)
    data["keys"]["bob"]["models"] = bob_models
    app = create_app(parse_config(data, environ=ENV), transport=FakeUpstream(), limiter=MemoryLimiter())
    messages = [{"role": "user", "content": "hi"}]
    body: dict[str, Any] = {"model": "grp", "messages": messages}
    if path == "/v1/messages":
        body["max_tokens"] = 16
    if path == "/v1/responses":
        body = {"model": "grp", "input": "hi"}
    async with raw(app) as client:
        direct = await client.post(
            "/v1/chat/completions",
            json={"model": "up/ok", "messages": messages},
            headers={"authorization": f"Bearer {BOB}"},
        )
        answer = await client.post(path, json=body, headers={"authorization": f"Bearer {BOB}"})
        alice = await client.post(path, json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert direct.status_code == (200 if "up/ok" in bob_models else 403)
    assert answer.status_code == status, answer.text  # was a 200: answered by up/ok, which bob may not use
    assert alice.status_code == 200  # a key without a model list keeps every fallback
