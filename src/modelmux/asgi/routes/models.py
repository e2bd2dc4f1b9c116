"""``GET /v1/models`` and ``GET /v1/models/{id}``: the public model names this key may use."""

from __future__ import annotations

from typing import Any

from ..config import ModelRoute
from ..errors import HTTPError
from ..request import Request
from ..responses import Response, json_response
from ..upstreams import Upstreams

__all__ = ["list_models", "retrieve_model"]


def _model(route: ModelRoute, created: int) -> dict[str, Any]:
    return {"id": route.name, "object": "model", "created": created, "owned_by": route.owned_by}


async def list_models(request: Request, upstreams: Upstreams) -> Response:
    key = request.key
    data = [_model(r, upstreams.created) for name, r in upstreams.models.items() if key.may_use(name)]
    return json_response({"object": "list", "data": data})


async def retrieve_model(request: Request, upstreams: Upstreams) -> Response:
    name = request.path_param
    route = upstreams.models.get(name)
    if route is None:
        raise HTTPError(
            404, f"The model {name!r} does not exist on this gateway.", param="model", code="model_not_found"
        )
    if not request.key.may_use(name):
        raise HTTPError(403, f"This API key may not use the model {name!r}.", param="model", code="model_not_allowed")
    return json_response(_model(route, upstreams.created))
