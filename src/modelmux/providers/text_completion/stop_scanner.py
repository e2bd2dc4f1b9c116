"""Find the first of several strings in text that arrives in pieces, in linear time.

A piece is released as soon as no stop string can start in it; only the longest tail that could still begin a
stop string (shorter than the longest stop) is held back until the next piece or :meth:`StopScanner.flush`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["StopScanner"]


class StopScanner:
    __slots__ = ("_firsts", "_hold", "_stops", "_tail", "rest", "stopped")

    def __init__(self, stops: Iterable[str]) -> None:
        self._stops = tuple(s for s in dict.fromkeys(stops) if s)
        self._hold = max((len(s) for s in self._stops), default=1) - 1
        self._firsts = frozenset(s[0] for s in self._stops)
        self._tail = ""
        #: Once a stop string is found: True, and what followed it in that piece.
        self.stopped = False
        self.rest = ""

    def feed(self, text: str) -> str:
        """The text now known to come before any stop string ("" after one was found)."""
        if self.stopped or not text:
            return ""
        if not self._stops:
            return text
        buf = self._tail + text
        found = [(i, s) for s in self._stops if (i := buf.find(s)) >= 0]
        if found:
            cut, stop = min(found)
            self.stopped = True
            self.rest = buf[cut + len(stop) :]
            self._tail = ""
            return buf[:cut]
        keep = 0
        for k in range(min(self._hold, len(buf)), 0, -1):
            if buf[-k] not in self._firsts:  # cheap test first: most positions cannot begin a stop string
                continue
            end = buf[-k:]
            if any(s.startswith(end) for s in self._stops):
                keep = k
                break
        self._tail = buf[len(buf) - keep :]
        return buf[: len(buf) - keep]

    def flush(self) -> str:
        """The held-back tail, when the text ended without completing a stop string."""
        tail, self._tail = self._tail, ""
        return "" if self.stopped else tail
