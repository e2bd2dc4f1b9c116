"""The gateway's budget check around one request: reserve before (429 ``budget_exceeded`` when exhausted, 503 when
the store is down), meter the calls, settle after (a stream at its end)."""

from __future__ import annotations

import math
from contextvars import Token
from dataclasses import dataclass

from ..errors import HTTPError, retry_after_header
from .base import LimiterError
from .budget import BudgetDecision, BudgetStore, Hold
from .budget_config import Budgets
from .budget_meter import MAX_COST, METER, Meter

__all__ = ["BudgetGate", "Ticket"]


@dataclass(slots=True)
class Ticket:
    hold: Hold
    meter: Meter
    token: Token[Meter | None]


def _usd(amount: float) -> str:
    """Whole cents as cents, anything finer to 1/100 of a cent (a $0.0102 limit must not read "$0.01")."""
    return f"${amount:.2f}" if abs(amount * 100 - round(amount * 100)) < 1e-9 else f"${amount:.4f}"


def _refusal(decision: BudgetDecision) -> HTTPError:
    # 429 rather than 403: the key is allowed, it has spent what it may for now, and it will pass again when the
    # period starts over (as OpenAI answers an exhausted quota: 429 insufficient_quota).
    hours = math.ceil((decision.retry_after or 0) / 3600)
    return HTTPError(
        429,
        f"Spend budget exhausted for this key: ${decision.spent:.4f} of {_usd(decision.limit)} per {decision.period}"
        f" (UTC) is used or reserved, too little is left to reserve for this request; it starts over in about"
        f" {hours} hour{'s' if hours != 1 else ''}.",
        code="budget_exceeded",
        headers=retry_after_header(decision.retry_after),
    )


class BudgetGate:
    """``enter`` before a call endpoint's work, ``exit`` however it ended (exactly once per ticket)."""

    def __init__(self, budgets: Budgets, store: BudgetStore) -> None:
        self.budgets = budgets
        self.store = store
        self._unknown: set[str] = set()

    async def enter(self, key_id: str) -> Ticket | None:
        budget = self.budgets.for_key(key_id)
        if budget is None:
            return None
        try:
            decision = await self.store.reserve(key_id, budget)
        except LimiterError:
            raise HTTPError(
                503,
                "The gateway's budget store is unavailable; retry shortly.",
                type="service_unavailable",
                code="service_unavailable",
                headers=retry_after_header(1.0),
            ) from None
        if not decision.allowed or decision.hold is None:
            raise _refusal(decision)
        meter = Meter(self._unknown)
        return Ticket(decision.hold, meter, METER.set(meter))

    async def exit(self, ticket: Ticket | None) -> None:
        if ticket is None:
            return
        METER.reset(ticket.token)
        # At most MAX_COST: nano-dollars stay within Redis's 64-bit integers however many calls were charged.
        await self.store.settle(ticket.hold, min(ticket.meter.total, MAX_COST))
