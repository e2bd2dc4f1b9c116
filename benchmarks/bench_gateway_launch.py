"""Serve the gateway like ``modelmux serve`` does (same uvicorn options, one worker), with an upstream-client variant.

Used by ``bench_gateway_wrk.py`` to compare upstream HTTP clients side by side under the same server:

    python benchmarks/bench_gateway_launch.py --config gw.toml --port 8000                      # as modelmux serve
    python benchmarks/bench_gateway_launch.py --config gw.toml --port 8000 --client aiohttp     # httpx-aiohttp
    python benchmarks/bench_gateway_launch.py --config gw.toml --port 8000 --shards 1           # one httpcore pool
    python benchmarks/bench_gateway_launch.py --config gw.toml --port 8000 --anyio              # httpcore on anyio
    python benchmarks/bench_gateway_launch.py --config gw.toml --port 8000 --httpx              # httpcore, asyncio

The library's default async client is its own (``_fastclient``); ``--httpx``, ``--anyio`` and ``--shards`` use the
httpx/httpcore pool (``MODELMUX_HTTP_CLIENT=httpx``) instead.
"""

from __future__ import annotations

import argparse
from typing import Any


def _transport(client: str) -> Any:
    if client == "httpcore":
        return None  # the library's pooled transport
    if client == "aiohttp":
        import httpx
        from httpx_aiohttp import AiohttpTransport  # an evaluation dependency, not the project's

        return AiohttpTransport(limits=httpx.Limits(max_connections=200, keepalive_expiry=30.0))
    raise SystemExit(f"unknown client {client!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client", default="httpcore", choices=("httpcore", "aiohttp"))
    parser.add_argument("--anyio", action="store_true", help="httpcore's anyio backend, not modelmux's asyncio one")
    parser.add_argument("--shards", type=int, default=None, help="httpcore pools per origin (the library's default: 8)")
    parser.add_argument("--httpx", action="store_true", help="httpx/httpcore on modelmux's asyncio backend")
    args = parser.parse_args()
    if args.httpx or args.anyio or args.shards is not None:
        import os

        os.environ["MODELMUX_HTTP_CLIENT"] = "httpx"

    import uvicorn

    from modelmux import _http
    from modelmux.asgi import create_app
    from modelmux.asgi.config import load_config
    from modelmux.asgi.serve import uvicorn_options

    if args.anyio:
        from modelmux import _deadline_backend

        _deadline_backend._PLAIN_ASYNCIO = False
    if args.shards is not None:
        _http._ASYNC_SHARDS = args.shards
    config = load_config(args.config)
    app = create_app(config, transport=_transport(args.client))
    try:
        from modelmux.asgi.serve import settle_heap  # as modelmux serve's app factory does (absent in older trees)
    except ImportError:
        pass
    else:
        settle_heap()
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="warning", server_header=False, **uvicorn_options(config.server)
    )


if __name__ == "__main__":
    main()
