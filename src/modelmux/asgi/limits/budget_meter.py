"""What the calls of one gateway request cost: a meter the budget gate sets for the request, which the routes'
answers feed (``charge`` for a complete answer, ``metered`` for a stream, counted when the stream is closed)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

__all__ = ["METER", "Meter", "MeteredStream", "charge", "charged", "metered", "metered_events"]

_log = logging.getLogger("modelmux.asgi.limits")

#: The most one request is charged (USD): a larger or infinite price from a broken usage counts this much, which
#: exhausts any budget yet stays an integer count of nano-dollars.
MAX_COST = 1e9


class Meter:
    """USD spent by one request's calls. ``unknown`` is shared per gateway: models already warned about."""

    __slots__ = ("_unknown", "reserve", "total")

    def __init__(self, unknown: set[str]) -> None:
        self.total = 0.0
        self._unknown = unknown
        #: Reserves what the request may cost at most (USD; None: unknown, the fixed reserve), ``budget_estimate``;
        #: 429 when the budget cannot hold it. Set by the budget gate for the endpoints that estimate.
        self.reserve: Callable[[float | None], Awaitable[None]] | None = None

    def add(self, result: Any, model: str | None = None, **text: Any) -> None:
        """Count ``result``'s cost (see ``modelmux.completion_cost``; ``text``: its prompt/completion texts)."""
        self.total += self.price(result, model, **text)

    def price(self, result: Any, model: str | None = None, **text: Any) -> float:
        """``result``'s cost; 0 when unknown (warned about once per model)."""
        from ...cost import completion_cost

        try:
            cost = completion_cost(result, model, **text) if text else completion_cost(result, model)
        except (OverflowError, ValueError):  # an upstream's absurd usage (10**400 tokens): charge the most
            return MAX_COST
        if cost is not None and not 0 <= cost <= MAX_COST:  # NaN, negative or inf from a broken usage
            _log.warning("usage of %r priced at %r: counted as $%s", model, cost, 0 if cost != cost else MAX_COST)
            return 0.0 if cost != cost or cost < 0 else MAX_COST
        if cost is None:
            named = result.get("model") if isinstance(result, Mapping) else getattr(result, "model", None)
            name = model or str(named or type(result).__name__)
            if name not in self._unknown and len(self._unknown) < 1_000:
                self._unknown.add(name)
                _log.warning("no price known for %r: its calls count $0 against spend budgets", name)
            return 0.0
        return cost


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

    @property
    def _hidden_params(self) -> Any:
        """The wrapped stream's (a group's ``x-modelmux-*`` headers are read from them)."""
        return getattr(self._stream, "_hidden_params", None)

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


# ---------------------------------------------------------------- Anthropic's own format (passed through as is)


def _anthropic_usage(data: bytes) -> Mapping[str, Any] | None:
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    usage = doc.get("usage")
    if usage is None and isinstance(doc.get("message"), dict):
        usage = doc["message"].get("usage")  # message_start
    return usage if isinstance(usage, dict) else None


def charged(content: bytes, model: str) -> bytes:
    """A native Anthropic message (JSON), counted against the request's budget if it has one."""
    meter = METER.get()
    usage = _anthropic_usage(content) if meter is not None else None
    if meter is not None and usage is not None:
        meter.add({"model": model, "usage": usage})
    return content


def metered_events(events: AsyncIterator[bytes], model: str) -> AsyncIterator[bytes]:
    """A native Anthropic event stream (whole events per item), counted as its usage arrives (``message_start``
    has the input tokens, each ``message_delta`` the output so far), if the request has a budget."""
    meter = METER.get()
    return events if meter is None else _count_events(events, meter, model)


async def _count_events(events: AsyncIterator[bytes], meter: Meter, model: str) -> AsyncIterator[bytes]:
    usage: dict[str, Any] = {}
    counted = 0.0
    async for piece in events:
        if b'"usage"' in piece:
            for line in piece.split(b"\n"):
                found = _anthropic_usage(line[5:]) if line.startswith(b"data:") and b'"usage"' in line else None
                if found is not None:
                    usage.update({k: v for k, v in found.items() if v is not None})
            cost = meter.price({"model": model, "usage": usage})
            meter.total += cost - counted  # counted as it comes: a stream cut short still pays what it used
            counted = cost
        yield piece
