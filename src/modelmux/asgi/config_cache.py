"""The gateway's response cache: the ``[cache]`` table, a model's ``cache`` setting, and what one request uses.

.. code-block:: toml

    [cache]                        # where answers are kept (these are the defaults)
    backend = "memory"             # or "redis": shared by every worker and replica
    ttl = 3600                     # seconds an answer lives
    max_entries = 10_000           # memory only: entries, and bytes, at most
    max_bytes = 268_435_456
    # redis_url_env = "MODELMUX_REDIS_URL"   # or redis_url; default: the one in [limits]
    # namespace = "modelmux"
    # shared = true                # one entry for every client key (default: each key has its own entries)

    [models."gpt-4o"]
    model = "openai/gpt-4o"
    cache = true                   # or: cache = { ttl = 60 }

Only models with ``cache`` set are cached (chat completions, streamed or not, embeddings, moderations and
transcriptions; never image generations, see ``modelmux.cache``). A client skips the
lookup with ``Cache-Control: no-cache`` and the store with ``Cache-Control: no-store`` (or LiteLLM's body field
``"cache": {"no-cache": true, "no-store": true, "s-maxage": 60, "ttl": 60}``; a client's ``ttl`` can only shorten
the model's). Entries are per client key unless ``shared = true``: a shared cache answers key B with what key A
paid for, and lets B learn what A asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config_values import ConfigError, from_env, only, opt_str, positive

if TYPE_CHECKING:
    from ..cache import Cache, CacheUse
    from .config import ClientKey, GatewayConfig, ModelRoute

__all__ = [
    "CacheSettings",
    "GatewayCache",
    "RouteCache",
    "build_cache",
    "cache_option",
    "parse_cache",
    "route_cache",
]

#: A client's ttl or max-age is clamped here (about 31 years) before it becomes a float.
_MAX_SECONDS = 1e9

_KEYS = {"backend", "ttl", "max_entries", "max_bytes", "redis_url", "redis_url_env", "namespace", "shared"}


@dataclass(frozen=True, slots=True)
class CacheSettings:
    backend: str = "memory"
    ttl: float = 3600.0
    max_entries: int = 10_000
    max_bytes: int = 256 * 1024 * 1024
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    namespace: str = "modelmux"
    shared: bool = False


@dataclass(frozen=True, slots=True)
class RouteCache:
    """A model's caching: ``ttl`` None is the ``[cache]`` table's."""

    ttl: float | None = None


def parse_cache(
    t: Mapping[str, Any], limits_redis_url: str | None, env: Mapping[str, str], secrets: list[str]
) -> CacheSettings | None:
    """The ``[cache]`` table (None when absent)."""
    if not t:
        return None
    only(t, _KEYS, "[cache]")
    backend = opt_str(t, "backend", "[cache]") or "memory"
    if backend not in ("memory", "redis"):
        raise ConfigError(f'[cache] backend must be "memory" or "redis", not {backend!r}')
    values: dict[str, Any] = {"backend": backend}
    if "ttl" in t:
        values["ttl"] = positive(t["ttl"], "[cache] ttl", float)
    for name in ("max_entries", "max_bytes"):
        if name in t:
            values[name] = positive(t[name], f"[cache] {name}", int)
    shared = t.get("shared", False)
    if not isinstance(shared, bool):
        raise ConfigError("[cache] shared must be true or false")
    values["shared"] = shared
    values["namespace"] = opt_str(t, "namespace", "[cache]") or "modelmux"
    url, url_env = opt_str(t, "redis_url", "[cache]"), opt_str(t, "redis_url_env", "[cache]")
    if url and url_env:
        raise ConfigError("[cache]: give redis_url or redis_url_env, not both")
    if url_env:
        url = from_env(env, url_env, "[cache] redis_url_env")
        secrets.append(url)
    if backend == "redis":
        url = url or limits_redis_url
        if not url:
            raise ConfigError('[cache] backend = "redis" needs redis_url_env (or a Redis in [limits])')
        values["redis_url"] = url
    elif url:
        raise ConfigError('[cache]: a Redis URL is only used with backend = "redis"')
    return CacheSettings(**values)


def route_cache(t: Mapping[str, Any], where: str) -> RouteCache | None:
    """A model table's ``cache``: ``true``, ``false`` or ``{ ttl = seconds }``."""
    value = t.get("cache", False)
    if value is False:
        return None
    if value is True:
        return RouteCache()
    if isinstance(value, Mapping):
        only(value, {"ttl"}, f"{where} cache")
        return RouteCache(positive(value["ttl"], f"{where} cache.ttl", float) if "ttl" in value else None)
    raise ConfigError(f"{where}: cache must be true, false or {{ ttl = seconds }}")


@dataclass(frozen=True, slots=True)
class GatewayCache:
    """The gateway's :class:`~modelmux.Cache`, and whether client keys share its entries."""

    cache: Cache
    shared: bool = False

    async def aclose(self) -> None:
        await self.cache.aclose()


def build_cache(config: GatewayConfig) -> GatewayCache | None:
    """The gateway's cache: None unless a model caches (a ``[cache]`` table alone caches nothing)."""
    if not any(route.cache is not None for route in config.models.values()):
        return None
    from ..cache import Cache

    s = config.cache or CacheSettings()
    if s.backend == "redis":
        return GatewayCache(Cache("redis", url=s.redis_url, ttl=s.ttl, namespace=s.namespace), s.shared)
    cache = Cache(ttl=s.ttl, max_entries=s.max_entries, max_bytes=s.max_bytes, namespace=s.namespace)
    return GatewayCache(cache, s.shared)


def _controls(headers: Mapping[str, str], body: Any) -> dict[str, Any]:
    """The client's cache controls: the ``Cache-Control`` header's directives, over LiteLLM's body field."""
    controls: dict[str, Any] = {}
    if isinstance(body, Mapping):
        for name in ("no-cache", "no-store"):
            if body.get(name) is True:
                controls[name] = True
        for name in ("ttl", "s-maxage"):
            value = body.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                controls[name] = float(min(value, _MAX_SECONDS))  # an int like 10**400 overflows float()
    for directive in headers.get("cache-control", "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-cache", "no-store"):
            controls[name] = True
        elif name == "max-age" and value.isascii() and value.isdigit():  # "²" is a latin-1 digit float() refuses
            controls["s-maxage"] = float(min(int(value[:19]), _MAX_SECONDS))
    return controls


def cache_option(
    gateway: GatewayCache | None, route: ModelRoute, key: ClientKey, headers: Mapping[str, str], body: Any
) -> dict[str, CacheUse]:
    """``{"cache": ...}`` for the library call when ``route`` caches, else nothing."""
    if gateway is None or route.cache is None:
        return {}
    controls = _controls(headers, body)
    ttl = route.cache.ttl if route.cache.ttl is not None else gateway.cache.ttl
    asked = controls.pop("ttl", None)
    if asked is not None:
        ttl = asked if ttl is None else min(ttl, asked)
    if not gateway.shared:
        controls["namespace"] = f"key:{key.id}"
    return {"cache": gateway.cache.options(controls, ttl=ttl)}
