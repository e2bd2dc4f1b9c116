"""The gateway's budget check around one request: reserve before (429 ``budget_exceeded`` when exhausted, 503 when
the store is down), meter the calls, settle after (a stream at its end)."""

from __future__ import annotations

import dataclasses
import functools
import math
from contextvars import Token
from dataclasses import dataclass

from ..errors import HTTPError, retry_after_header
from .base import LimiterError
from .budget import Budget, BudgetDecision, BudgetStore, Hold
from .budget_config import Budgets
from .budget_meter import MAX_COST, METER, Meter

__all__ = ["BudgetGate", "Ticket"]


@dataclass(slots=True)
class Ticket:
    hold: Hold
    meter: Meter
    token: Token[Meter | None]
    budget: Budget


def _usd(amount: float) -> str:
    """Whole cents as cents, anything finer to 1/100 of a cent (a $0.0102 limit must not read "$0.01")."""
    return f"${amount:.2f}" if abs(amount * 100 - round(amount * 100)) < 1e-9 else f"${amount:.4f}"


def _refusal(decision: BudgetDecision, estimate: float | None = None) -> HTTPError:
    # 429 rather than 403: the key is allowed, it has spent what it may for now, and it will pass again when the
    # period starts over (as OpenAI answers an exhausted quota: 429 insufficient_quota).
    hours = math.ceil((decision.retry_after or 0) / 3600)
    what = (
        "for this request"
        if estimate is None
        else f"for what this request may cost (up to ${estimate:.4f}: a lower max_tokens reserves less)"
    )
    return HTTPError(
        429,
        f"Spend budget exhausted for this key: ${decision.spent:.4f} of {_usd(decision.limit)} per {decision.period}"
        f" (UTC) is used or reserved, too little is left to reserve {what}; it starts over in about"
        f" {hours} hour{'s' if hours != 1 else ''}.",
        code="budget_exceeded",
        headers=retry_after_header(decision.retry_after),
    )


def _unavailable() -> HTTPError:
    return HTTPError(
        503,
        "The gateway's budget store is unavailable; retry shortly.",
        type="service_unavailable",
        code="service_unavailable",
        headers=retry_after_header(1.0),
    )


class BudgetGate:
    """``enter`` before a call endpoint's work, ``exit`` however it ended (exactly once per ticket)."""

    def __init__(self, budgets: Budgets, store: BudgetStore) -> None:
        self.budgets = budgets
        self.store = store
        self._unknown: set[str] = set()

    async def enter(self, key_id: str, estimates: bool = False) -> Ticket | None:
        """The request's ticket (None without a budget). ``estimates``: the endpoint reserves what the request may
        cost once its body is read (``Meter.reserve``); with ``reserve_max_cost`` nothing is held until then (an
        exhausted budget is still refused here), so a burst of requests cannot starve each other with small holds."""
        budget = self.budgets.for_key(key_id)
        if budget is None:
            return None
        deferred = estimates and budget.reserve_max_cost
        try:
            decision = await self.store.reserve(
                key_id, dataclasses.replace(budget, reserve=0.0) if deferred else budget
            )
        except LimiterError:
            raise _unavailable() from None
        if not decision.allowed or decision.hold is None:
            raise _refusal(decision)
        meter = Meter(self._unknown)
        ticket = Ticket(decision.hold, meter, METER.set(meter), budget)
        if deferred:
            meter.reserve = functools.partial(self._extend, ticket)
        return ticket

    async def _extend(self, ticket: Ticket, estimate: float | None) -> None:
        """Raise the ticket's reservation to ``estimate`` (USD: what its calls may cost at most; None: unknown, the
        fixed ``spend_reserve``); 429 when the budget cannot hold it."""
        amount = ticket.budget.reserve if estimate is None else estimate
        more = min(amount, MAX_COST) - ticket.hold.amount
        if more <= 0:
            return
        try:
            decision = await self.store.extend(ticket.hold, ticket.budget, more)
        except LimiterError:
            raise _unavailable() from None
        if not decision.allowed or decision.hold is None:
            raise _refusal(decision, amount if estimate is not None else None)
        ticket.hold = decision.hold

    async def exit(self, ticket: Ticket | None) -> None:
        if ticket is None:
            return
        METER.reset(ticket.token)
        # At most MAX_COST: nano-dollars stay within Redis's 64-bit integers however many calls were charged.
        await self.store.settle(ticket.hold, min(ticket.meter.total, MAX_COST))
