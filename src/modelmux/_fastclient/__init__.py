"""modelmux's own upstream HTTP/1.1 client for the pooled async calls: asyncio + httptools (issue 12).

``FastTransport`` is an ``httpx.AsyncBaseTransport``; ``_http`` uses it when httptools is importable (the
``server`` extra) unless ``MODELMUX_HTTP_CLIENT=httpx``. Files: ``connection`` (protocol + parser),
``request`` (the bytes sent), ``body`` (the response stream), ``pool``, ``connect`` (TCP, TLS, tunnels),
``proxy`` (the environment's proxies), ``transport``.
"""

from __future__ import annotations

from .transport import FastTransport

__all__ = ["FastTransport"]
