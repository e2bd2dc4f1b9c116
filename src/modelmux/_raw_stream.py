"""An OpenAI-format stream passed on as the upstream's own SSE bytes: whole events, one block per network read.

For a relay whose client speaks the upstream's dialect (the gateway's ``/v1/chat/completions`` to an OpenAI
model), nothing needs the chunks as models: each event is scanned, not parsed. The scan still finds what the
translator would act on — ``data: [DONE]``, a ``finish_reason`` that is not null, an in-band error
(``{"error": ...}``, vLLM's ``"object": "error"``, ``event: error``), the ``usage`` — and enforces
``max_event_bytes``; the end is checked as ``OpenAIStreamTranslator.finish`` does (no finish_reason and no
``[DONE]``: cut short). Only the events that carry an error, a finish_reason or usage are parsed (and, when
asked, every event's text, for a spend estimate without usage). A 200 that is HTML or one JSON document is handled as
``_streaming`` does. Errors are raised as the parsed stream raises them, after the bytes before them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx
from pydantic_core import from_json, to_json

from . import _call, _http
from ._api import OFFLOAD_ITEMS, _item_count, _prepare, _prepare_and_build
from ._deadline import DEADLINE
from ._http import awithin, check_deadline
from ._streaming import _GARBAGE, _is_html, _wrap
from .errors import APIError, UpstreamError
from .providers._base import CallContext, HttpRequest

__all__ = ["RawChatStream", "aopen_raw_chat_stream"]

_DONE = b"[DONE]"
_DONE_EVENT = b"data: [DONE]\n\n"


class RawChatStream:
    """The upstream's SSE bytes, as blocks of whole events (``bytes``), each block what one read completed.

    After the stream: :attr:`usage` (the last usage object seen, a dict), :attr:`model` (the model named by the
    usage event), :attr:`finish_reasons` (by choice index, as sent), :attr:`texts` (delta contents, only when
    ``collect_text``)."""

    def __init__(
        self,
        response: httpx.Response,
        call: _call.Call,
        map_error: Callable[[Any, str, CallContext], APIError],
        *,
        collect_text: bool = False,
    ) -> None:
        self.response = response
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.texts: list[str] | None = [] if collect_text else None
        self.finish_reasons: dict[int, str] = {}
        self._call = call
        self._map_error = map_error
        self._finished = False
        self._done = False
        self._any = False
        self._forward = False  # the event just checked goes out (not [DONE], not a comment)
        self._secrets = tuple(secret.encode() for secret in call.secrets())
        self._iter = self._run()

    def __aiter__(self) -> RawChatStream:
        return self

    async def __anext__(self) -> bytes:
        return await self._iter.__anext__()

    async def aclose(self) -> None:
        await self._iter.aclose()
        await self.response.aclose()

    async def _run(self) -> AsyncGenerator[bytes, None]:
        call, response = self._call, self.response
        deadline, clipped = call.deadline, _http.clips(call.transport)
        limit = call.limits.max_event_bytes
        try:
            if _is_html(response):
                raise UpstreamError("the provider answered a stream request with HTML (a proxy or error page?)")
            reads = response.aiter_bytes()
            buf = bytearray()
            cr = False
            json_doc: bytearray | None = None
            started = False
            while True:
                try:
                    if clipped or deadline is None:
                        token = DEADLINE.set(deadline)  # the pool's socket reads stop at the deadline
                        try:
                            raw = await reads.__anext__()
                        finally:
                            DEADLINE.reset(token)
                    else:  # an injected transport: a timer per read
                        raw = await awithin(reads.__anext__(), deadline)
                except StopAsyncIteration:
                    break
                check_deadline(deadline)
                if json_doc is not None:
                    json_doc += raw
                    if len(json_doc) > call.limits.max_response_bytes:
                        raise UpstreamError(
                            "the provider's JSON answer is larger than max_response_bytes "
                            f"({call.limits.max_response_bytes})"
                        )
                    continue
                if not started:
                    head = raw.lstrip()
                    if not head:
                        continue
                    started = True
                    if head[:1] == b"<":
                        raise UpstreamError("the provider answered a stream request with HTML (a proxy or error page?)")
                    if head[:1] in (b"[", b"{"):
                        json_doc = bytearray(head)
                        continue
                # Line endings: "\r\n" and "\r" become "\n" (OpenAI sends "\n"; the bytes are then forwarded as is).
                if cr and raw[:1] == b"\n":
                    raw = raw[1:]
                cr = False
                if b"\r" in raw:
                    cr = raw[-1:] == b"\r"
                    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                start = max(len(buf) - 1, 0)  # a blank line may straddle the kept tail and the new bytes
                buf += raw  # grown in place, searched in the new bytes only: linear in a long event's reads
                end = buf.rfind(b"\n\n", start)
                if end < 0:
                    if len(buf) > limit:
                        raise _too_big(limit)
                    continue
                region = bytes(buf[: end + 2])
                del buf[: end + 2]
                good, failure = self._scan(region, limit)
                if good:
                    yield good
                if failure is not None:
                    raise failure
                if len(buf) > limit:
                    raise _too_big(limit)
            if json_doc is not None:
                region = self._from_json_doc(bytes(json_doc))
            else:
                rest = bytes(buf).strip(b"\n")
                region = rest + b"\n\n" if rest else b""
            good, failure = self._scan(region, limit) if region else (b"", None)
            if failure is None:
                failure = self._end_failure()
            if good:
                yield good
            if failure is not None:
                raise failure
        except (APIError, httpx.TransportError, *_GARBAGE) as exc:
            raise _wrap(exc, call.scrub) from None
        finally:
            await response.aclose()

    def _scan(self, region: bytes, limit: int) -> tuple[bytes, BaseException | None]:
        """``region`` (whole events, each ending in a blank line) checked: the bytes to forward up to the first bad
        event (``[DONE]`` left out: the relay ends every stream with its own), and that event's failure."""
        # A read that ends the stream (the whole stream in one read, or its last events) ends in "data: [DONE]":
        # the events before it take the fast path too.
        ends = region.endswith(_DONE_EVENT) and (len(region) == len(_DONE_EVENT) or region[-16:-14] == b"\n\n")
        body = region[: -len(_DONE_EVENT)] if ends else region
        if (
            self.texts is None
            and len(region) <= limit
            and b'"error"' not in body
            and b"[DONE]" not in body
            and not any(secret in region for secret in self._secrets)
            and _plain_events(body)
        ):
            # The usual read: one-line "data: {...}" events that are neither errors nor the end, checked as a whole
            # at the speed of a byte search; the few events that end a choice or carry the usage are read.
            self._any = True
            for block in _marked_events(body):
                failure = self._read(block[6:])
                if failure is not None:
                    return b"", failure
            if ends:
                self._done = True  # "[DONE]" is not forwarded: the relay ends every stream with its own
            return body, None
        return self._scan_each(region, limit)

    def _scan_each(self, region: bytes, limit: int) -> tuple[bytes, BaseException | None]:
        out: list[bytes] = []
        for block in region.split(b"\n\n")[:-1]:
            if len(block) > limit:
                return b"".join(out), _too_big(limit)
            if any(secret in block for secret in self._secrets):
                return b"".join(out), UpstreamError("the provider's stream echoed a credential of this call")
            failure = self._check_block(block)
            if failure is not None:
                return b"".join(out), failure
            if self._forward:
                out.append(block + b"\n\n")
        return b"".join(out), None

    def _check_block(self, block: bytes) -> BaseException | None:
        """Any event: its ``event:`` name and its ``data:`` lines joined (the WHATWG rules, as ``_sse``)."""
        name = ""
        data: list[bytes] = []
        for line in block.split(b"\n"):
            if line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line[:6] == b"event:":
                name = line[6:].strip().decode("utf-8", "replace")
            elif line == b"data":
                data.append(b"")
        self._forward = bool(data)  # comments (keep-alives) are not dispatched: not forwarded either
        if not data:
            return None
        return self._check_data(b"\n".join(data), name)

    def _check_data(self, data: bytes, event: str) -> BaseException | None:
        self._any = True
        if event == "error":
            return self._error_event(data)
        if data == _DONE:
            self._done = True
            self._forward = False
            return None
        if not data.strip():  # an empty keep-alive event
            return None
        return self._read(data)

    def _read(self, data: bytes) -> BaseException | None:
        """The slow path: the event parsed (an error, the usage, a text to collect, or something odd)."""
        try:
            doc = from_json(data)
        except ValueError as exc:
            return exc
        if not isinstance(doc, dict):
            return ValueError(f"a stream event is not a JSON object: {data[:80].decode('utf-8', 'replace')!r}")
        if doc.get("object") == "error" or "error" in doc:  # as the translator: an error key is an error
            return self._map_error(doc.get("error", doc), data.decode("utf-8", "replace"), self._call.ctx)
        choices = doc.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict):
                continue
            reason = choice.get("finish_reason")
            if reason is not None:
                self._finished = True
                index = choice.get("index")
                self.finish_reasons[index if type(index) is int else 0] = str(reason)
            delta = choice.get("delta")
            if self.texts is not None and isinstance(delta, dict) and isinstance(delta.get("content"), str):
                self.texts.append(delta["content"])
        usage = doc.get("usage")
        if usage is None and isinstance(choices, list) and choices and isinstance(choices[-1], dict):
            usage = choices[-1].get("usage")  # Moonshot: on the last choice
        if isinstance(usage, dict):
            self.usage = usage
            self.model = doc.get("model") if isinstance(doc.get("model"), str) else None
        return None

    def _error_event(self, data: bytes) -> APIError:
        text = data.decode("utf-8", "replace")
        try:
            raw: Any = from_json(data)
        except ValueError:
            raw = text.strip() or "the provider sent an error event"
        if isinstance(raw, dict):
            raw = raw.get("error", raw)
        return self._map_error(raw, text, self._call.ctx)

    def _end_failure(self) -> APIError | None:
        ctx = self._call.ctx
        if not self._any:
            return UpstreamError("the provider's stream ended without a single event")
        if not self._finished and not self._done:
            return UpstreamError(
                "the stream ended before the provider finished the answer (no finish_reason and no [DONE])",
                provider=ctx.provider,
                model=ctx.model,
            )
        return None

    def _from_json_doc(self, body: bytes) -> bytes:
        """A 200 with one JSON document: an array of chunks becomes their events; anything else is an error."""
        doc = from_json(body)
        if isinstance(doc, list):
            return b"".join(b"data: " + to_json(item) + b"\n\n" for item in doc)
        error = doc.get("error") if isinstance(doc, dict) else None
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            status = code if isinstance(code, int) and 400 <= code < 600 else 502
            try:
                raise self._call.provider.map_error(status, self.response.headers, body, self._call.ctx)
            except _GARBAGE:
                pass
        what = "an error" if error is not None else "one JSON document (not a stream)"
        raise UpstreamError(f"the provider answered a stream request with {what}")


def _plain_events(body: bytes) -> bool:
    """``body`` (whole events) is only one-line ``data: {...}`` events, told by two byte counts, not event by event:
    each boundary between events is ``}\n\ndata: {``, the last event ends with ``}\n\n``, and there is no other
    line break anywhere."""
    if not body:
        return True
    if body[:7] != b"data: {" or body[-3:] != b"}\n\n":
        return False
    return body.count(b"\n") == 2 * (body.count(b"}\n\ndata: {") + 1)


#: What marks the few events the fast path reads (a choice's end, the usage), with and without a space. JSON
#: never has an unescaped quote inside a string, so text inside content cannot look like them.
_MARKS = (b'"finish_reason":"', b'"finish_reason": "', b'"usage":{', b'"usage": {')


def _marked_events(body: bytes) -> list[bytes]:
    """The events (without their blank line) of ``body`` that end a choice or carry the usage, once each, in order."""
    starts: set[int] = set()
    for mark in _MARKS:
        at = body.find(mark)
        while at >= 0:
            before = body.rfind(b"\n\n", 0, at)
            start = 0 if before < 0 else before + 2
            starts.add(start)
            end = body.find(b"\n\n", at)
            at = body.find(mark, end) if end >= 0 else -1
    return [body[start : body.find(b"\n\n", start)] for start in sorted(starts)]


def _too_big(limit: int) -> UpstreamError:
    return UpstreamError(f"the provider sent a stream event larger than max_event_bytes ({limit} bytes)")


async def aopen_raw_chat_stream(
    model: str,
    messages: Any,
    map_error: Callable[[Any, str, CallContext], APIError],
    *,
    collect_text: bool = False,
    **options: Any,
) -> RawChatStream:
    """Send a streamed chat request (one attempt: no retries, fallbacks, cache or callbacks — the caller makes sure)
    and return its raw event bytes. ``map_error(error, data, ctx)`` turns an in-band error event into an error.

    Raises:
        APIError: as ``acompletion``'s: the request is invalid, or the upstream answered an error status.
    """
    call, native = await aprepare_raw(model, messages, True, options)
    response = await _call.asend(call, native, stream=True)
    return RawChatStream(response, call, map_error, collect_text=collect_text)


async def aprepare_raw(
    model: str, messages: Any, stream: bool, options: dict[str, Any]
) -> tuple[_call.Call, HttpRequest]:
    """Prepare and build (off the event loop for long conversations) one chat request whose upstream bytes the
    caller passes on as they are: the pass-through's shared first step, for answers and streams alike.

    Raises:
        ValueError: the model answers locally (no upstream bytes).
        APIError: as ``acompletion``'s.
    """
    if _item_count(messages, options) > OFFLOAD_ITEMS:
        import asyncio

        call, native = await asyncio.to_thread(_prepare_and_build, model, messages, stream, options)
    else:
        call = _prepare(model, messages, stream, options)
        native = None
    if call.local:
        raise ValueError(f"{model!r} answers locally: it has no upstream bytes to pass on")
    if native is None:
        native = _call.build(call, call.provider.build_chat_request)
    return call, native
