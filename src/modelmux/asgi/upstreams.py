"""Public model names → the upstream call: which model string, key, base URL, timeout and transport."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import APIError
from .config import GatewayConfig, ModelRoute
from .config_cache import build_cache
from .errors import HTTPError, from_api_error
from .request import Request
from .responses_api.store import make_store
from .validate import bad_request

__all__ = ["Upstreams"]


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
            handlers = callbacks(name) if callbacks is not None else ()
            if handlers:
                options["callbacks"] = handlers
            self._options[name] = options

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

    def options(self, route: ModelRoute) -> dict[str, Any]:
        """Keyword arguments for the library call (a fresh dict: callers may add to it)."""
        return dict(self._options[route.name])

    def error(self, exc: APIError, route: ModelRoute) -> HTTPError:
        return from_api_error(exc, model=route.name, secrets=self.config.secrets)
