"""Per-key spend budgets: USD per UTC day and/or per UTC month, reserved before a call and settled after it.

``reserve`` admits a request only while, for every limited period, ``spent + reserve <= limit`` (``spent`` counts
the settled cost of finished calls and the reservations of calls in flight), and adds the reservation, in one atomic
step; ``extend`` adds to a reservation the same way, once the request's possible cost is known (``budget_estimate``);
``settle`` replaces the reservation with the call's real cost (for a stream, once it ended). A reservation
whose request never settles (a crashed worker) stays counted: budgets err on the side of spending less.

Amounts are counted in whole nano-dollars (integers), so sums are exact and every replica agrees on them.
Periods follow the gateway's UTC clock (a day is 00:00-24:00 UTC; a month starts on the 1st). :class:`MemoryBudgets`
is exact within one process; ``RedisBudgets`` (``budget_redis``) across every replica sharing one Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

__all__ = [
    "Budget",
    "BudgetDecision",
    "BudgetStore",
    "Hold",
    "MemoryBudgets",
    "nano",
    "periods",
    "seconds_until_reset",
]

DAY = "day"
MONTH = "month"
NANO = 1_000_000_000


def nano(usd: float) -> int:
    """``usd`` in whole nano-dollars."""
    return round(usd * NANO)


@dataclass(frozen=True, slots=True)
class Budget:
    """A key's spend limits in USD (None: no limit for that period) and what one request reserves up front."""

    per_day: float | None = None
    per_month: float | None = None
    reserve: float = 0.01
    #: Raise the reservation to the request's possible cost once its body is read (``budget_estimate``).
    reserve_max_cost: bool = True

    @property
    def limited(self) -> bool:
        return self.per_day is not None or self.per_month is not None

    def limits(self) -> tuple[tuple[str, float], ...]:
        return tuple((p, v) for p, v in ((DAY, self.per_day), (MONTH, self.per_month)) if v is not None)


@dataclass(frozen=True, slots=True)
class Hold:
    """What one admitted request reserved: settle it exactly once."""

    key_id: str
    periods: tuple[str, ...]  # e.g. ("day:2026-12-02", "month:2026-12")
    amount: float


@dataclass(frozen=True, slots=True)
class BudgetDecision:
    allowed: bool
    hold: Hold | None = None
    period: str | None = None  # "day" or "month": the one exhausted
    spent: float = 0.0
    limit: float = 0.0
    retry_after: float | None = None  # seconds until that period starts again


class BudgetStore(Protocol):
    async def reserve(self, key_id: str, budget: Budget) -> BudgetDecision: ...

    async def extend(self, hold: Hold, budget: Budget, amount: float) -> BudgetDecision:
        """Add ``amount`` to what ``hold`` reserved, in the same atomic check as ``reserve`` (the hold with the
        larger amount when allowed; nothing changes when not)."""
        ...

    async def settle(self, hold: Hold, cost: float) -> None: ...

    async def spent(self, key_id: str) -> dict[str, float]: ...

    async def aclose(self) -> None: ...


def periods(now: datetime) -> dict[str, str]:
    """The names of the periods ``now`` (UTC) falls in."""
    return {DAY: f"{DAY}:{now:%Y-%m-%d}", MONTH: f"{MONTH}:{now:%Y-%m}"}


def seconds_until_reset(period: str, now: datetime) -> float:
    """Seconds from ``now`` until ``period`` (day or month) starts again."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == DAY:
        return (day + timedelta(days=1) - now).total_seconds()
    first = day.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return (following - now).total_seconds()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class MemoryBudgets:
    """Budgets of this process: one running total per key and period (an earlier period's is dropped)."""

    def __init__(self, *, now: Callable[[], datetime] = utc_now) -> None:
        self._now = now
        self._spent: dict[tuple[str, str], tuple[str, int]] = {}  # (key_id, "day") -> (period name, nano-USD)

    async def reserve(self, key_id: str, budget: Budget) -> BudgetDecision:
        now = self._now()
        names = periods(now)
        current: list[tuple[str, str, int]] = []
        reserve = nano(budget.reserve)
        for period, limit in budget.limits():
            name, spent = self._spent.get((key_id, period), ("", 0))
            spent = spent if name == names[period] else 0
            if spent >= nano(limit) or spent + reserve > nano(limit):
                return BudgetDecision(False, None, period, spent / NANO, limit, seconds_until_reset(period, now))
            current.append((period, names[period], spent))
        for period, name, spent in current:
            self._spent[(key_id, period)] = (name, spent + reserve)
        return BudgetDecision(True, Hold(key_id, tuple(name for _, name, _ in current), budget.reserve))

    async def extend(self, hold: Hold, budget: Budget, amount: float) -> BudgetDecision:
        now = self._now()
        more = nano(amount)
        current: list[tuple[str, str, int]] = []
        limits = dict(budget.limits())
        for name in hold.periods:
            period = name.partition(":")[0]
            held = self._spent.get((hold.key_id, period))
            if held is None or held[0] != name:  # the period has ended since: nothing of it to bound
                continue
            if held[1] + more > nano(limits[period]):
                return BudgetDecision(
                    False, None, period, held[1] / NANO, limits[period], seconds_until_reset(period, now)
                )
            current.append((period, name, held[1]))
        for period, name, spent in current:
            self._spent[(hold.key_id, period)] = (name, spent + more)
        return BudgetDecision(True, Hold(hold.key_id, hold.periods, hold.amount + amount))

    async def settle(self, hold: Hold, cost: float) -> None:
        for name in hold.periods:
            period = name.partition(":")[0]
            held = self._spent.get((hold.key_id, period))
            if held is not None and held[0] == name:  # a period that has ended since is left as it was
                self._spent[(hold.key_id, period)] = (name, max(0, held[1] + nano(cost) - nano(hold.amount)))

    async def spent(self, key_id: str) -> dict[str, float]:
        names = periods(self._now())
        out: dict[str, float] = {}
        for period in (DAY, MONTH):
            name, value = self._spent.get((key_id, period), ("", 0))
            out[period] = value / NANO if name == names[period] else 0.0
        return out

    async def aclose(self) -> None:
        self._spent.clear()
