"""The real gateway on a loopback socket for the e2e tests: the ASGI app under uvicorn in a background thread.

In-process (rather than ``modelmux serve`` in a subprocess, which ``tests/asgi/test_gateway_serve.py`` covers) so a
test can hand the gateway an upstream transport: fake dialect upstreams or recorded cassettes replayed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

KEY = "sk-gw-e2e-0123456789abcdef"
ENV = {"E2E_KEY": KEY, "UPSTREAM_KEY": "sk-upstream-e2e-0123456789"}

#: The mock models every e2e gateway serves.
MOCK_MODELS = {f"mock/{name}": {"model": f"mock/{name}"} for name in ("demo", "echo", "agent", "embedding")}


def config(models: dict[str, Any] | None = None) -> dict[str, Any]:
    """A gateway config: the mock models, ``models``, one key (``KEY``), no limits."""
    return {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {**MOCK_MODELS, **(models or {})},
        "keys": {"e2e": {"key_env": "E2E_KEY"}},
    }


class RunningGateway:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/v1"


@contextmanager
def serve(data: dict[str, Any] | None = None, *, transport: Any = None) -> Iterator[RunningGateway]:
    """The gateway for ``data`` (default: :func:`config`) listening on a free loopback port until the block ends."""
    app = create_app(parse_config(data or config(), environ=ENV), transport=transport, limiter=MemoryLimiter())
    sock = socket.socket()  # bound here and handed to uvicorn: no other process can take the port in between
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    try:
        yield RunningGateway(port)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def http_client(**kwargs: Any) -> Any:
    """A plain client for the SDKs: recent ``openai``/``anthropic`` run on ``httpx2`` (a fork of httpx), older on httpx;
    ``trust_env=False`` so no proxy variable sends loopback traffic elsewhere."""
    try:
        import httpx2 as http_module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - SDKs before the fork
        http_module = httpx
    return http_module.Client(trust_env=False, **kwargs)


def async_http_client(**kwargs: Any) -> Any:
    try:
        import httpx2 as http_module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover
        http_module = httpx
    return http_module.AsyncClient(trust_env=False, **kwargs)
