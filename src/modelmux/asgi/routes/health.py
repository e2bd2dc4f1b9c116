"""``GET /health``: the process answers. No key needed, nothing about the configuration told."""

from __future__ import annotations

from ..request import Request
from ..responses import Response
from ..upstreams import Upstreams

__all__ = ["health"]

_OK = Response(200, b'{"status":"ok"}')


async def health(request: Request, upstreams: Upstreams) -> Response:
    return _OK
