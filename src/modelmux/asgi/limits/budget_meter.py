"""What the calls of one gateway request cost: a meter the budget gate sets for the request, which the routes'
answers feed (``charge`` for a complete answer, ``metered`` for a stream, counted when the stream is closed)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

__all__ = ["METER", "Meter", "MeteredStream", "charge", "metered"]

_log = logging.getLogger("modelmux.asgi.limits")


class Meter:
    """USD spent by one request's calls. ``unknown`` is shared per gateway: models already warned about."""

    __slots__ = ("_unknown", "total")

    def __init__(self, unknown: set[str]) -> None:
        self.total = 0.0
        self._unknown = unknown

    def add(self, result: Any, model: str | None = None, **text: Any) -> None:
        """Count ``result``'s cost (see ``modelmux.completion_cost``; ``text``: its prompt/completion texts)."""
        from ...cost import completion_cost

        cost = completion_cost(result, model, **text) if text else completion_cost(result, model)
        if cost is None:
            named = result.get("model") if isinstance(result, Mapping) else getattr(result, "model", None)
            name = model or str(named or type(result).__name__)
            if name not in self._unknown and len(self._unknown) < 1_000:
                self._unknown.add(name)
                _log.warning("no price known for %r: its calls count $0 against spend budgets", name)
            return
        self.total += cost


#: The meter of the request in progress (set by the budget gate only for a key with a budget).
METER: ContextVar[Meter | None] = ContextVar("modelmux_gateway_meter", default=None)


def charge(result: Any) -> None:
    """Count a complete answer against the request's budget, if it has one."""
    meter = METER.get()
    if meter is not None:
        meter.add(result)


class MeteredStream:
    """A chat stream that counts its cost when closed: from its usage chunk when the provider sent one, else the
    request's prompt and the text streamed so far counted with the tokenizer. Keeps only the text, not the chunks."""

    def __init__(self, stream: Any, meter: Meter, model: str, messages: Any) -> None:
        self._stream = stream
        self._meter = meter
        self._model = model
        self._messages = messages
        self._usage: Mapping[str, Any] | None = None
        self._answered_model: str | None = None
        self._texts: list[str] = []
        self._counted = False
        self.response = getattr(stream, "response", None)

    def _see(self, chunk: Any) -> None:
        if chunk.usage is not None:
            self._usage = chunk.usage.model_dump()
            self._answered_model = chunk.model or None
        for choice in chunk.choices:
            if choice.delta.content:
                self._texts.append(choice.delta.content)

    def __aiter__(self) -> MeteredStream:
        return self

    async def __anext__(self) -> Any:
        chunk = await self._stream.__anext__()
        self._see(chunk)
        return chunk

    def drain(self) -> list[Any]:
        drain = getattr(self._stream, "drain", None)
        more: list[Any] = drain() if drain is not None else []
        for chunk in more:
            self._see(chunk)
        return more

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._count()

    def _count(self) -> None:
        if self._counted:
            return
        self._counted = True
        hidden = getattr(self._stream, "_hidden_params", None) or {}
        if hidden.get("cache_hit") is True:
            return
        if self._usage is not None:
            self._meter.add({"model": self._answered_model or self._model, "usage": self._usage})
            return
        messages = [dict(m) for m in self._messages] if isinstance(self._messages, list) else None
        self._meter.add(None, self._model, messages=messages, completion="".join(self._texts))


def metered(stream: Any, model: str, messages: Any) -> Any:
    """``stream`` counted against the request's budget, if it has one (else ``stream`` itself)."""
    meter = METER.get()
    return stream if meter is None else MeteredStream(stream, meter, model, messages)
