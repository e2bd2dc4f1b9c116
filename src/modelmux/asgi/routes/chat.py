"""``POST /v1/chat/completions``: a ``chat.completion`` as JSON, or ``chat.completion.chunk`` events when streamed."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Collection
from typing import Any

from ..._http import clips
from ..._registry import get_provider
from ..._stream_first import awithin_first_chunk
from ...errors import APIError
from ...providers._base import OPENAI_PARAMS
from ...providers.mock_options import mock_header_options
from ..config import ModelRoute
from ..config_cache import cache_option
from ..errors import HTTPError
from ..failures import internal_error
from ..limits.budget_estimate import reserve_possible_cost
from ..limits.budget_meter import METER, metered
from ..passthrough import answer_response, complete_passthrough, open_passthrough, passes_through
from ..request import Request
from ..responses import Response
from ..sse import EventStream, as_is, frame
from ..upstreams import Upstreams
from ..validate import bad_request, json_body, required_str, sized
from .check_chat import check_chat

__all__ = ["create_chat_completion"]

_OWN = frozenset({"model", "messages", "stream", "cache"})  # "cache": LiteLLM's per-request cache controls


def _split(body: dict[str, Any], native: Collection[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """OpenAI parameters for ``acompletion``, and the rest for the provider's body as ``extra_body`` (``native``: the
    provider's own body fields; a near miss of an OpenAI parameter that is not one of them is a 400).

    Nothing from the client ever becomes a keyword of its own (``api_base``, ``api_key``, ``transport``...), and
    ``mock_*`` testing hooks are not taken from it either.
    """
    params: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in body.items():
        if name in _OWN:
            continue
        if name in OPENAI_PARAMS:
            params[name] = value
        elif not name.startswith("mock_"):
            if len(extra) < _CHECKED_NAMES:
                _not_a_typo(name, native)
            extra[name] = value
    return params, extra


#: Unknown fields checked for a near miss per request (a typo is among the first; the check costs a little each).
_CHECKED_NAMES = 32


def _not_a_typo(name: str, native: Collection[str]) -> None:
    """400 for a near miss of an OpenAI parameter (``temprature``): passed on as a provider field it would be
    ignored by many providers, the request answered as if it were not there. A field the provider declares is kept."""
    if name in native or not 3 <= len(name) <= 40:
        return
    close = difflib.get_close_matches(name.lower().replace("-", "_"), OPENAI_PARAMS, n=1, cutoff=0.9)
    if close:
        raise bad_request(
            f"Unrecognized request argument supplied: {name}; did you mean {close[0]!r}?",
            param=name,
            code="unknown_parameter",
        )


async def create_chat_completion(request: Request, upstreams: Upstreams) -> Response | EventStream:
    body = await sized(request, json_body, request)
    route = upstreams.route(request, required_str(body, "model"))
    await sized(request, check_chat, body, upstreams.allows_upstream_ids(request))
    stream = body.get("stream") is True
    params, extra = _split(body, getattr(get_provider(route.provider), "native_params", ()))
    options = upstreams.options(route, request.key)
    if route.provider == "mock":
        options.update(mock_header_options(request.headers))  # x-mock-script: a client's script for this call
    if extra:
        options["extra_body"] = extra
    options.update(cache_option(upstreams.cache, route, request.key, request.headers, body.get("cache")))
    if METER.get() is not None:  # a key with a spend budget: what this request may cost is held while it runs
        output = body.get("max_completion_tokens") or body.get("max_tokens")
        prompt = (body["messages"], body.get("tools"))
        await reserve_possible_cost(request, upstreams.priced_models(route), prompt, output, body.get("n"))
    raw = passes_through(route, upstreams, options, stream=stream)  # the upstream's own bytes, not re-made
    try:
        if not stream:
            if raw:
                answer = await complete_passthrough(route, body["messages"], params, options)
            else:
                answer = await upstreams.acompletion(route, body["messages"], **params, **options)
            return answer_response(answer, upstreams.headers(route, answer))
        # The first chunk is awaited before the 200 goes out, so a failure up to then keeps its own status.
        first_timeout = route.first_chunk_timeout
        if raw:  # one attempt: first_chunk_timeout bounds the opening and the first read together
            opening = _start(open_passthrough(route, body["messages"], params, options))  # counted when closed
            result, first = await (opening if first_timeout is None else awithin_first_chunk(opening, first_timeout))
        else:
            options.update(upstreams.stream_options(route))  # acompletion bounds (and retries) each attempt
            result, first = await _start(_metered(upstreams, route, body["messages"], params, options))
    except APIError as exc:
        raise upstreams.error(exc, route) from None

    def on_error(exc: Exception) -> HTTPError:
        return _stream_error(exc, route, upstreams)

    # Through the pooled transports (not an injected one, not the mock's timed chunks) events go out a network
    # read at a time.
    batched = route.provider != "mock" and "transport" not in options and clips(None)
    return EventStream(
        first,
        result,
        close=result.aclose,
        on_error=on_error,
        headers=upstreams.headers(route, result),
        batched=batched,
        encode=as_is if raw else frame,
    )


async def _metered(upstreams: Upstreams, route: ModelRoute, messages: Any, params: Any, options: Any) -> Any:
    result = await upstreams.acompletion(route, messages, stream=True, **params, **options)
    return metered(result, route.model, messages)  # a key with a spend budget: counted at the end


async def _start(opening: Awaitable[Any]) -> tuple[Any, Any]:
    """The opened stream and its first chunk (None: it is empty); the stream is closed if reading fails."""
    result = await opening
    try:
        return result, await result.__anext__()
    except StopAsyncIteration:
        return result, None
    except BaseException:
        await result.aclose()
        raise


def _stream_error(exc: Exception, route: ModelRoute, upstreams: Upstreams) -> HTTPError:
    if isinstance(exc, APIError):
        return upstreams.error(exc, route)
    return internal_error(exc)
