"""The TOML config: what it accepts, what it resolves from the environment, and the errors it names."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from modelmux.asgi import ConfigError, GatewayConfig, Limits, load_config, parse_config
from modelmux.asgi.config import dev_config

EXAMPLE = """
[limits]
rpm = 120
max_concurrent = "unlimited"
max_body_bytes = 1_000_000

[models."gpt-4o"]
model = "openai/gpt-4o"
api_key_env = "MY_OPENAI"
timeout = 30
drop_params = true

[models."local"]
model = "hosted_vllm/llama"
api_base = "http://127.0.0.1:8001/v1"

[models."demo"]
model = "mock/demo"
owned_by = "us"

[keys.alice]
key_env = "ALICE_KEY"
models = ["gpt-4o", "demo"]
rpm = 5

[keys.ci]
key_sha256 = "%s"
max_concurrent = 2
"""


def test_a_full_example(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(EXAMPLE % hashlib.sha256(b"ci-key").hexdigest())
    config = load_config(path, environ={"MY_OPENAI": "sk-up", "ALICE_KEY": "alice-key"})
    assert config.limits == Limits(rpm=120, max_concurrent=None, max_body_bytes=1_000_000)
    gpt = config.models["gpt-4o"]
    assert (gpt.provider, gpt.api_key, gpt.timeout, gpt.drop_params, gpt.owned_by) == (
        "openai",
        "sk-up",
        30.0,
        True,
        "openai",
    )
    assert config.models["local"].api_key is None  # a self-hosted base needs no key
    assert config.models["demo"].owned_by == "us"
    alice, ci = config.keys
    assert alice.digest == hashlib.sha256(b"alice-key").digest()
    assert alice.limits == Limits(rpm=5, max_concurrent=None, max_body_bytes=1_000_000)  # the rest inherited
    assert alice.may_use("demo") and not alice.may_use("local")
    assert ci.models is None and ci.limits.max_concurrent == 2 and ci.limits.rpm == 120
    assert set(config.secrets) == {"sk-up", "alice-key"}
    assert "sk-up" not in repr(config) and "alice-key" not in repr(config)


def test_defaults_are_the_platform_ones() -> None:
    config = parse_config({"models": {"m": {"model": "mock/demo"}}})
    assert config.limits == Limits(rpm=60, max_concurrent=10, max_body_bytes=10 * 1024 * 1024)
    assert not config.auth_enabled


def test_dev_config_is_mock_only_without_keys() -> None:
    config = dev_config()
    assert {r.provider for r in config.models.values()} == {"mock"}
    assert "mock/demo" in config.models and "mock/echo" in config.models
    assert not config.auth_enabled
    assert load_config(None) == config
    assert load_config(config) is config


def test_upstream_key_falls_back_to_the_providers_variable() -> None:
    config = parse_config({"models": {"g": {"model": "openai/gpt-4o"}}}, environ={"OPENAI_API_KEY": "sk-env"})
    assert config.models["g"].api_key == "sk-env"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({}, "no [models"),
        ({"models": {"m": {"model": "mock/demo"}}, "keys": {"k": {}}}, "exactly one of key_env"),
        ({"models": {"m": {"model": "mock/demo"}}, "keys": {"k": {"key_sha256": "abc"}}}, "64 hex digits"),
        ({"models": {"m": {"model": "mock/demo"}}, "keys": {"k": {"key_env": "NOPE_UNSET"}}}, "NOPE_UNSET is not set"),
        (
            {"models": {"m": {"model": "mock/demo"}}, "keys": {"k": {"key_env": "K", "models": ["x"]}}},
            "not in [models]",
        ),
        ({"models": {"m": {"model": "mock/demo", "max_tokens": 5}}}, "unknown setting(s) max_tokens"),
        ({"models": {"m": {"model": "mock/demo"}}, "limits": {"max_concurent": 5}}, "max_concurent"),
        ({"models": {"m": {"model": "mock/demo"}}, "limits": {"rpm": -1}}, "non-negative"),
        ({"models": {"m": {"model": "mock/demo"}}, "limits": {"rpm": True}}, "non-negative"),
        ({"models": {"m": {"model": "mock/demo"}}, "limits": {"max_body_bytes": 0}}, "positive"),
        ({"models": {"m": {"model": "nope/x"}}}, "Unknown model"),
        ({"models": {"m": {}}}, "'model' is required"),
        ({"models": {"m": {"model": "openai/gpt-4o", "api_key_env": "UNSET_KEY_VAR"}}}, "UNSET_KEY_VAR is not set"),
        ({"models": {"m": {"model": "openai/gpt-4o"}}}, "no upstream key"),
        ({"models": {"m": {"model": "mock/demo", "timeout": 0}}}, "timeout"),
        ({"models": {"m": "mock/demo"}}, "must be a table"),
        ({"models": {"m": {"model": "mock/demo"}}, "extra": 1}, "unknown setting(s) extra"),
        (
            {"models": {"m": {"model": "mock/demo"}}, "keys": {"a": {"key_env": "K"}, "b": {"key_env": "K"}}},
            "same secret",
        ),
    ],
)
def test_mistakes_are_named(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, environ={"K": "key"})
    assert needle in str(caught.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[models\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(bad)


def test_redis_url_by_variable_is_a_secret() -> None:
    config = parse_config(
        {"models": {"m": {"model": "mock/demo"}}, "limits": {"redis_url_env": "R"}},
        environ={"R": "redis://:pw@127.0.0.1:6379/0"},
    )
    assert config.redis_url == "redis://:pw@127.0.0.1:6379/0"
    assert config.redis_url in config.secrets
    assert isinstance(config, GatewayConfig)


def test_the_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    gateway = readme[readme.index("## Gateway") :]
    text = re.search(r"```toml\n(.*?)```", gateway, re.S)
    assert text is not None
    example = text.group(1).replace("<the 64 hex digits of sha256(key)>", hashlib.sha256(b"ci").hexdigest())
    env = {
        "OPENAI_API_KEY": "sk-o",
        "ANTHROPIC_API_KEY": "sk-a",
        "ALICE_KEY": "alice",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-example",
    }
    (tmp_path / "gateway.toml").write_text(example)
    config = load_config(tmp_path / "gateway.toml", environ=env)
    assert set(config.models) == {"gpt-4o", "claude", "embed", "claude-bedrock"}
    assert config.models["claude-bedrock"].options["aws_region_name"] == "us-east-1"
    assert config.limits == Limits()
