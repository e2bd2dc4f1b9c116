"""The gateway config's ``[metrics]`` table: the Prometheus ``GET /metrics`` endpoint.

.. code-block:: toml

    [metrics]
    enabled = true                     # default false: no endpoint, and no metrics work per request
    key_env = "MODELMUX_METRICS_KEY"   # optional: scrapers send "Authorization: Bearer <key>"
    # allow_remote = true              # without key_env, only loopback clients may scrape (the default)

Without a key the endpoint answers loopback clients only (a Prometheus agent on the same host or pod), since the
figures (models, error types, spend) are not for everyone; ``allow_remote = true`` opens it to any client that
passes the gateway's ``Host`` check (e.g. behind a proxy that restricts it). The metrics key is separate from the
client keys: a scraper should not be able to spend money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config_values import ConfigError, from_env, only, opt_str

__all__ = ["MetricsSettings", "parse_metrics"]


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    enabled: bool = False
    key: str | None = field(default=None, repr=False)  # the scrape key (a secret)
    allow_remote: bool = False


def _flag(t: Mapping[str, Any], name: str) -> bool:
    value = t.get(name, False)
    if not isinstance(value, bool):
        raise ConfigError(f"[metrics] {name} must be true or false")
    return value


def parse_metrics(t: Mapping[str, Any], env: Mapping[str, str], secrets: list[str]) -> MetricsSettings:
    """``[metrics]``, its key read from the environment variable it names (and added to ``secrets``)."""
    only(t, {"enabled", "key_env", "allow_remote"}, "[metrics]")
    key_env = opt_str(t, "key_env", "[metrics]")
    key = from_env(env, key_env, "[metrics] key_env") if key_env else None
    if key:
        secrets.append(key)
    return MetricsSettings(enabled=_flag(t, "enabled"), key=key, allow_remote=_flag(t, "allow_remote"))
