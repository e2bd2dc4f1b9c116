"""``POST /v1/messages`` and ``/v1/messages/count_tokens``: the Anthropic Messages API, for any configured model.

A route to an Anthropic model forwards the native body (:mod:`..anthropic_api.passthrough`); any other is
translated to the OpenAI-format call and back (:mod:`..anthropic_api`). Errors, before and during a stream, are
in Anthropic's shape (:mod:`..anthropic_api.errors`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ..._registry import get_provider, resolve
from ...errors import APIError
from ...tokens import token_counter
from ..anthropic_api.check_request import check_messages_request
from ..anthropic_api.convert_request import Target, convert_request
from ..anthropic_api.convert_response import convert_message
from ..anthropic_api.convert_stream import StreamTranslator
from ..anthropic_api.errors import error_event
from ..anthropic_api.event_stream import AnthropicEventStream
from ..anthropic_api.passthrough import forward, request_id_header, whole_events
from ..config import ModelRoute
from ..errors import HTTPError
from ..failures import internal_error
from ..limits.budget_estimate import reserve_possible_cost
from ..limits.budget_meter import METER, charge, charged, metered, metered_events
from ..metrics_callback import CURRENT
from ..request import Request
from ..responses import JSON, Response, json_response
from ..upstream_ids import check_messages_ids
from ..upstreams import Upstreams
from ..validate import json_body, parse_json, required_str, sized

__all__ = ["count_tokens", "create_message"]

#: Providers whose native dialect is the Messages API itself: their routes pass the body through.
NATIVE_PROVIDERS = frozenset({"anthropic"})


def _checked(request: Request, allow_ids: bool) -> dict[str, Any]:
    body = json_body(request)
    check_messages_request(body)
    if not allow_ids:
        check_messages_ids(body)
    return body


def _checked_count(request: Request, allow_ids: bool) -> dict[str, Any]:
    body = json_body(request)
    check_messages_request(body, count_only=True)
    if not allow_ids:
        check_messages_ids(body)
    return body


def _failure(exc: Exception, route: ModelRoute, upstreams: Upstreams) -> HTTPError:
    if isinstance(exc, APIError):
        return upstreams.error(exc, route)
    if isinstance(exc, httpx.HTTPError):  # the passthrough stream broke
        return HTTPError(502, f"The connection to the upstream provider of {route.name!r} failed mid-stream.")
    return internal_error(exc)


def _target(route: ModelRoute) -> Target:
    provider = get_provider(route.provider)
    return Target(route.provider, frozenset(getattr(provider, "supported_params", ())), route.drop_params)


async def create_message(request: Request, upstreams: Upstreams) -> Response | AnthropicEventStream:
    body = await sized(request, _checked, request, upstreams.allows_upstream_ids(request))
    route = upstreams.route(request, required_str(body, "model"))
    if METER.get() is not None:  # a key with a spend budget: what this request may cost is held while it runs
        prompt = (body["messages"], body.get("system"), body.get("tools"))
        await reserve_possible_cost(request, upstreams.priced_models(route), prompt, body.get("max_tokens"))
    if route.provider in NATIVE_PROVIDERS and not upstreams.is_group(route):
        return await _passthrough(request, body, route, upstreams)
    messages, params = await sized(request, convert_request, body, _target(route))
    options = upstreams.options(route, request.key)
    extra = params.pop("extra_body", None)
    if extra:
        options["extra_body"] = extra
    try:
        if body.get("stream") is not True:
            completion = await upstreams.acompletion(route, messages, **params, **options)
            charge(completion)  # a key with a spend budget
            answer = json_response(convert_message(completion, route.name))
            return Response(answer.status, answer.body, JSON, upstreams.headers(route, completion))
        options.update(upstreams.stream_options(route))  # first_chunk_timeout
        result = await upstreams.acompletion(
            route, messages, stream=True, stream_options={"include_usage": True}, **params, **options
        )
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    result = metered(result, route.model, messages)  # a key with a spend budget: counted at the end
    translator = StreamTranslator(route.name)
    # The first chunk is awaited before the 200 goes out, so a failure up to then keeps its own status.
    try:
        first = await result.__anext__()
    except StopAsyncIteration:
        first = None
    except APIError as exc:
        await result.aclose()
        raise upstreams.error(exc, route) from None
    except BaseException:
        await result.aclose()
        raise
    estimate = await sized(request, _estimate, route, messages, params)
    head = translator.start(estimate) + (translator.feed(first) if first is not None else b"")

    async def events() -> AsyncIterator[bytes]:
        async for chunk in result:
            yield translator.feed(chunk)
        yield translator.finish()

    return AnthropicEventStream(
        head,
        events(),
        close=result.aclose,
        on_error=lambda exc: error_event(_failure(exc, route, upstreams)),
        headers=upstreams.headers(route, result),
    )


async def _passthrough(
    request: Request, body: dict[str, Any], route: ModelRoute, upstreams: Upstreams
) -> Response | AnthropicEventStream:
    watch = CURRENT.get()
    if watch is not None:  # /metrics labels the request with its model (no callback does it for a raw call)
        watch.model = route.name
    try:
        response = await forward(route.model, upstreams.options(route, request.key), body, request.headers)
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    headers = request_id_header(response)
    if body.get("stream") is not True:
        return Response(200, charged(_native_json(response.content, "message", route), route.model), JSON, headers)
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        await response.aclose()
        raise HTTPError(502, f"The upstream provider of {route.name!r} did not answer with an event stream.")
    return AnthropicEventStream(
        b"",
        metered_events(whole_events(response.aiter_bytes()), route.model),
        close=response.aclose,
        on_error=lambda exc: error_event(_failure(exc, route, upstreams)),
        headers=headers,
    )


def _native_json(content: bytes, kind: str | None, route: ModelRoute) -> bytes:
    """The upstream's JSON answer as it is, once it is known to be one (a garbled 200 is a 502, not a success)."""
    try:
        data = parse_json(content)
    except HTTPError:
        data = None
    if not isinstance(data, dict) or (kind is not None and data.get("type") != kind):
        raise HTTPError(502, f"The upstream provider of {route.name!r} answered with something that is not valid.")
    return content


async def count_tokens(request: Request, upstreams: Upstreams) -> Response:
    """``{"input_tokens": N}``: Anthropic's own count for an Anthropic route (one cheap call, exact); for any
    other an estimate with modelmux's tokenizer over the translated prompt and the tools' JSON."""
    body = await sized(request, _checked_count, request, upstreams.allows_upstream_ids(request))
    route = upstreams.route(request, required_str(body, "model"))
    if route.provider in NATIVE_PROVIDERS and not upstreams.is_group(route):
        try:
            response = await forward(
                route.model, upstreams.options(route, request.key), body, request.headers, count=True
            )
        except APIError as exc:
            raise upstreams.error(exc, route) from None
        return Response(200, _native_json(response.content, None, route), JSON)
    messages, params = await sized(request, convert_request, body, _target(route))
    return json_response({"input_tokens": await sized(request, _estimate, route, messages, params)})


def _estimate(route: ModelRoute, messages: list[dict[str, Any]], params: dict[str, Any]) -> int:
    """The prompt's tokens by modelmux's tokenizer (tiktoken): the messages, and the tools as their JSON."""
    model = resolve(route.model).model
    count = token_counter(model=model, messages=messages)
    if params.get("tools"):
        count += token_counter(model=model, text=json.dumps(params["tools"], ensure_ascii=False))
    return count
