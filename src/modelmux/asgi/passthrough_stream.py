"""A passed-through stream (:class:`~modelmux._raw_stream.RawChatStream`) as a gateway request's stream: counted
against the key's spend budget when closed, and told to the route's callbacks (the gateway's metrics) from the
scan's findings instead of parsed chunks: the first block's time (time to first token), the usage, the model and
the finish reasons at the end, the failure that ended it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from .._raw_stream import RawChatStream
from ..callbacks._event import CallEvent
from ..callbacks._observer import Observer
from ..types import Usage
from .limits.budget_meter import Meter

__all__ = ["PassedStream"]


class PassedStream:
    """``stream``'s blocks; charged to ``meter`` (if any) when closed, by its usage when the upstream sent one,
    else by the prompt and the text streamed so far (as ``budget_meter.MeteredStream`` does for parsed chunks);
    ``observer`` (if any) is told its end as ``callbacks._streams.ObservedAsyncChatStream`` tells it."""

    def __init__(
        self, stream: RawChatStream, meter: Meter | None, observer: Observer | None, model: str, messages: Any
    ) -> None:
        self._stream = stream
        self._meter = meter
        self._observer = observer
        self._model = model
        self._messages = messages
        self._counted = False
        self._first = True
        self.response = stream.response
        self._hidden_params = getattr(stream, "_hidden_params", None)

    def __aiter__(self) -> PassedStream:
        return self

    async def __anext__(self) -> bytes:
        observer = self._observer
        if observer is None:
            return await self._stream.__anext__()
        try:
            block = await self._stream.__anext__()
        except StopAsyncIteration:
            self._tell()
            await observer.astream_ended(None, True)
            raise
        except Exception as exc:
            self._tell()
            await observer.afailed(exc)
            raise
        except BaseException as exc:  # cancelled: the hooks run, never awaited
            self._tell()
            await observer.afailed(exc, wait_async=False)
            raise
        if self._first:
            self._first = False
            _first_chunk(observer.event, block)
        return block

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._count()
            if self._observer is not None:  # nothing when the stream had ended already
                self._tell()
                await self._observer.astream_ended(None, False, wait_async=False)

    def _tell(self) -> None:
        """What the scan found, on the event: as ``CallEvent.note_chunk`` records parsed chunks'."""
        assert self._observer is not None
        event, stream = self._observer.event, self._stream
        if stream.usage is not None:
            try:
                event._usage = Usage.model_validate(stream.usage)
            except ValidationError:  # the parsed path would have failed on it; no tokens to count
                event._usage = None
        if stream.model is not None:  # the usage event's (the parsed path: the last chunk's that had usage)
            event._response_model = stream.model
        if stream.finish_reasons:
            event._finish = dict(stream.finish_reasons)

    def _count(self) -> None:
        if self._counted or self._meter is None:
            return
        self._counted = True
        stream = self._stream
        if stream.usage is not None:
            self._meter.add({"model": stream.model or self._model, "usage": stream.usage})
            return
        messages = [dict(m) for m in self._messages] if isinstance(self._messages, list) else None
        self._meter.add(None, self._model, messages=messages, completion="".join(stream.texts or ()))


def _first_chunk(event: CallEvent, block: bytes) -> None:
    """The first block came: its time, and the first event's id and model (as ``CallEvent.first_chunk`` reads
    them from the first parsed chunk); one small parse per stream."""
    event.first_chunk_time = event.now()
    head = block.split(b"\n\n", 1)[0]
    data = head[6:] if head[:6] == b"data: " else b""
    try:
        doc = from_json(data) if data[:1] == b"{" else None
    except ValueError:
        return
    if isinstance(doc, dict):
        chunk_id, model = doc.get("id"), doc.get("model")
        event._response_id = chunk_id if isinstance(chunk_id, str) else None
        event._response_model = model if isinstance(model, str) else None
