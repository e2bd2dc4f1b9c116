"""The interface between the gateway and wherever per-key limit state lives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ...errors import ModelmuxError

__all__ = ["CONCURRENCY", "REQUESTS_PER_MINUTE", "Decision", "Limiter", "LimiterError", "check_limits"]

REQUESTS_PER_MINUTE: Literal["requests_per_minute"] = "requests_per_minute"
CONCURRENCY: Literal["concurrency"] = "concurrency"


@dataclass(frozen=True)
class Decision:
    """The answer to one :meth:`Limiter.acquire`."""

    allowed: bool
    token: str = ""  # pass to release() when allowed
    reason: str | None = None  # "requests_per_minute" | "concurrency" when refused
    retry_after: float | None = None  # seconds, when refused


class Limiter(Protocol):
    """Per-key requests-per-minute (a sliding window) and requests in flight.

    ``acquire`` checks both limits and, only when both admit the request, counts it against the minute and takes a
    slot, all in one atomic step: a refused request costs nothing. Every allowed decision must be followed by exactly
    one ``release(key_id, decision.token)``. ``None`` for a limit means unlimited. ``key_id`` names a client key
    (its configured id, never the secret itself).
    """

    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision: ...

    async def release(self, key_id: str, token: str) -> None: ...

    async def aclose(self) -> None: ...


class LimiterError(ModelmuxError):
    """The limit state could not be read or written (e.g. its store is unreachable)."""


def check_limits(rpm: int | None, max_concurrent: int | None) -> None:
    """Reject negative limits; 0 is allowed and refuses every request."""
    if rpm is not None and rpm < 0:
        raise ValueError(f"rpm must be None or >= 0, not {rpm}")
    if max_concurrent is not None and max_concurrent < 0:
        raise ValueError(f"max_concurrent must be None or >= 0, not {max_concurrent}")
