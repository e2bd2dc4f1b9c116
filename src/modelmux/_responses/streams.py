"""Streamed responses: an iterator of events (``ResponseEvent``), whatever made them (the chat translation or
OpenAI natively), that keeps the final response and stores it when the stream completes.

A failure of the source raises to the caller (as chat streams do); the gateway, which has already sent its 200,
asks :meth:`AsyncResponseStream.failure_events` for the ``error`` and ``response.failed`` events that end the stream
for its client, numbered after the last one sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from .types import ResponseEvent

__all__ = ["AsyncResponseStream", "ResponseStream"]

_FINAL = frozenset({"response.completed", "response.incomplete"})
_LIFECYCLE = frozenset({"response.created", "response.in_progress", "response.failed", *_FINAL})


class _Tracker:
    """The last sequence number and response snapshot seen, and the final response."""

    def __init__(self) -> None:
        self.seq = -1
        self.snapshot: dict[str, Any] | None = None
        self.response: dict[str, Any] | None = None

    def see(self, event: dict[str, Any]) -> bool:
        """Remember what ``event`` tells; True when it is the final one (completed or incomplete)."""
        seq = event.get("sequence_number")
        if isinstance(seq, int) and seq > self.seq:
            self.seq = seq
        kind = event.get("type")
        if kind in _LIFECYCLE and isinstance(event.get("response"), dict):
            self.snapshot = event["response"]
            if kind in _FINAL:
                self.response = event["response"]
                return True
        return False

    def failure_events(self, message: str, code: str) -> list[dict[str, Any]]:
        response = {**(self.snapshot or {}), "status": "failed", "error": {"code": code, "message": message}}
        first = self.seq + 1
        self.seq += 2
        return [
            {"type": "error", "code": code, "message": message, "param": None, "sequence_number": first},
            {"type": "response.failed", "response": response, "sequence_number": first + 1},
        ]


class AsyncResponseStream:
    """``async for event in stream`` (``ResponseEvent``); ``response`` once the final event went by. The source
    gives the events in batches (those of one upstream chunk), which the gateway writes at once."""

    def __init__(
        self,
        events: AsyncIterator[list[dict[str, Any]]],
        *,
        close: Callable[[], Awaitable[None]],
        on_final: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self._events = events
        self._close = close
        self._on_final = on_final
        self._tracker = _Tracker()

    @property
    def response(self) -> dict[str, Any] | None:
        return self._tracker.response

    async def batches(self) -> AsyncIterator[list[dict[str, Any]]]:
        """The events as dicts, a batch at a time (what the gateway writes out)."""
        try:
            async for batch in self._events:
                for event in batch:
                    if self._tracker.see(event) and self._on_final is not None:
                        await self._on_final(event["response"])
                yield batch
        finally:
            await self._close()

    async def raw(self) -> AsyncIterator[dict[str, Any]]:
        """The events as dicts, one by one."""
        async for batch in self.batches():
            for event in batch:
                yield event

    def failure_events(self, message: str, code: str = "server_error") -> list[dict[str, Any]]:
        return self._tracker.failure_events(message, code)

    def __aiter__(self) -> AsyncIterator[ResponseEvent]:
        return self._models()

    async def _models(self) -> AsyncIterator[ResponseEvent]:
        async for event in self.raw():
            yield ResponseEvent.model_validate(event)

    async def aclose(self) -> None:
        await self._close()

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class ResponseStream:
    """The sync twin of :class:`AsyncResponseStream`."""

    def __init__(
        self,
        events: Iterator[list[dict[str, Any]]],
        *,
        close: Callable[[], None],
        on_final: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._events = events
        self._close = close
        self._on_final = on_final
        self._tracker = _Tracker()

    @property
    def response(self) -> dict[str, Any] | None:
        return self._tracker.response

    def raw(self) -> Iterator[dict[str, Any]]:
        """The events as dicts, one by one."""
        try:
            for batch in self._events:
                for event in batch:
                    if self._tracker.see(event) and self._on_final is not None:
                        self._on_final(event["response"])
                    yield event
        finally:
            self._close()

    def __iter__(self) -> Iterator[ResponseEvent]:
        return (ResponseEvent.model_validate(event) for event in self.raw())

    def close(self) -> None:
        self._close()

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
