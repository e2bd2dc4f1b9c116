"""The gateway config's ``[server]`` and ``[cors]`` tables: connection bounds, served ``Host`` names and
browser origins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config_values import ConfigError, only, positive, strings

__all__ = ["ServerSettings", "parse_server"]


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How long and how much a connection may take, which ``Host`` names are served, and which browser origins
    may call (CORS). ``allowed_hosts`` ``None``: any host with keys, only loopback names without."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    send_timeout: float = 60.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    allowed_hosts: tuple[str, ...] | None = None
    cors_origins: tuple[str, ...] = ()  # "*" allows every origin
    cors_max_age: int = 600


def parse_server(t: Mapping[str, Any], cors: Mapping[str, Any]) -> ServerSettings:
    """The ``[server]`` and ``[cors]`` tables."""
    numbers = ("header_timeout", "body_timeout", "send_timeout", "keep_alive_timeout")
    counts = ("max_connections", "max_header_bytes", "max_headers")
    only(t, {*numbers, *counts, "allowed_hosts"}, "[server]")
    only(cors, {"allow_origins", "max_age"}, "[cors]")
    values: dict[str, Any] = {}
    for name in numbers:
        if name in t:
            values[name] = positive(t[name], f"[server] {name}", float)
    for name in counts:
        if name in t:
            values[name] = positive(t[name], f"[server] {name}", int)
    if "allowed_hosts" in t:
        values["allowed_hosts"] = tuple(h.lower() for h in strings(t, "allowed_hosts", "[server]"))
    origins = strings(cors, "allow_origins", "[cors]")
    for origin in origins:
        if origin != "*" and (origin != origin.strip().rstrip("/") or "://" not in origin):
            raise ConfigError(f'[cors] allow_origins: {origin!r} is not an origin like "https://app.example.com"')
    values["cors_origins"] = tuple(o.lower() for o in origins)
    if "max_age" in cors:
        values["cors_max_age"] = positive(cors["max_age"], "[cors] max_age", int)
    return ServerSettings(**values)
