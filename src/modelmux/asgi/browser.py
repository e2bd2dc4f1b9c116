"""What a web page may make a browser do to the gateway: checked before routing.

- DNS rebinding: a page on ``evil.example`` whose name later resolves to 127.0.0.1 reaches a loopback gateway with
  ``Host: evil.example``. Without client keys only loopback names are served (``localhost``, ``*.localhost``,
  127.0.0.0/8, ``[::1]``) unless ``[server] allowed_hosts`` says otherwise; with keys any host is, since a page
  cannot know a key.
- Cross-origin requests: a page may send "simple" requests (form or ``text/plain`` POSTs, multipart uploads) to any
  origin without a preflight. A browser request from another origin (``Origin`` not this host, or
  ``Sec-Fetch-Site`` other than ``same-origin``/``none``) is refused (403) unless ``[cors] allow_origins`` lists it.
- CORS, when configured: preflights (``OPTIONS`` with ``Access-Control-Request-Method``) are answered, and answers to
  allowed origins carry ``Access-Control-Allow-Origin``. No credentials mode: keys travel in ``Authorization``.

Fetch standard, "CORS protocol" and "Sec-Fetch-Site": https://fetch.spec.whatwg.org/ ;
https://www.w3.org/TR/fetch-metadata/
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from .config import ServerSettings
from .errors import HTTPError

__all__ = ["BrowserPolicy"]

_METHODS = b"GET, POST"
_EXPOSE = b"retry-after, retry-after-ms, x-request-id"


def _host_name(host: str) -> str:
    """``Host`` without its port, lower-case (``[::1]:8000`` → ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


class BrowserPolicy:
    """The ``Host`` allow-list, the cross-origin refusal and CORS, for one configuration."""

    def __init__(self, settings: ServerSettings, *, auth_enabled: bool) -> None:
        self._hosts = settings.allowed_hosts
        self._any_host = (self._hosts is None and auth_enabled) or (self._hosts is not None and "*" in self._hosts)
        self._origins = frozenset(settings.cors_origins)
        self._any_origin = "*" in self._origins
        self._max_age = str(settings.cors_max_age).encode()

    def check_host(self, headers: Mapping[str, str]) -> None:
        host = headers.get("host")
        if host is None or self._any_host:
            return  # HTTP/1.0 clients may send none; browsers always do
        name = _host_name(host)
        if self._hosts is None:
            allowed = _is_loopback_name(name)
        else:
            allowed = any(name == h or (h.startswith("*.") and name.endswith(h[1:])) for h in self._hosts)
        if not allowed:
            raise HTTPError(
                400,
                "Invalid Host header: this gateway does not serve that name ([server] allowed_hosts).",
                code="invalid_host",
            )

    def allowed_origin(self, origin: str) -> bool:
        return self._any_origin or origin.lower() in self._origins

    def check_origin(self, headers: Mapping[str, str]) -> str | None:
        """The origin to answer with CORS headers, None for a same-origin or non-browser request; 403 for a
        cross-origin one that is not allowed."""
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        if origin is None and site in (None, "same-origin", "none"):
            return None
        # Same host and port is the same origin (the scheme may differ behind a TLS-terminating proxy).
        same = origin is not None and origin.partition("://")[2].lower() == headers.get("host", "").lower()
        if same and site in (None, "same-origin", "none"):
            return None
        if origin is not None and self.allowed_origin(origin):
            return origin
        raise HTTPError(
            403,
            "Cross-origin browser requests are not allowed here; list the origin in [cors] allow_origins.",
            code="cross_origin_refused",
        )

    @staticmethod
    def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
        return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers

    def preflight_headers(self, headers: Mapping[str, str]) -> tuple[tuple[bytes, bytes], ...]:
        """The answer headers of an allowed preflight; 403 for an origin or method that is not allowed."""
        origin = headers["origin"]
        method = headers["access-control-request-method"].strip().upper()
        if not self.allowed_origin(origin) or method not in ("GET", "POST"):
            raise HTTPError(
                403,
                "Cross-origin browser requests are not allowed here; list the origin in [cors] allow_origins.",
                code="cross_origin_refused",
            )
        answer = [
            *self.cors_headers(origin),
            (b"access-control-allow-methods", _METHODS),
            (b"access-control-max-age", self._max_age),
        ]
        requested = headers.get("access-control-request-headers")
        if requested:  # keys travel as bearer tokens, so any request header may come along
            answer.append((b"access-control-allow-headers", requested.encode("latin-1")))
        return tuple(answer)

    @staticmethod
    def cors_headers(origin: str) -> tuple[tuple[bytes, bytes], ...]:
        return (
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", _EXPOSE),
            (b"vary", b"Origin"),
        )
