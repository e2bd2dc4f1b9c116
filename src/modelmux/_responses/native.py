"""OpenAI targets take the Responses request natively: ``POST {api_base}/responses`` with the checked body (``model``
the target's id), the answer checked to be a ``response`` and returned as it is, stream events forwarded as they
come (https://platform.openai.com/docs/api-reference/responses/create). Built-in tools (web_search, file_search,
code_interpreter…) and every field OpenAI has reach it unchanged.

The request goes through the core's single send (:func:`modelmux._call.asend`), so OpenAI's errors are mapped and
scrubbed of secrets like every other call's.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from .. import _http
from .._attempts import one_attempt
from .._bounds import awithin, check_deadline
from .._call import Call, asend, open_call, parse, send
from .._registry import resolve
from .._retry import RetryLoop, arun, attempt_timeout, check_num_retries, run
from .._sse import SSEDecoder
from ..errors import UnsupportedParamsError, UpstreamError
from ..providers.openai.provider import json_request
from .types import ResponseObject

__all__ = ["NATIVE_PROVIDERS", "anative", "for_openai", "native"]

#: Providers whose own API is the Responses API.
NATIVE_PROVIDERS = frozenset({"openai"})
#: Item fields modelmux adds that OpenAI would look up (ids) or refuse (status) when history goes in as input.
_HISTORY_DROP = ("id", "status")


def for_openai(history: list[dict[str, Any]], given: Any) -> list[Any]:
    """A conversation kept by modelmux (made on other providers) as OpenAI input items: without modelmux's ids and
    reasoning items (OpenAI cannot read those), then the new ``input``."""
    items: list[Any] = []
    for item in history:
        if item.get("type") == "reasoning":
            continue
        items.append({k: v for k, v in item.items() if k not in _HISTORY_DROP})
    if isinstance(given, str):
        items.append({"role": "user", "content": given})
    elif given is not None:  # OpenAI takes a continuation without new input
        items.extend(given)
    return items


def _parse(content: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(content)
    _check_response(data)
    return data


def _check_response(data: Any) -> None:
    """A ``ValueError`` unless ``data`` is a whole Response object (a status, a list of output items, the types
    :class:`ResponseObject` reads): anything less would be an empty success, or fail later in the caller's hands."""
    if not isinstance(data, dict) or data.get("object") != "response" or not isinstance(data.get("id"), str):
        raise ValueError("not a response object")
    output = data.get("output")
    if not isinstance(data.get("status"), str) or not isinstance(output, list):
        raise ValueError("a response without a status or output")
    if not all(isinstance(item, dict) for item in output):
        raise ValueError("an output item that is not an object")
    ResponseObject.model_validate(data)  # its ValidationError is a ValueError


def _open(model: str, options: Mapping[str, Any], body: Mapping[str, Any], stream: bool) -> tuple[Call, Any]:
    resolved = resolve(model)
    call = open_call(resolved, {}, dict(options), stream=stream)
    return call, json_request(call.ctx, "/responses", {**body, "model": resolved.model})


def _event(data: str) -> dict[str, Any]:
    event = json.loads(data)
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not _TYPE.fullmatch(event["type"]):
        raise ValueError("not a stream event")  # a type with a line break would forge events in the client's stream
    seq = event.get("sequence_number", 0)
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValueError("a sequence_number that is not an integer")
    if event["type"] in _FINAL:  # the response kept, stored and returned as the stream's result
        _check_response(event.get("response"))
    elif "response" in event and not isinstance(event["response"], dict):
        raise ValueError("a response that is not an object")
    return event


def _retries(model: str, options: Mapping[str, Any]) -> tuple[RetryLoop[str] | None, dict[str, Any], Any]:
    """``(retry loop or None, options left, the caller's timeout)``: ``num_retries`` retries the request (a stream
    that has started is not retried, as for chat); fallbacks would leave the Responses API, so they are refused."""
    opts = dict(options)
    if one_attempt(opts):
        return None, opts, None
    for name in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
        if opts.pop(name, None) and not opts.get("drop_params"):
            raise UnsupportedParamsError(
                f"{name} are not available for OpenAI's native Responses API; pass drop_params=True to drop them",
                model=model,
                param=name,
                code="unsupported_parameter",
                status_code=400,
            )
    opts.pop("disable_fallbacks", None)
    retries = check_num_retries(opts.pop("num_retries", None))
    given = opts.pop("timeout", None)
    total = _http.limits_of(_http.timeout_of(given), None, None).total
    return RetryLoop(model, retries, total, lambda err: None), opts, given


def native(
    model: str, options: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any] | Iterator[list[dict[str, Any]]]:
    """The response (``body`` without ``stream: true``) or its events; ``num_retries`` retries a failed request.

    Raises:
        APIError: OpenAI answered with an error, or with something that is not a response.
    """
    loop, opts, given = _retries(model, options)
    if loop is None:
        return _native_once(model, opts, body)

    def attempt(target: str, remaining: float | None) -> dict[str, Any] | Iterator[list[dict[str, Any]]]:
        return _native_once(target, {**opts, "timeout": attempt_timeout(given, remaining)}, body)

    return run(loop, attempt)


def _native_once(
    model: str, options: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any] | Iterator[list[dict[str, Any]]]:
    stream = body.get("stream") is True
    call, request = _open(model, options, body, stream)
    response = send(call, request, stream=stream)
    if not stream:
        return parse(call, response, _parse)
    return _events(call, response)


def _events(call: Call, response: httpx.Response) -> Iterator[list[dict[str, Any]]]:
    decoder = SSEDecoder(call.limits.max_event_bytes)
    ended = False
    try:
        for raw in response.iter_bytes():
            check_deadline(call.deadline)
            events = _batch(call, decoder.feed(raw))
            if events:
                ended = ended or _ends(events)
                yield events
        events = _batch(call, decoder.flush())
        if events:
            ended = ended or _ends(events)
            yield events
        if not ended:
            raise call.scrub(UpstreamError(_UNFINISHED))
    except httpx.TransportError as exc:
        raise call.scrub(UpstreamError(f"the stream from openai broke ({type(exc).__name__})")) from None
    finally:
        response.close()


async def anative(
    model: str, options: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any] | AsyncIterator[list[dict[str, Any]]]:
    """The async twin of :func:`native`."""
    loop, opts, given = _retries(model, options)
    if loop is None:
        return await _anative_once(model, opts, body)

    async def attempt(target: str, remaining: float | None) -> dict[str, Any] | AsyncIterator[list[dict[str, Any]]]:
        return await _anative_once(target, {**opts, "timeout": attempt_timeout(given, remaining)}, body)

    return await arun(loop, attempt)


async def _anative_once(
    model: str, options: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any] | AsyncIterator[list[dict[str, Any]]]:
    stream = body.get("stream") is True
    call, request = _open(model, options, body, stream)
    response = await asend(call, request, stream=stream)
    if not stream:
        return parse(call, response, _parse)
    return _aevents(call, response)


async def _aevents(call: Call, response: httpx.Response) -> AsyncIterator[list[dict[str, Any]]]:
    decoder = SSEDecoder(call.limits.max_event_bytes)
    reads = response.aiter_bytes()
    ended = False
    try:
        while True:
            try:
                raw = await awithin(reads.__anext__(), call.deadline)
            except StopAsyncIteration:
                break
            events = _batch(call, decoder.feed(raw))
            if events:
                ended = ended or _ends(events)
                yield events
        events = _batch(call, decoder.flush())
        if events:
            ended = ended or _ends(events)
            yield events
        if not ended:
            raise call.scrub(UpstreamError(_UNFINISHED))
    except httpx.TransportError as exc:
        raise call.scrub(UpstreamError(f"the stream from openai broke ({type(exc).__name__})")) from None
    finally:
        await response.aclose()


#: The events that end a Responses stream (an ``error`` event ends it too); a stream without one was cut short,
#: or was not a Responses stream at all (an HTML page, nothing): an error, never an empty success.
_TYPE = re.compile(r"[A-Za-z0-9_.\-]{1,200}")
_FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})
_UNFINISHED = (
    "the stream from openai ended before the response finished (no response.completed, .incomplete or .failed)"
)


def _ends(events: list[dict[str, Any]]) -> bool:
    return any(event["type"] in _TERMINAL for event in events)


def _batch(call: Call, decoded: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The events of one network read (OpenAI ends no Responses stream with ``[DONE]``; one would be skipped)."""
    return [_checked(call, data) for _, data in decoded if data != "[DONE]"]


def _checked(call: Call, data: str) -> dict[str, Any]:
    try:
        return _event(data)
    except ValueError:
        raise call.scrub(UpstreamError("openai sent a stream event that is not valid")) from None
