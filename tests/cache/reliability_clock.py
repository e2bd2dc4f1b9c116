"""The retry loop's fake clock (``modelmux._retry.pacing``), so a retried miss does not wait for real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from modelmux._retry import Pacer, pacing


@contextmanager
def fake_clock() -> Iterator[list[float]]:
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    with pacing(Pacer(clock=lambda: now[0], sleep=sleep, asleep=asleep, random=lambda: 1.0)):
        yield sleeps
