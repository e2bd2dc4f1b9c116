"""Public model names → the upstream call: which model string, key, base URL, timeout and transport; or, for a
model group (``config_groups``), the ``modelmux.Router`` that picks a deployment, retries and falls back.

The routes call the operations here (``acompletion``, ``aembedding``…) with the route they resolved; a single
model is called as before, a group through the router. :meth:`Upstreams.headers` tells clients how a group's answer
was obtained: ``x-modelmux-attempts`` (requests sent) and ``x-modelmux-deployment`` (the id of the deployment that
answered, never a key).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import APIError
from .config import ClientKey, GatewayConfig, ModelRoute
from .config_cache import build_cache
from .errors import HTTPError, from_api_error
from .request import Request
from .responses_api.store import aclose_store, make_store
from .validate import bad_request

if TYPE_CHECKING:
    from ..router import Router
    from .config_groups import ModelGroup

__all__ = ["ATTEMPTS_HEADER", "DEPLOYMENT_HEADER", "Upstreams"]

ATTEMPTS_HEADER = b"x-modelmux-attempts"
DEPLOYMENT_HEADER = b"x-modelmux-deployment"


def _route_options(route: ModelRoute, transport: Any) -> dict[str, Any]:
    options: dict[str, Any] = dict(route.options)
    if route.api_key:
        options["api_key"] = route.api_key
    if route.api_base:
        options["api_base"] = route.api_base
    options["timeout"] = route.timeout  # always finite: it bounds the whole upstream call
    if route.drop_params:
        options["drop_params"] = True
    chosen = route.transport if route.transport is not None else transport
    if chosen is not None and route.provider != "mock":
        options["transport"] = chosen
    options.update(route.mock_options)
    return options


def _first_chunk(route: ModelRoute) -> dict[str, Any]:
    """A router deployment's ``first_chunk_timeout`` (the router applies it to streamed calls only)."""
    return {} if route.first_chunk_timeout is None else {"first_chunk_timeout": route.first_chunk_timeout}


def _group_options(group: ModelGroup) -> dict[str, Any]:
    """A group's per-call router settings (each group keeps its own retries, deadline and fallbacks)."""
    options: dict[str, Any] = {"num_retries": group.num_retries, "timeout": group.timeout}
    for key in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
        options[key] = list(group.fallbacks.get(key, ()))
    return options


def _build_router(config: GatewayConfig, transport: Any) -> Router:
    """One router over every group, and every single model a group falls back to (as a group of one)."""
    from ..router import RedisState, Router

    model_list: list[dict[str, Any]] = []
    for group in config.groups.values():
        for d in group.deployments:
            options = _route_options(d.route, transport)
            options["timeout"] = d.route.timeout  # a cap on one attempt, within the group's overall timeout
            entry = {"group": group.name, "model": d.route.model, "id": d.id, **options, **_first_chunk(d.route)}
            model_list.append(
                {**entry, **{k: v for k in ("weight", "rpm", "tpm", "order") if (v := getattr(d, k)) is not None}}
            )
    targets = {t for g in config.groups.values() for names in g.fallbacks.values() for t in names}
    for name in sorted(targets - set(config.groups)):
        route = config.models[name]
        options = _route_options(route, transport)
        model_list.append({"group": name, "model": route.model, "id": name, **options, **_first_chunk(route)})
    settings = config.router
    assert settings is not None
    state = RedisState(config.redis_url, prefix=config.redis_prefix) if config.redis_url else None
    return Router(
        model_list,
        routing_strategy=settings.routing_strategy,
        allowed_fails=settings.allowed_fails,
        cooldown_time=settings.cooldown_time,
        wait_for_cooldown=settings.wait_for_cooldown,
        state=state,
        environ={},
    )


class Upstreams:
    """The configured models, and what every call to one of them is given."""

    def __init__(
        self, config: GatewayConfig, transport: Any = None, *, callbacks: Callable[[str], tuple[Any, ...]] | None = None
    ) -> None:
        """``callbacks(route_name)``: the ``callbacks=`` every call to that route is given (app's, metrics)."""
        self.config = config
        self.created = int(time.time())
        self._options: dict[str, dict[str, Any]] = {}
        self.cache = build_cache(config)  # None unless a model caches (``config_cache``)
        self.responses = make_store(config)  # stored Responses API answers (``/v1/responses``)
        for name, route in config.models.items():
            group = config.groups.get(name)
            options = _group_options(group) if group else _route_options(route, transport)
            handlers = callbacks(name) if callbacks is not None else ()
            if handlers:
                options["callbacks"] = handlers
            self._options[name] = options
        self.router: Router | None = _build_router(config, transport) if config.groups else None

    @property
    def models(self) -> Mapping[str, ModelRoute]:
        return self.config.models

    def route(self, request: Request, name: str) -> ModelRoute:
        """The route for a public model name: 400 when unknown, 403 when this key may not use it."""
        route = self.config.models.get(name)
        if route is None:
            raise bad_request(
                f"The model {name!r} does not exist on this gateway; GET /v1/models lists the ones you can use.",
                param="model",
                code="model_not_found",
            )
        if not request.key.may_use(name):
            raise HTTPError(
                403, f"This API key may not use the model {name!r}.", param="model", code="model_not_allowed"
            )
        return route

    def stream_options(self, route: ModelRoute) -> dict[str, Any]:
        """What a streamed chat call on ``route`` is given besides :meth:`options` (``first_chunk_timeout``: the
        model's or group's own; a group's deployments carry theirs in the router)."""
        return {} if route.first_chunk_timeout is None else {"first_chunk_timeout": route.first_chunk_timeout}

    def allows_upstream_ids(self, request: Request) -> bool:
        """Whether the request's key may name objects of the upstream account (``upstream_ids``): opted in, or no
        client keys at all (one tenant)."""
        return request.key.limits.allow_upstream_object_ids or not self.config.auth_enabled

    def priced_models(self, route: ModelRoute) -> tuple[str, ...]:
        """The models a call on ``route`` may be answered by (a group's deployments), for a budget's estimate."""
        group = self.config.groups.get(route.name)
        return (route.model,) if group is None else tuple(d.route.model for d in group.deployments)

    def is_group(self, route: ModelRoute) -> bool:
        return route.name in self.config.groups

    def options(self, route: ModelRoute, key: ClientKey | None = None) -> dict[str, Any]:
        """Keyword arguments for the library call (a fresh dict: callers may add to it). A group called with a
        ``key`` limited to some models falls back only to models that key may use itself (its model list is an
        access rule: a fallback must not answer it from a model it was refused)."""
        options = dict(self._options[route.name])
        group = self.config.groups.get(route.name)
        if group is not None and key is not None and key.models is not None:
            for name, targets in group.fallbacks.items():
                allowed = [t for t in targets if key.may_use(t)]
                if len(allowed) < len(targets):
                    options[name] = allowed  # the router's per-call list replaces the group's
        return options

    def error(self, exc: APIError, route: ModelRoute) -> HTTPError:
        return from_api_error(exc, model=route.name, secrets=self.config.secrets)

    def headers(self, route: ModelRoute, result: Any) -> tuple[tuple[bytes, bytes], ...]:
        """How a group's answer was obtained (none for a single model: its answers are as they always were)."""
        hidden = getattr(result, "_hidden_params", None)
        if not self.is_group(route) or not isinstance(hidden, dict):
            return ()
        deployment = str(hidden.get("model_id") or "")
        return ((ATTEMPTS_HEADER, b"%d" % int(hidden.get("attempts") or 0)), (DEPLOYMENT_HEADER, deployment.encode()))

    # ---------------------------------------------------------------- calls

    async def _call(self, route: ModelRoute, operation: str, *args: Any, **kwargs: Any) -> Any:
        if self.router is not None and self.is_group(route):
            return await getattr(self.router, "a" + operation)(route.name, *args, **kwargs)
        import modelmux

        from .routes.local import answer

        sync, async_ = getattr(modelmux, operation), getattr(modelmux, "a" + operation)
        return await answer(route, sync, async_, route.model, *args, **kwargs)

    async def acompletion(self, route: ModelRoute, messages: Any, **kwargs: Any) -> Any:
        if self.router is not None and self.is_group(route):
            return await self.router.acompletion(route.name, messages, **kwargs)
        from .._api import acompletion

        return await acompletion(route.model, messages, **kwargs)

    async def aembedding(self, route: ModelRoute, input: Any, **kwargs: Any) -> Any:
        return await self._call(route, "embedding", input, **kwargs)

    async def aimage_generation(self, route: ModelRoute, prompt: str, **kwargs: Any) -> Any:
        if self.router is not None and self.is_group(route):
            return await self.router.aimage_generation(route.name, prompt, **kwargs)
        import modelmux

        return await modelmux.aimage_generation(route.model, prompt, **kwargs)

    async def atranscription(self, route: ModelRoute, file: Any, **kwargs: Any) -> Any:
        if self.router is not None and self.is_group(route):
            return await self.router.atranscription(route.name, file, **kwargs)
        import modelmux

        return await modelmux.atranscription(route.model, file, **kwargs)

    async def amoderation(self, route: ModelRoute, input: Any, **kwargs: Any) -> Any:
        if self.router is not None and self.is_group(route):
            return await self.router.amoderation(route.name, input, **kwargs)
        import modelmux

        from .routes.local import answer

        return await answer(route, modelmux.moderation, modelmux.amoderation, input, model=route.model, **kwargs)

    async def aclose(self) -> None:
        """Release the router's, the cache's and the response store's connections."""
        if self.router is not None:
            await self.router.aclose()
        if self.cache is not None:
            await self.cache.aclose()
        await aclose_store(self.responses)
