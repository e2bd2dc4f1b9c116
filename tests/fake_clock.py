"""A fake clock for retry, backoff and cooldown tests: time moves only when someone sleeps (or the test moves it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from modelmux._retry import Pacer, pacing

__all__ = ["FakeClock", "fake_clock"]


@dataclass
class FakeClock:
    """``rand`` is every random draw (the jitter: 1.0 is the whole window, 0.0 none)."""

    now: float = 1000.0
    rand: float = 1.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def pacer(self) -> Pacer:
        return Pacer(clock=self.clock, sleep=self.sleep, asleep=self.asleep, random=lambda: self.rand)


@contextmanager
def fake_clock(**kwargs: Any) -> Iterator[FakeClock]:
    """The pacer of every retry loop in the block is a :class:`FakeClock` made with ``kwargs``."""
    clock = FakeClock(**kwargs)
    with pacing(clock.pacer()):
        yield clock
