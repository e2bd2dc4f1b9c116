"""The gateway with metrics on: every HTTP request counted (route, model, status, latency, error type, limit
rejections) and ``GET /metrics`` answered in the Prometheus text format.

It wraps the gateway's request handler; with ``[metrics] enabled = false`` (the default) it is not there at all.
Per request it costs one small object (the ``send`` wrapper that notes the status) and a few dict updates.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic_core import from_json

from .browser import BrowserPolicy
from .config_metrics import MetricsSettings
from .errors import HTTPError
from .metrics import GatewayMetrics
from .metrics_callback import CURRENT, RequestWatch
from .responses import Response, error_response
from .types import Receive, Scope, Send

__all__ = ["METRICS_PATH", "Instrumented", "instrument"]

METRICS_PATH = "/metrics"
_CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"

#: Gateway error codes that are limit rejections → the ``reason`` label.
_LIMIT_CODES = {
    "rate_limit_exceeded": "requests_per_minute",
    "concurrency_limit_exceeded": "max_concurrent",
    "service_unavailable": "limit_store_unavailable",
    "budget_exceeded": "budget_exceeded",
}

#: Distinct gateway error types counted at most (the rest count as "other"), and what one may look like.
_MAX_ERROR_TYPES = 100
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

App = Callable[[Scope, Receive, Send], Awaitable[None]]


def instrument(
    gateway: Any,
    route_path: Callable[[Scope], str],
    routes: Mapping[str, Any],
    prefix_routes: Sequence[tuple[str, Any]],
) -> tuple[Instrumented, GatewayMetrics]:
    """The gateway's HTTP handler counted, and the metrics it counts into (``gateway.config.metrics`` on)."""
    metrics = GatewayMetrics()
    entry = Instrumented(
        gateway._http,
        metrics,
        gateway.config.metrics,
        gateway._browser,
        route_path=route_path,
        routes=frozenset(routes),
        prefixes=tuple(prefix for prefix, _ in prefix_routes),
    )
    return entry, metrics


def _error_kind(body: bytes) -> tuple[str, str | None]:
    """An error answer's ``(type or code, code)`` (OpenAI's ``{"error": {...}}``, Anthropic's too)."""
    try:
        error = from_json(body).get("error")
    except (ValueError, AttributeError):
        return "unknown", None
    if not isinstance(error, dict):
        return "unknown", None
    code = error.get("code")
    code = code if isinstance(code, str) else None
    kind = code or error.get("type")
    return (kind if isinstance(kind, str) else "unknown"), code


def _is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:  # a Unix socket: only local processes can connect
        return True
    try:
        return ipaddress.ip_address(str(client[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class Instrumented:
    """The gateway's HTTP handler, counted; ``GET /metrics`` answered here."""

    def __init__(
        self,
        app: App,
        metrics: GatewayMetrics,
        settings: MetricsSettings,
        browser: BrowserPolicy,
        *,
        route_path: Callable[[Scope], str],
        routes: frozenset[str],
        prefixes: tuple[str, ...],
    ) -> None:
        self._app = app
        self.metrics = metrics
        self._settings = settings
        self._browser = browser
        self._route_path = route_path
        self._routes = routes
        self._prefixes = prefixes
        self._key = f"Bearer {settings.key}".encode() if settings.key else None
        self._error_types: set[str] = set()

    def _route(self, path: str) -> str:
        """A bounded label: a known route, a prefix route's template, or "other" (never the raw path)."""
        if path in self._routes:
            return path
        for prefix in self._prefixes:
            if path.startswith(prefix):
                return prefix + "{id}"
        return "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self._route_path(scope)
        if path == METRICS_PATH:
            await self._scrape(scope, send)
            return
        watch = RequestWatch(send)
        token = CURRENT.set(watch)
        started = time.perf_counter()
        try:
            await self._app(scope, receive, watch)
        finally:
            CURRENT.reset(token)
            self._count(path, watch, time.perf_counter() - started)

    def _count(self, path: str, watch: RequestWatch, elapsed: float) -> None:
        metrics, route, status = self.metrics, self._route(path), watch.status
        metrics.requests.inc((route, watch.model, str(status) if status else "client_closed"))
        metrics.latency.observe((route, watch.model), elapsed)
        if status < 400 or watch.upstream_failed:  # an upstream failure was counted by its callback
            return
        kind, code = _error_kind(watch.error_body)
        metrics.errors.inc(("gateway", self._bounded(kind)))
        if code in _LIMIT_CODES:
            metrics.limit_rejections.inc((_LIMIT_CODES[code],))
        elif status == 429:  # Anthropic's dialect carries no code
            metrics.limit_rejections.inc(("rate_limit",))

    def _bounded(self, kind: str) -> str:
        """An error type as a label: a short identifier, one of at most :data:`_MAX_ERROR_TYPES` (an answer relayed
        from an upstream could carry any text), else "other"."""
        seen = self._error_types
        if kind in seen:
            return kind
        if len(seen) >= _MAX_ERROR_TYPES or not _IDENTIFIER.fullmatch(kind):
            return "other"
        seen.add(kind)
        return kind

    async def _scrape(self, scope: Scope, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())[:100]}
        try:
            self._browser.check_host(headers)  # DNS rebinding: the same Host rules as every other route
            if scope.get("method") != "GET":
                raise HTTPError(405, "Use GET /metrics.", code="method_not_allowed", headers=((b"allow", b"GET"),))
            self._authorize(scope, headers)
        except HTTPError as exc:
            await error_response(exc).send(send)
            return
        await Response(200, self.metrics.render(), _CONTENT_TYPE).send(send)

    def _authorize(self, scope: Scope, headers: dict[str, str]) -> None:
        if self._key is not None:
            given = headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(given, self._key):
                raise HTTPError(401, "GET /metrics needs the metrics key (Authorization: Bearer ...).")
        elif not self._settings.allow_remote and not _is_loopback(scope):
            raise HTTPError(403, "GET /metrics answers loopback clients only ([metrics] key_env or allow_remote).")
