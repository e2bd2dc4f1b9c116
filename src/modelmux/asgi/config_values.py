"""Reading the gateway config's TOML values: the checks every table shares, each naming the offending entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ModelmuxError

__all__ = ["ConfigError", "first_chunk_timeout", "from_env", "only", "opt_str", "positive", "strings", "table"]


class ConfigError(ModelmuxError, ValueError):
    """The gateway configuration is invalid (the message names the offending entry)."""


def positive(value: Any, where: str, kind: type[float] | type[int]) -> Any:
    ok = (kind is float and isinstance(value, (int, float))) or isinstance(value, int)
    if isinstance(value, bool) or not ok or not 0 < value < 1e18:  # float(10**400) would overflow
        raise ConfigError(f"{where} must be a positive {'number' if kind is float else 'integer'}")
    return kind(value)


def first_chunk_timeout(t: Mapping[str, Any], where: str) -> float | None:
    """A model's, group's or deployment's ``first_chunk_timeout``: seconds (a positive finite number), or None."""
    value = t.get("first_chunk_timeout")
    return None if value is None else positive(value, f"{where} first_chunk_timeout", float)


def strings(t: Mapping[str, Any], name: str, where: str) -> list[str]:
    value = t.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {name} must be a list of strings")
    return value


def only(t: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in t if k not in allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def table(t: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = t.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {name!r} must be a table")
    return value


def opt_str(t: Mapping[str, Any], name: str, where: str) -> str | None:
    value = t.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string")
    return value or None


def from_env(env: Mapping[str, str], name: str, where: str) -> str:
    value = env.get(name)
    if not value:
        raise ConfigError(f"{where}: the environment variable {name} is not set")
    return value
