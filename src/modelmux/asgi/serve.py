"""``modelmux serve``: the gateway under uvicorn (the ``server`` extra), imported only when asked for.

Connection limits come from the config's ``[server]`` table: uvicorn's own ``timeout_keep_alive``,
``h11_max_incomplete_event_size`` and ``backlog`` are set from it, and its HTTP protocol is wrapped
(:mod:`.connections`) for what it lacks: a head deadline, a head size bound before parsing, a connection cap.
uvicorn's ``limit_concurrency`` is left off: it answers 503 only once the connections are open, in plain text, and
cannot make room by closing idle ones.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any, cast

from .app import Gateway, create_app
from .config import ConfigError, GatewayConfig, ServerSettings, load_config

__all__ = ["CONFIG_ENV", "app_from_env", "is_loopback", "run"]

#: File descriptors kept apart from client connections: upstream connections, Redis, logs, the listening socket.
_RESERVED_FDS = 256

#: How worker processes learn the config file (uvicorn starts them from an import string).
CONFIG_ENV = "MODELMUX_GATEWAY_CONFIG"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_from_env() -> Gateway:
    """The app a uvicorn worker builds (``factory=True``)."""
    app = create_app(os.environ.get(CONFIG_ENV) or None)
    settle_heap()
    return app


def settle_heap() -> None:
    """Tune the garbage collector of a process that is the gateway's own (``modelmux serve``'s workers; an app
    embedded elsewhere leaves its host's collector alone).

    Everything built so far (modules, the config, the app) lives as long as the process: frozen, the collections
    need not scan it again and again. Requests make no reference cycles (tested), so the collector has nothing to
    free, but CPython starts a young collection every 700 net allocations, and with dozens of requests in flight
    those come every few requests, each walking every live object of every request in flight: about 20 µs a
    request at 64 connections. A threshold of 10,000 makes that a few hundredths of it (measured with
    ``gc.callbacks``), for at most a few MB of extra garbage held until a collection.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _fit_connections(wanted: int) -> int:
    """``max_connections``, within what the process may open: the soft descriptor limit is raised towards the hard
    one when needed, and the cap lowered (with a note) if that is not enough."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + _RESERVED_FDS
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitted = max(1, soft - _RESERVED_FDS)
        print(
            f"modelmux: note: max_connections lowered from {wanted} to {fitted} (open-file limit {soft})",
            file=sys.stderr,
        )
        return fitted
    return wanted


async def _check_store(config: GatewayConfig) -> str | None:
    """Why the limit store cannot be used, or None (no store, or it answers)."""
    if not config.redis_url:
        return None
    from .limits import LimiterError, RedisLimiter

    try:
        limiter = RedisLimiter(config.redis_url, prefix=config.redis_prefix)
    except ImportError as exc:
        return str(exc)
    try:
        await limiter.check()
    except LimiterError as exc:
        return str(exc)
    finally:
        await limiter.aclose()
    return None


def uvicorn_options(settings: ServerSettings, parser: str = "auto") -> dict[str, Any]:
    """The keyword arguments for ``uvicorn.run`` that bound connections (see the module docstring)."""
    from .connections import ConnectionLimits, protocol_class

    limits = ConnectionLimits(
        header_timeout=settings.header_timeout,
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
        max_connections=_fit_connections(settings.max_connections),
    )
    return {
        "http": functools.partial(cast(Any, protocol_class(parser)), limits=limits),  # pickles, for --workers
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "backlog": 2048,
        "timeout_graceful_shutdown": 30,  # then open streams are cut, rather than holding the shutdown
        "limit_concurrency": None,
    }


def run(config_path: str | None, *, host: str, port: int, workers: int, log_level: str, parser: str = "auto") -> int:
    """Check the config, then serve until interrupted. Returns the exit status."""
    try:
        import uvicorn
    except ImportError:
        print(
            "modelmux serve needs uvicorn (the 'server' extra): pip install '.[server]' in the modelmux checkout",
            file=sys.stderr,
        )
        return 2
    path = str(Path(config_path).resolve()) if config_path else None
    try:
        config = load_config(path)  # fail here, once, rather than in every worker
    except ConfigError as exc:
        print(f"modelmux: config error: {exc}", file=sys.stderr)
        return 2
    problem = asyncio.run(_check_store(config))
    if problem:
        print(f"modelmux: the rate-limit store is not usable: {problem}", file=sys.stderr)
        return 2
    if not config.auth_enabled and not is_loopback(host):
        print(
            f"modelmux: refusing to serve on {host} without client keys (anyone could use the upstreams); "
            "add a [keys.<id>] table to the config, or serve on 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    if workers > 1 and not config.redis_url:
        print(
            f"modelmux: note: {workers} workers each keep their own limits; set [limits] redis_url_env "
            "to share one budget per key",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(
        f"modelmux gateway: http://{shown}:{port}/v1 - {len(config.models)} model(s), "
        f"{'keys required' if config.auth_enabled else 'no keys (authentication off)'}",
        file=sys.stderr,
        flush=True,
    )
    try:
        options = uvicorn_options(config.server, parser)
    except ImportError as exc:
        print(f"modelmux: {exc}", file=sys.stderr)
        return 2
    if path:
        os.environ[CONFIG_ENV] = path
    else:
        os.environ.pop(CONFIG_ENV, None)
    uvicorn.run(
        "modelmux.asgi.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        server_header=False,
        **options,
    )
    return 0
