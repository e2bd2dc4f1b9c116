"""Stream wrappers (bytes → SSE events → provider translator → chunks) and chunks → full response."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

import httpx
import pydantic
from pydantic_core import from_json

from ._sse import SSEDecoder
from .errors import APIConnectionError, APIError, APITimeoutError, UpstreamError
from .providers._base import StreamDecoder, StreamTranslator
from .types import ChatCompletion, ChatCompletionChunk

__all__ = ["AsyncChatStream", "ChatStream", "stream_chunk_builder"]

_GARBAGE = (ValueError, KeyError, TypeError, IndexError, pydantic.ValidationError)


class _Pipeline:
    """bytes → events → translator. Most streams are SSE; some servers answer a stream request with one
    JSON document instead (Gemini's ``streamGenerateContent`` without ``alt=sse`` sends a JSON array of
    chunks; proxies may send a single object). The first non-blank byte tells which: SSE never starts
    with ``[`` or ``{``. A JSON array's items are fed to the translator one by one, as SSE events would be."""

    __slots__ = ("_decoder", "_json", "_mode", "_translator")

    def __init__(self, translator: StreamTranslator, decoder: StreamDecoder | None = None) -> None:
        self._translator = translator
        self._decoder: StreamDecoder = decoder or SSEDecoder()
        # A provider's own decoder (a binary framing) takes every byte; else SSE or JSON, told by the first byte.
        self._mode = "sse" if decoder is not None else ""  # "", "sse" or "json"
        self._json = bytearray()

    def feed(self, raw: bytes) -> list[ChatCompletionChunk]:
        if self._mode == "sse":
            out: list[ChatCompletionChunk] = []
            for event, data in self._decoder.feed(raw):
                out += self._translator.feed(event, data)
            return out
        if self._mode == "json":
            self._json += raw
            return []
        head = raw.lstrip()
        if not head:
            return []
        self._mode = "json" if head[:1] in (b"[", b"{") else "sse"
        return self.feed(head)

    def finish(self) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        if self._mode == "json":
            doc = from_json(self._json)
            for item in doc if isinstance(doc, list) else [doc]:
                out += self._translator.feed("", json.dumps(item))
        else:
            for event, data in self._decoder.flush():
                out += self._translator.feed(event, data)
        return out + self._translator.finish()


def _wrap(exc: BaseException, scrub: Callable[[APIError], APIError]) -> APIError:
    if isinstance(exc, APIError):
        return scrub(exc)
    if isinstance(exc, httpx.TimeoutException):
        return scrub(APITimeoutError(f"stream timed out: {type(exc).__name__}"))
    if isinstance(exc, httpx.TransportError):
        return scrub(APIConnectionError(f"stream broke: {type(exc).__name__}: {exc}"))
    return scrub(UpstreamError(f"the provider sent a malformed stream event: {type(exc).__name__}: {exc}"))


class ChatStream:
    """An iterator of :class:`ChatCompletionChunk`. Close it (or use ``with``) to stop early;
    the HTTP response is closed when the stream ends, fails or is closed."""

    def __init__(
        self,
        response: httpx.Response | None,
        translator: StreamTranslator,
        scrub: Callable[[APIError], APIError],
        chunks: Iterable[ChatCompletionChunk] | None = None,
        decoder: StreamDecoder | None = None,
    ) -> None:
        self.response = response
        self._iter = self._run(translator, scrub, decoder) if chunks is None else iter(chunks)

    def _run(
        self, translator: StreamTranslator, scrub: Callable[[APIError], APIError], decoder: StreamDecoder | None
    ) -> Iterator[ChatCompletionChunk]:
        assert self.response is not None
        pipeline = _Pipeline(translator, decoder)
        try:
            for raw in self.response.iter_bytes():
                yield from pipeline.feed(raw)
            yield from pipeline.finish()
        except (APIError, httpx.TransportError, *_GARBAGE) as exc:
            raise _wrap(exc, scrub) from None
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iter)

    def close(self) -> None:
        close = getattr(self._iter, "close", None)
        if close is not None:
            close()
        if self.response is not None:
            self.response.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatStream:
    """The async twin of :class:`ChatStream`; ``await stream.aclose()`` or ``async with`` to stop early.

    Chunks are translated a network read at a time; :meth:`drain` hands over the ones already translated
    without waiting, so a relay (the gateway) can forward them in one write."""

    def __init__(
        self,
        response: httpx.Response | None,
        translator: StreamTranslator,
        scrub: Callable[[APIError], APIError],
        chunks: AsyncIterator[ChatCompletionChunk] | None = None,
        decoder: StreamDecoder | None = None,
    ) -> None:
        self.response = response
        self._pending: deque[ChatCompletionChunk] = deque()
        self._iter = self._run(translator, scrub, decoder) if chunks is None else _one_by_one(chunks)

    async def _run(
        self, translator: StreamTranslator, scrub: Callable[[APIError], APIError], decoder: StreamDecoder | None
    ) -> AsyncIterator[list[ChatCompletionChunk]]:
        assert self.response is not None
        pipeline = _Pipeline(translator, decoder)
        try:
            async for raw in self.response.aiter_bytes():
                batch = pipeline.feed(raw)
                if batch:
                    yield batch
            batch = pipeline.finish()
            if batch:
                yield batch
        except (APIError, httpx.TransportError, *_GARBAGE) as exc:
            raise _wrap(exc, scrub) from None
        finally:
            await self.response.aclose()

    def drain(self) -> list[ChatCompletionChunk]:
        """The chunks already received and translated, without waiting for more."""
        out = list(self._pending)
        self._pending.clear()
        return out

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        pending = self._pending
        while not pending:
            pending.extend(await self._iter.__anext__())
        return pending.popleft()

    async def aclose(self) -> None:
        aclose = getattr(self._iter, "aclose", None)
        if aclose is not None:
            await aclose()
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _one_by_one(chunks: AsyncIterator[ChatCompletionChunk]) -> AsyncIterator[list[ChatCompletionChunk]]:
    async for chunk in chunks:
        yield [chunk]


def stream_chunk_builder(chunks: Iterable[ChatCompletionChunk | dict[str, Any]]) -> ChatCompletion:
    """Rebuild the full :class:`ChatCompletion` a stream of chunks describes."""
    first: dict[str, Any] | None = None
    usage: Any = None
    choices: dict[int, dict[str, Any]] = {}
    for item in chunks:
        chunk = item.model_dump(exclude_none=True) if isinstance(item, ChatCompletionChunk) else item
        if first is None:
            first = chunk
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk.get("choices") or ():
            acc = choices.setdefault(
                c.get("index", 0),
                {"content": [], "reasoning": [], "refusal": [], "tools": {}, "finish": None, "extra": {}},
            )
            delta = c.get("delta") or {}
            if delta.get("content"):
                acc["content"].append(delta["content"])
            if delta.get("reasoning_content"):
                acc["reasoning"].append(delta["reasoning_content"])
            if delta.get("refusal"):
                acc["refusal"].append(delta["refusal"])
            for tc in delta.get("tool_calls") or ():
                slot = acc["tools"].setdefault(tc.get("index", 0), {"id": None, "name": "", "args": []})
                if tc.get("id"):
                    slot["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    slot["name"] = fn["name"]
                if fn.get("arguments"):
                    slot["args"].append(fn["arguments"])
            for key, value in delta.items():
                if key not in {"role", "content", "reasoning_content", "refusal", "tool_calls"}:
                    _merge_extra(acc["extra"], key, value)
            if c.get("finish_reason"):
                acc["finish"] = c["finish_reason"]
            if c.get("native_finish_reason"):
                acc["native"] = c["native_finish_reason"]
    if first is None:
        raise ValueError("stream_chunk_builder() needs at least one chunk")
    out_choices = []
    for index in sorted(choices):
        acc = choices[index]
        message: dict[str, Any] = {"role": "assistant", "content": "".join(acc["content"]) or None}
        if acc["refusal"]:
            message["refusal"] = "".join(acc["refusal"])
        if acc["reasoning"]:
            message["reasoning_content"] = "".join(acc["reasoning"])
        if acc["tools"]:
            message["tool_calls"] = [
                {
                    "id": t["id"] or f"call_{i}",
                    "type": "function",
                    "function": {"name": t["name"], "arguments": "".join(t["args"]) or "{}"},
                }
                for i, t in sorted(acc["tools"].items())
            ]
        message.update(acc["extra"])
        choice: dict[str, Any] = {"index": index, "message": message, "finish_reason": acc["finish"], "logprobs": None}
        if "native" in acc:
            choice["native_finish_reason"] = acc["native"]
        out_choices.append(choice)
    result: dict[str, Any] = {
        "id": first.get("id", ""),
        "object": "chat.completion",
        "created": first.get("created", 0),
        "model": first.get("model", ""),
        "choices": out_choices,
        "usage": usage,
    }
    if first.get("system_fingerprint"):
        result["system_fingerprint"] = first["system_fingerprint"]
    return ChatCompletion.model_validate(result)


def _merge_extra(extra: dict[str, Any], key: str, value: Any) -> None:
    """Provider extras on deltas (e.g. ``thinking_blocks``): lists concatenate, strings join, else last wins."""
    if isinstance(value, list):
        extra.setdefault(key, []).extend(value)
    elif isinstance(value, str) and isinstance(extra.get(key), str):
        extra[key] += value
    else:
        extra[key] = value
