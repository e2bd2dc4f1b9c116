"""``POST /v1/responses``, ``GET``/``DELETE /v1/responses/{id}`` and ``GET /v1/responses/{id}/input_items``: the
OpenAI Responses API for any configured model.

An OpenAI route takes the request natively; any other is translated to the chat call and back
(:mod:`modelmux._responses`). Responses are stored per gateway (:mod:`..responses_api.store`) and readable only
with the key that created them: another key gets the same 404 as for an id that never existed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from ..._responses.api import arespond
from ..._responses.errors import ResponseNotFoundError
from ..._responses.native import NATIVE_PROVIDERS
from ..._responses.store import StoredResponse, readable
from ..._responses.streams import AsyncResponseStream
from ...errors import APIError
from ...providers.mock_options import mock_header_options
from ..anthropic_api.event_stream import AnthropicEventStream
from ..config import ModelRoute
from ..errors import HTTPError
from ..failures import internal_error
from ..limits.budget_estimate import reserve_possible_cost
from ..limits.budget_meter import METER, Meter, charge, metered
from ..request import Request
from ..responses import Response, json_response
from ..responses_api.check_request import check_responses_request
from ..responses_api.event_stream import event_stream
from ..upstream_ids import check_responses_ids
from ..upstreams import Upstreams
from ..validate import json_body, required_str, sized

__all__ = ["create_response", "delete_response", "retrieve_response"]


def _not_found(response_id: str, param: str | None = None) -> HTTPError:
    return HTTPError(404, f"Response with id '{response_id[:100]}' not found.", param=param)


def _checked(request: Request, allow_ids: bool) -> dict[str, Any]:
    body = json_body(request)
    check_responses_request(body)
    if not allow_ids:
        check_responses_ids(body)
    return body


async def create_response(request: Request, upstreams: Upstreams) -> Response | AnthropicEventStream:
    body = await sized(request, _checked, request, upstreams.allows_upstream_ids(request))
    route = upstreams.route(request, required_str(body, "model"))
    if METER.get() is not None:  # a key with a spend budget: what this request may cost is held while it runs
        prompt = (body.get("input"), body.get("instructions"), body.get("tools"))
        output = body.get("max_output_tokens")
        await reserve_possible_cost(request, upstreams.priced_models(route), prompt, output)
    options = upstreams.options(route, request.key)
    if route.provider == "mock":
        options.update(mock_header_options(request.headers))  # x-mock-script: a client's script for this call
    native = route.provider in NATIVE_PROVIDERS and not upstreams.is_group(route)
    complete = None
    if not native:  # translated (a model group's router picks the deployment): counted as chat calls are

        async def complete(_model: str, messages: Any, **kwargs: Any) -> Any:
            if kwargs.get("stream"):
                kwargs.update(upstreams.stream_options(route))  # first_chunk_timeout
            result = await upstreams.acompletion(route, messages, **kwargs)
            if kwargs.get("stream"):
                return metered(result, route.model, messages)  # a key with a spend budget: counted at the end
            charge(result)
            return result

    try:
        result = await arespond(
            route.model,
            body,
            options,
            store=upstreams.responses,
            owner=request.key.id,
            public=route.name,
            complete=complete,
        )
    except ResponseNotFoundError as exc:
        raise _not_found(body.get("previous_response_id") or "", exc.param) from None
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    meter = METER.get()
    if isinstance(result, dict):
        if native and meter is not None:
            meter.add(result, None if result.get("model") else route.model)
        return json_response(result)
    if native and meter is not None:
        result = _metered_native(result, meter, route.model, body)
    return event_stream(result, lambda exc: _stream_error(exc, route, upstreams))


#: Native events whose ``delta`` is generated text (counted with the tokenizer when a stream ends without usage).
_DELTAS = frozenset(
    {"response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta"}
)


def _metered_native(stream: AsyncResponseStream, meter: Meter, model: str, body: dict[str, Any]) -> AsyncResponseStream:
    """OpenAI's native stream, counted when it is closed: from the final response's usage, else (cut short, the
    client gone) the request's input and the text streamed so far, counted with the tokenizer."""
    texts: list[str] = []
    counted = False

    async def batches() -> AsyncIterator[list[dict[str, Any]]]:
        async for batch in stream.batches():
            texts.extend(e["delta"] for e in batch if e.get("type") in _DELTAS and isinstance(e.get("delta"), str))
            yield batch

    async def close() -> None:
        nonlocal counted
        try:
            await stream.aclose()
        finally:
            if not counted:
                counted = True
                final = outer.response
                if final is not None and isinstance(final.get("usage"), dict):
                    meter.add(final, None if final.get("model") else model)
                else:
                    given = body.get("input")
                    prompt = given if isinstance(given, str) else json.dumps(given, ensure_ascii=False)
                    meter.add(None, model, messages=[{"role": "user", "content": prompt}], completion="".join(texts))

    outer = AsyncResponseStream(batches(), close=close)
    return outer


def _stream_error(exc: Exception, route: ModelRoute, upstreams: Upstreams) -> HTTPError:
    if isinstance(exc, APIError):
        return upstreams.error(exc, route)
    return internal_error(exc)


async def _entry(request: Request, upstreams: Upstreams, response_id: str) -> StoredResponse:
    entry = await upstreams.responses.aget(response_id)
    if entry is None or not readable(entry, request.key.id):
        raise _not_found(response_id)
    return entry


async def retrieve_response(request: Request, upstreams: Upstreams) -> Response:
    """``GET /v1/responses/{id}``, or ``…/{id}/input_items`` (newest first, as OpenAI's default ``order``)."""
    response_id, _, rest = request.path_param.partition("/")
    if rest not in ("", "input_items"):
        raise HTTPError(404, f"Invalid URL (GET {request.path[:200]}).", code="unknown_url")
    entry = await _entry(request, upstreams, response_id)
    if not rest:
        return json_response(entry.response)
    items = list(reversed(entry.input_items))
    first = items[0].get("id") if items else None
    last = items[-1].get("id") if items else None
    return json_response({"object": "list", "data": items, "first_id": first, "last_id": last, "has_more": False})


async def delete_response(request: Request, upstreams: Upstreams) -> Response:
    response_id = request.path_param
    await _entry(request, upstreams, response_id)
    if not await upstreams.responses.adelete(response_id, owner=request.key.id):
        raise _not_found(response_id)
    return json_response({"id": response_id, "object": "response", "deleted": True})
