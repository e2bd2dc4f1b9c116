"""``create_app()``: the gateway as a plain ASGI 3 callable, and its routing table.

One request: headers, bounded (431; 400 for a repeated ``Authorization`` or ``x-api-key``) → ``Host`` and ``Origin``
(400/403, CORS preflights answered) → route (404/405) → key (401) → limits (429) → body, bounded in size (413) and
time (408) → handler, cancelled if the client leaves → answer, each write bounded in time. Every refusal on the way
is a JSON error in the route's dialect (OpenAI's; Anthropic's on ``/v1/messages``); the limiter slot is released
however the request ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .anthropic_api.errors import anthropic_error
from .auth import Authenticator
from .body import ClientGone, read_body, within
from .browser import BrowserPolicy
from .config import GatewayConfig, ServerSettings, load_config
from .disconnect import until_disconnect
from .errors import HTTPError, retry_after_header
from .failures import internal_error
from .limits import LimiterError
from .limits.budget_gate import BudgetGate
from .metrics_callback import route_callbacks
from .request import Request
from .responses import Response, error_response
from .routes import chat, embeddings, health, images, messages, models, moderations, responses, transcriptions
from .server_hooks import HOOKS, ServerHooks
from .types import Message, Receive, Scope, Send
from .upstreams import Upstreams

if TYPE_CHECKING:
    from .limits import Limiter
    from .limits.budget import BudgetStore
    from .metrics import GatewayMetrics

__all__ = ["Gateway", "create_app"]

_log = logging.getLogger("modelmux.asgi")


class Answer(Protocol):
    """What a handler returns: a :class:`Response`, an :class:`EventStream`, or another dialect's stream."""

    async def send(self, send: Send) -> None: ...


Handler = Callable[[Request, Upstreams], Awaitable[Answer]]
ErrorRenderer = Callable[[HTTPError], Response]

#: Headers that must not come twice: which one would count is ambiguous (and proxies may disagree).
_SINGLE = frozenset({"authorization", "content-length", "host", "x-api-key"})


@dataclass(frozen=True, slots=True)
class Endpoint:
    handler: Handler
    auth: bool = True  # needs a client key, counts against its limits
    body: bool = False  # reads the request body, then runs cancellable by a disconnect
    errors: ErrorRenderer = error_response  # the dialect of its error answers (Anthropic's on /v1/messages)
    estimates: bool = False  # reserves what the request may cost once its body is read (``limits.budget_estimate``)


ROUTES: dict[str, dict[str, Endpoint]] = {
    "/health": {"GET": Endpoint(health.health, auth=False)},
    "/v1/models": {"GET": Endpoint(models.list_models)},
    "/v1/chat/completions": {"POST": Endpoint(chat.create_chat_completion, body=True, estimates=True)},
    "/v1/embeddings": {"POST": Endpoint(embeddings.create_embedding, body=True)},
    "/v1/images/generations": {"POST": Endpoint(images.create_image, body=True)},
    "/v1/audio/transcriptions": {"POST": Endpoint(transcriptions.create_transcription, body=True)},
    "/v1/moderations": {"POST": Endpoint(moderations.create_moderation, body=True)},
    "/v1/messages": {"POST": Endpoint(messages.create_message, body=True, errors=anthropic_error, estimates=True)},
    "/v1/messages/count_tokens": {"POST": Endpoint(messages.count_tokens, body=True, errors=anthropic_error)},
    "/v1/responses": {"POST": Endpoint(responses.create_response, body=True, estimates=True)},
}
#: Routes whose last segment is a parameter; model ids may contain "/" (``mock/demo``), so it takes the rest.
PREFIX_ROUTES: tuple[tuple[str, dict[str, Endpoint]], ...] = (
    ("/v1/models/", {"GET": Endpoint(models.retrieve_model)}),
    ("/v1/responses/", {"GET": Endpoint(responses.retrieve_response), "DELETE": Endpoint(responses.delete_response)}),
)


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette's ``Mount`` and ``--root-path`` set ``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


def _match(path: str) -> tuple[dict[str, Endpoint], str] | None:
    methods = ROUTES.get(path)
    if methods is not None:
        return methods, ""
    for prefix, prefixed in PREFIX_ROUTES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefixed, path[len(prefix) :]
    return None


def _headers(scope: Scope, settings: ServerSettings) -> dict[str, str]:
    """The headers by lower-case name: 431 past the size or count limit (``modelmux serve`` refuses those while
    reading; this holds under any server), 400 for a repeated single-valued header."""
    raw = scope["headers"]
    if len(raw) > settings.max_headers:
        raise HTTPError(431, f"Too many request headers (over {settings.max_headers}).", code="headers_too_large")
    size = sum(len(name) + len(value) for name, value in raw)
    if size > settings.max_header_bytes:
        raise HTTPError(
            431, f"Request headers too large (over {settings.max_header_bytes} bytes).", code="headers_too_large"
        )
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        if key in _SINGLE and key in headers:
            raise HTTPError(400, f"The {key} header must be sent once.", code="duplicate_header")
        headers[key] = value.decode("latin-1")
    return headers


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit() or not value.isascii():
        raise HTTPError(400, "Invalid Content-Length header.", code="invalid_content_length")
    return int(value)


class _Tracked:
    """``send``, remembering whether the response has started (after that an error can only be logged), adding
    ``extra`` headers (CORS) to it, and giving up on a client that leaves a write unread for ``timeout`` seconds."""

    __slots__ = ("_send", "_timeout", "errors", "extra", "started")

    def __init__(self, send: Send, timeout: float | None) -> None:
        self._send = send
        self._timeout = timeout
        self.started = False
        self.extra: tuple[tuple[bytes, bytes], ...] = ()
        self.errors: ErrorRenderer = error_response  # the matched route's dialect, once known

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if self.extra:
                message = {**message, "headers": [*message.get("headers", ()), *self.extra]}
        if self._timeout is None:  # the server bounds stalled writes itself (RequestHooks)
            await self._send(message)
            return
        try:
            await within(self._timeout, self._send(message))
        except asyncio.TimeoutError:  # the server's write buffer stayed full: nobody reads the answer
            raise ClientGone from None


class Gateway:
    """The ASGI app. Build it with :func:`create_app`."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        limiter: Limiter,
        owns_limiter: bool,
        transport: Any = None,
        callbacks: Sequence[Any] = (),
        budget_store: BudgetStore | None = None,
    ) -> None:
        self.config = config
        self.limiter = limiter
        self._owns_limiter = owns_limiter
        self.budgets = BudgetGate(config.budgets, budget_store or _default_budget_store(config))
        self._owns_budgets = budget_store is None
        self._auth = Authenticator(config.keys, config.limits)
        self._browser = BrowserPolicy(config.server, auth_enabled=config.auth_enabled)
        self._entry: Callable[[Scope, Receive, Send], Awaitable[None]] = self._http
        self.metrics: GatewayMetrics | None = None
        if config.metrics.enabled:  # the same handler, counted, and GET /metrics answered (metrics_asgi)
            from .metrics_asgi import instrument

            self._entry, self.metrics = instrument(self, _route_path, ROUTES, PREFIX_ROUTES)
        self.upstreams = Upstreams(config, transport, callbacks=route_callbacks(callbacks, self.metrics))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._entry(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def aclose(self) -> None:
        """Release what the app holds (its limiter and budgets, when the app created them; the upstreams' router,
        cache and response store)."""
        if self._owns_limiter:
            await self.limiter.aclose()
        await self.upstreams.aclose()  # its router, cache and response store
        if self._owns_budgets:
            await self.budgets.store.aclose()

    async def check(self) -> None:
        """Raise :class:`LimiterError` when the limit store is unreachable or refuses the gateway's credentials."""
        check = getattr(self.limiter, "check", None)  # optional: a limiter in memory has nothing to check
        if check is not None:
            await check()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.check()
                except LimiterError as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions")
        hooks: ServerHooks | None = extensions.get(HOOKS) if extensions else None
        if hooks is not None:  # modelmux serve's own protocol: no timer per write
            hooks.bound_writes(self.config.server.send_timeout)
            tracked = _Tracked(send, None)
        else:
            tracked = _Tracked(send, self.config.server.send_timeout)
        try:
            await self._serve(scope, receive, tracked, hooks)
        except ClientGone:
            return
        except Exception as exc:
            error = exc if isinstance(exc, HTTPError) else internal_error(exc)
            if not tracked.started:
                with contextlib.suppress(ClientGone):  # nobody reads the answer either
                    await tracked.errors(error).send(tracked)

    async def _serve(self, scope: Scope, receive: Receive, send: _Tracked, hooks: ServerHooks | None) -> None:
        path = _route_path(scope)
        matched = _match(path)
        if matched is not None:  # every refusal from here on speaks the route's dialect
            send.errors = next(iter(matched[0].values())).errors
        headers = _headers(scope, self.config.server)
        browser = self._browser
        browser.check_host(headers)
        if matched is None:
            raise HTTPError(404, f"Invalid URL ({scope['method']} {path[:200]}).", code="unknown_url")
        methods, param = matched
        if browser.is_preflight(scope["method"], headers):
            await Response(200, b"", b"text/plain", browser.preflight_headers(headers)).send(send)
            return
        origin = browser.check_origin(headers)
        if origin is not None:
            send.extra = browser.cors_headers(origin)
        endpoint = methods.get(scope["method"])
        if endpoint is None:
            allow = ", ".join(sorted(methods)).encode()
            raise HTTPError(
                405,
                f"Method {scope['method'][:20]} not allowed for {path[:200]}; use {allow.decode()}.",
                code="method_not_allowed",
                headers=((b"allow", allow),),
            )
        if not endpoint.auth:
            request = Request(scope["method"], path, headers, self._auth.anonymous, path_param=param)
            await (await endpoint.handler(request, self.upstreams)).send(send)
            return
        key = self._auth.authenticate(headers.get("authorization"), headers.get("x-api-key"))
        limits = key.limits
        try:
            decision = await self.limiter.acquire(key.id, rpm=limits.rpm, max_concurrent=limits.max_concurrent)
        except LimiterError:
            # The limit store (e.g. Redis) is down: say so honestly, and let clients retry. The limiter logs the
            # outage once, not once per request.
            raise HTTPError(
                503,
                "The gateway's rate-limit store is unavailable; retry shortly.",
                type="service_unavailable",
                code="service_unavailable",
                headers=retry_after_header(1.0),
            ) from None
        if not decision.allowed:
            per_minute = decision.reason == "requests_per_minute"
            raise HTTPError(
                429,
                "Rate limit reached: "
                + (f"{limits.rpm} requests per minute" if per_minute else f"{limits.max_concurrent} requests at once")
                + " for this key.",
                code="rate_limit_exceeded" if per_minute else "concurrency_limit_exceeded",
                headers=retry_after_header(decision.retry_after if decision.retry_after is not None else 1.0),
            )
        try:
            if not endpoint.body:
                request = Request(scope["method"], path, headers, key, path_param=param)
                await (await endpoint.handler(request, self.upstreams)).send(send)
                return
            ticket = await self.budgets.enter(key.id, endpoint.estimates)  # 429 when the key's budget is used up
            try:
                length = _content_length(headers)
                timeout = None if hooks is not None and hooks.body_received() else self.config.server.body_timeout
                body = await read_body(receive, limit=limits.max_body_bytes, content_length=length, timeout=timeout)
                request = Request(scope["method"], path, headers, key, body, param)
                await until_disconnect(receive, self._respond(endpoint, request, send), hooks)
            finally:
                await self.budgets.exit(ticket)  # the calls' real cost, a stream's once it ended
        finally:
            await self.limiter.release(key.id, decision.token)

    async def _respond(self, endpoint: Endpoint, request: Request, send: Send) -> None:
        try:
            answer: Answer = await endpoint.handler(request, self.upstreams)
        except HTTPError as exc:
            answer = endpoint.errors(exc)
        await answer.send(send)


def create_app(
    config: GatewayConfig | Mapping[str, Any] | str | Path | None = None,
    *,
    transport: Any = None,
    limiter: Limiter | None = None,
    callbacks: Sequence[Any] = (),
    budget_store: BudgetStore | None = None,
) -> Gateway:
    """The gateway as an ASGI 3 app (mountable in Starlette/FastAPI, servable by any ASGI server).

    Args:
        config: a TOML file path, a mapping shaped like it, a :class:`GatewayConfig`, or ``None`` for the offline
            mock models with authentication off (see :func:`modelmux.asgi.config.dev_config`).
        transport: an ``httpx.AsyncBaseTransport`` every upstream call goes through (tests, proxies); a model's
            own ``transport`` (mapping configs only) wins over it.
        limiter: where limit state lives; default: Redis when the config names one, else in this process.
        callbacks: handlers (``modelmux.callbacks``) told about every upstream call the gateway makes.
        budget_store: where spend budgets live (``limits.budget``); the same default.

    Raises:
        ConfigError: the configuration is invalid or names an environment variable that is not set.
    """
    resolved = load_config(config)
    owns = limiter is None
    if limiter is None:
        limiter = _default_limiter(resolved)
    if not resolved.auth_enabled:
        _log.warning("modelmux gateway: no client keys configured, so every request is accepted without a key")
    return Gateway(
        resolved,
        limiter=limiter,
        owns_limiter=owns,
        transport=transport,
        callbacks=callbacks,
        budget_store=budget_store,
    )


def _default_limiter(config: GatewayConfig) -> Limiter:
    if config.redis_url:
        from .limits import RedisLimiter

        return RedisLimiter(config.redis_url, prefix=config.redis_prefix)
    from .limits import MemoryLimiter

    return MemoryLimiter()


def _default_budget_store(config: GatewayConfig) -> BudgetStore:
    budgets = config.budgets
    if config.redis_url and (budgets.default.limited or any(b.limited for b in budgets.per_key.values())):
        from .limits.budget_redis import RedisBudgets

        return RedisBudgets(config.redis_url, prefix=config.redis_prefix)
    from .limits.budget import MemoryBudgets

    return MemoryBudgets()
