"""Per-model provider options in the gateway config (region, project, credentials by variable name)."""

from __future__ import annotations

from typing import Any

import pytest

from modelmux.asgi import ConfigError, parse_config
from modelmux.asgi.upstreams import Upstreams

ENV = {"MY_AWS_ID": "AKIDEXAMPLE", "MY_AWS_SECRET": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AZ_KEY": "az-key-1234"}


def _config(**route: Any) -> dict[str, Any]:
    return {"models": {"claude": {"model": "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0", **route}}}


def test_options_and_secret_options_reach_the_call() -> None:
    config = parse_config(
        _config(
            options={"aws_region_name": "eu-west-1"},
            options_env={"aws_access_key_id": "MY_AWS_ID", "aws_secret_access_key": "MY_AWS_SECRET"},
        ),
        environ=ENV,
    )
    route = config.models["claude"]
    options = Upstreams(config).options(route)
    assert options["aws_region_name"] == "eu-west-1"
    assert options["aws_access_key_id"] == "AKIDEXAMPLE"
    assert options["aws_secret_access_key"] == ENV["MY_AWS_SECRET"]
    assert ENV["MY_AWS_SECRET"] in config.secrets  # redacted from every answer the gateway writes
    assert ENV["MY_AWS_SECRET"] not in repr(route) and ENV["MY_AWS_SECRET"] not in repr(config)


def test_an_option_the_provider_does_not_take_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"aws_regoin_name.*not an option of provider 'bedrock'"):
        parse_config(_config(options={"aws_regoin_name": "eu-west-1"}), environ=ENV)
    with pytest.raises(ConfigError, match="not an option of provider 'openai'"):
        parse_config(
            {"models": {"g": {"model": "openai/gpt-4o", "api_key_env": "AZ_KEY", "options": {"vertex_project": "p"}}}},
            environ=ENV,
        )


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"options_env": {"aws_secret_access_key": "NOT_SET"}}, "NOT_SET is not set"),
        ({"options_env": {"aws_secret_access_key": 3}}, "must name an environment variable"),
        ({"options": {"aws_region_name": ["a"]}}, "must be a string, number or boolean"),
        ({"options": "aws_region_name=x"}, "options must be a table"),
        (
            {"options": {"aws_region_name": "a"}, "options_env": {"aws_region_name": "MY_AWS_ID"}},
            "set in both",
        ),
    ],
)
def test_bad_option_tables_are_named(route: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_config(**route), environ=ENV)
