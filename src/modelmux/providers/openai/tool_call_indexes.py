"""Stable ``index`` es for streamed tool-call deltas, whatever the server sent.

OpenAI numbers each call's deltas with ``index`` and sends ``id``/``type``/``function.name`` on the first
one. Some compatible servers send each call whole in one delta with no ``index`` (or with ``index: 0`` for
every call) and sometimes no ``type``: numbered naively, parallel calls would merge into one. Here a call is
known by its id: a new id is a new call, a delta without id continues the call its ``index`` (or, without
one, the latest call) names. A native ``index`` is kept whenever it is free.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ToolCallIndexes"]


class ToolCallIndexes:
    """Per stream choice: native (index, id) → our index."""

    __slots__ = ("_by_id", "_by_native", "_last", "_next", "_synthetic", "_used")

    def __init__(self) -> None:
        self._by_id: dict[str, int] = {}
        self._by_native: dict[int, int] = {}
        self._used: set[int] = set()
        self._last: int | None = None
        self._next = 0
        #: Calls whose first delta had no id: we gave them one, and an id sent later does not start a call.
        self._synthetic: set[int] = set()

    def fix(self, delta: Any) -> None:
        """Set our index on this validated tool-call delta; complete the first delta of a call (id, type).

        A native ``index`` of ``-1`` stands for "none sent"."""
        native = delta.index if delta.index >= 0 else None
        index, new = self._assign(native, delta.id, _starts_a_call(delta))
        delta.index = index
        if new:
            if delta.id is None:
                delta.id = f"call_{index}"
                self._synthetic.add(index)
            if delta.type is None:
                delta.type = "custom" if _custom(delta) is not None else "function"
        elif delta.id is not None and index in self._synthetic:
            delta.id = None  # an id sent late for a call we already named: ours stays, as consumers saw it

    def _assign(self, native: int | None, call_id: str | None, starts: bool) -> tuple[int, bool]:
        if call_id is not None and call_id in self._by_id:
            index, new = self._by_id[call_id], False
        elif self._is_new_call(native, call_id, starts):
            index, new = self._new(native), True
        elif native is not None:
            index, new = self._by_native[native], False
        else:
            assert self._last is not None  # _is_new_call() is true while there is no call yet
            index, new = self._last, False
        if call_id is not None:
            self._by_id[call_id] = index
        if native is not None:
            self._by_native[native] = index
        self._last = index
        return index, new

    def _is_new_call(self, native: int | None, call_id: str | None, starts: bool) -> bool:
        if call_id is not None:  # an id not seen yet: a new call, unless its call already got one from us
            return native is None or self._by_native.get(native) not in self._synthetic
        if native is None:  # no index, no id: a named delta starts a call, others continue the latest
            return starts or self._last is None
        return native not in self._by_native

    def _new(self, native: int | None) -> int:
        if native is not None and native not in self._used:
            index = native
        else:
            while self._next in self._used:
                self._next += 1
            index = self._next
        self._used.add(index)
        return index


def _custom(delta: Any) -> Any:
    extra = delta.__pydantic_extra__
    return extra.get("custom") if extra else None


def _starts_a_call(delta: Any) -> bool:
    """A name is only sent on a call's first delta."""
    fn = delta.function
    if fn is not None and fn.name:
        return True
    custom = _custom(delta)
    return isinstance(custom, dict) and bool(custom.get("name"))
