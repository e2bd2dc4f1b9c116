"""``modelmux.Cache``: where answers are kept, and the per-call controls (``cache.options(...)``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from .memory import MemoryStore

__all__ = ["Cache", "CacheUse", "as_cache_use"]

#: LiteLLM's per-request control names (``cache={"no-cache": True, ...}``) → ours.
_LITELLM_NAMES = {"no-cache": "no_cache", "no-store": "no_store", "s-maxage": "max_age", "s_maxage": "max_age"}
_CONTROLS = ("no_cache", "no_store", "ttl", "max_age", "namespace")


class Cache:
    """Answers kept for identical requests, in this process (``type="memory"``) or in Redis (``type="redis"``).

    Pass it per call (``completion(..., cache=cache)``, ``embedding(..., cache=cache)``) or to the gateway's
    config; nothing is global. Chat completions (streamed or not), embeddings, moderations, reranks and
    transcriptions are cached; image generations are not (each call is expected to draw a new image, and OpenAI's
    image URLs expire after an hour). A hit comes back with ``_hidden_params["cache_hit"] = True`` (a text
    transcription, a plain ``str``, cannot carry it), is reported to callbacks with no attempt, and costs nothing
    (``completion_cost`` gives 0).

    Args:
        type: ``"memory"`` (LiteLLM's ``"local"`` too) or ``"redis"`` (the ``modelmux[redis]`` extra).
        ttl: seconds an entry lives (None: until evicted, or forever in Redis); a call may give its own.
        max_entries, max_bytes: the memory cache's bounds (least recently used entries leave first).
        url: the Redis URL (``redis://[:password@]host:port/db``); or LiteLLM's ``host``/``port``/``password``.
        namespace: prefix of every key (several applications on one Redis).
        max_entry_bytes: a larger answer (a long stream) is not stored (Redis; in memory ``max_bytes`` bounds it).
        clock: seconds since the epoch (``time.time``); tests pass a fake one.
    """

    def __init__(
        self,
        type: Literal["memory", "local", "redis"] = "memory",
        *,
        ttl: float | None = None,
        max_entries: int = 1_000,
        max_bytes: int = 64 * 1024 * 1024,
        url: str | None = None,
        host: str | None = None,
        port: int | None = None,
        password: str | None = None,
        namespace: str = "modelmux",
        max_entry_bytes: int = 8 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl is not None and (isinstance(ttl, bool) or not ttl > 0):
            raise ValueError("ttl must be a positive number of seconds, or None")
        self.type = "memory" if type == "local" else type
        self.ttl = ttl
        self.namespace = namespace
        self.clock = clock
        self.store: Any
        if self.type == "memory":
            self.store = MemoryStore(max_entries=max_entries, max_bytes=max_bytes, clock=clock)
        elif self.type == "redis":
            from .redis_store import RedisStore

            if url is None:
                url = _redis_url(host, port, password)
            self.store = RedisStore(url, max_entry_bytes=max_entry_bytes)
        else:
            raise ValueError(f"Cache type must be 'memory' or 'redis', not {type!r}")

    def __repr__(self) -> str:
        return f"Cache(type={self.type!r}, ttl={self.ttl!r}, namespace={self.namespace!r})"

    def options(self, controls: Mapping[str, Any] | None = None, /, **kwargs: Any) -> CacheUse:
        """This cache with per-call controls, for ``cache=``: ``no_cache`` (do not read: always call the provider,
        then store the fresh answer), ``no_store`` (do not write), ``ttl`` (seconds this answer lives), ``max_age``
        (accept only entries at most this old), ``namespace``. LiteLLM's spelling is accepted as a dict:
        ``cache.options({"no-cache": True, "no-store": True, "s-maxage": 60})``."""
        merged = {_LITELLM_NAMES.get(k, k): v for k, v in {**(controls or {}), **kwargs}.items()}
        unknown = sorted(set(merged) - set(_CONTROLS))
        if unknown:
            raise ValueError(f"unknown cache control(s) {unknown}; use {', '.join(_CONTROLS)}")
        ttl, max_age = merged.get("ttl"), merged.get("max_age")
        for name, value in (("ttl", ttl), ("max_age", max_age)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise ValueError(f"{name} must be a non-negative number of seconds")
        namespace = merged.get("namespace")
        if namespace is not None and not isinstance(namespace, str):
            raise ValueError("namespace must be a string")
        return CacheUse(
            self,
            read=not merged.get("no_cache", False),
            write=not merged.get("no_store", False),
            ttl=self.ttl if ttl is None else float(ttl),
            max_age=None if max_age is None else float(max_age),
            namespace=namespace or "",
        )

    def close(self) -> None:
        """Close the Redis connections of this process (nothing to do in memory)."""
        close = getattr(self.store, "close", None)
        if close is not None:
            close()

    async def aclose(self) -> None:
        aclose = getattr(self.store, "aclose", None)
        if aclose is not None:
            await aclose()


def _redis_url(host: str | None, port: int | None, password: str | None) -> str:
    """LiteLLM's ``host``/``port``/``password`` as a URL: the password quoted (an ``@``, ``/`` or ``#`` in it must
    not become part of the host), an IPv6 address in brackets."""
    auth = f":{quote(password, safe='')}@" if password else ""
    host = host or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"redis://{auth}{host}:{port or 6379}/0"


@dataclass(frozen=True, slots=True)
class CacheUse:
    """A :class:`Cache` and how one call uses it (see :meth:`Cache.options`)."""

    cache: Cache
    read: bool = True
    write: bool = True
    ttl: float | None = None
    max_age: float | None = None
    namespace: str = field(default="")

    def name(self, digest: str) -> str:
        """Where the entry of ``digest`` lives."""
        middle = f"{self.namespace}:" if self.namespace else ""
        return f"{self.cache.namespace}:cache:{middle}{digest}"

    def fresh(self, stored_at: float) -> bool:
        return self.max_age is None or self.cache.clock() - stored_at <= self.max_age


def as_cache_use(value: Any) -> CacheUse | None:
    """What ``cache=`` was given → a :class:`CacheUse` (None and False: no caching)."""
    if value is None or value is False:
        return None
    if isinstance(value, CacheUse):
        return value
    if isinstance(value, Cache):
        return value.options()
    from ..errors import BadRequestError

    hint = ""
    if isinstance(value, Mapping):
        hint = "; for per-call controls use my_cache.options({'no-cache': True, ...})"
    raise BadRequestError(f"cache= takes a modelmux.Cache, not a {type(value).__name__}{hint}", param="cache")
