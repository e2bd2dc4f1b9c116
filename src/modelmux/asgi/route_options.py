"""A model route's provider options in the gateway config: region, project, API version… and secrets by name.

.. code-block:: toml

    [models.claude-bedrock]
    model = "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0"
    options = { aws_region_name = "us-east-1" }                  # plain values, as completion() takes them
    options_env = { aws_access_key_id = "AWS_ACCESS_KEY_ID",     # values read from these environment variables
                    aws_secret_access_key = "AWS_SECRET_ACCESS_KEY" }

Only the options the route's provider consumes itself (its ``call_options``: credentials, region, project, API
version…) are accepted, so a typo stops the start-up instead of reaching the provider; values from ``options_env``
are secrets (redacted from every answer and log line the gateway writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config_values import ConfigError

__all__ = ["OPTION_TABLES", "route_options"]

OPTION_TABLES = frozenset({"options", "options_env"})

_SCALARS = (str, int, float, bool)


def route_options(
    t: Mapping[str, Any], provider: Any, env: Mapping[str, str], secrets: list[str], where: str
) -> dict[str, Any]:
    """``options`` and ``options_env`` of one ``[models.*]`` table, checked against the provider's options."""
    known: frozenset[str] = getattr(provider, "call_options", frozenset())
    out: dict[str, Any] = {}
    for table_name in sorted(OPTION_TABLES):
        table = t.get(table_name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: {table_name} must be a table")
        for name, value in table.items():
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ConfigError(
                    f"{where} {table_name}: {name!r} is not an option of provider {provider.name!r}; it takes: {listed}"
                )
            if name in out:
                raise ConfigError(f"{where}: {name!r} is set in both options and options_env")
            if table_name == "options_env":
                if not isinstance(value, str) or not value:
                    raise ConfigError(f"{where} options_env.{name} must name an environment variable")
                secret = env.get(value)
                if not secret:
                    raise ConfigError(f"{where} options_env.{name}: the environment variable {value} is not set")
                secrets.append(secret)
                out[name] = secret
            elif isinstance(value, _SCALARS):
                out[name] = value
            else:
                raise ConfigError(f"{where} options.{name} must be a string, number or boolean")
    return out
