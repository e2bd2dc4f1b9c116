"""google-auth's HTTP transport interface over httpx, so token refreshes need nothing beyond google-auth itself.

google-auth ships transports for ``requests`` and ``urllib3`` only; its interface
(``google.auth.transport.Request.__call__(url, method, body, headers, timeout)`` → a response with
``status``, ``headers`` and ``data``) is small, and httpx is already a runtime dependency. Only token
endpoints and metadata servers are called through it, rarely (on refresh).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["HttpxGoogleRequest"]

_DEFAULT_TIMEOUT = 30.0


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class HttpxGoogleRequest:
    """A ``google.auth.transport.Request`` (duck-typed): one blocking HTTP call per use."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        from google.auth import exceptions  # the extra is installed whenever this runs

        transport_error: Any = exceptions.TransportError
        try:
            with httpx.Client(transport=self._transport, timeout=timeout or _DEFAULT_TIMEOUT) as client:
                response = client.request(method, url, content=body, headers=dict(headers or {}))
        except httpx.HTTPError as exc:
            raise transport_error(f"{type(exc).__name__} calling {url}") from exc
        return _Response(response)
