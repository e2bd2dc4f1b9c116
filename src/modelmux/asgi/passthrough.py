"""Same-dialect pass-through for streamed chat: an OpenAI route's SSE event bytes go to the client as OpenAI sent them.

Used only when nothing needs the chunks as models (:func:`passes_through`): OpenAI's own API (a compatible vendor's
stream is fixed up by its profile: reasoning spellings, tool-call indexes, usage placement), a single model (not a
group: no retries or fallbacks), no callbacks (metrics, the app's handlers), no cache, not the mock. The library's
:class:`~modelmux._raw_stream.RawChatStream` still finds in-band errors, truncation, oversized events and the usage;
a key with a spend budget is charged from that usage (or, without one, from the prompt and the streamed text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._options import RELIABILITY_OPTIONS
from .._raw_stream import RawChatStream, aopen_raw_chat_stream
from ..providers.openai.errors import error_from_event
from .config import ModelRoute
from .limits.budget_meter import METER, Meter
from .upstreams import Upstreams

__all__ = ["MeteredRawStream", "open_passthrough", "passes_through"]

#: Providers whose stream is OpenAI's own format with nothing to fix (``providers/openai``).
_SAME_DIALECT = frozenset({"openai"})
#: Options that need the parsed chunks or more than one attempt.
_NEEDS_CHUNKS = frozenset({"callbacks", "cache", "mock_response", "mock_tool_calls", *RELIABILITY_OPTIONS})


def passes_through(route: ModelRoute, upstreams: Upstreams, options: Mapping[str, Any]) -> bool:
    """Whether a streamed chat call on ``route`` with ``options`` can forward the upstream's bytes."""
    return (
        route.provider in _SAME_DIALECT
        and not upstreams.is_group(route)
        and not any(options.get(name) for name in _NEEDS_CHUNKS)
    )


async def open_passthrough(route: ModelRoute, messages: Any, params: dict[str, Any], options: dict[str, Any]) -> Any:
    """The raw stream (counted against the request's budget when it has one). Raises ``APIError`` as ``acompletion``."""
    meter = METER.get()
    options = {k: v for k, v in options.items() if k not in RELIABILITY_OPTIONS}  # all empty (passes_through)
    stream = await aopen_raw_chat_stream(
        route.model, messages, error_from_event, collect_text=meter is not None, **params, **options
    )
    return stream if meter is None else MeteredRawStream(stream, meter, route.model, messages)


class MeteredRawStream:
    """A raw stream charged when closed: by its usage when the upstream sent one, else by the prompt and the text
    streamed so far (as ``budget_meter.MeteredStream`` does for parsed chunks)."""

    def __init__(self, stream: RawChatStream, meter: Meter, model: str, messages: Any) -> None:
        self._stream = stream
        self._meter = meter
        self._model = model
        self._messages = messages
        self._counted = False
        self.response = stream.response

    def __aiter__(self) -> MeteredRawStream:
        return self

    async def __anext__(self) -> bytes:
        return await self._stream.__anext__()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._count()

    def _count(self) -> None:
        if self._counted:
            return
        self._counted = True
        stream = self._stream
        if stream.usage is not None:
            self._meter.add({"model": stream.model or self._model, "usage": stream.usage})
            return
        messages = [dict(m) for m in self._messages] if isinstance(self._messages, list) else None
        self._meter.add(None, self._model, messages=messages, completion="".join(stream.texts or ()))
