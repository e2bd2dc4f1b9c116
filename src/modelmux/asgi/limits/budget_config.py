"""Spend budgets in the gateway config, next to the other per-key limits.

.. code-block:: toml

    [limits]                       # defaults for every key (none by default)
    max_spend_per_day = 20.0       # USD per UTC day; "unlimited" lifts it
    max_spend_per_month = 300.0    # USD per UTC month
    spend_reserve = 0.01           # USD held per request when it arrives (default 0.01)
    reserve_max_cost = true        # then, once its body is read, what it may cost at most (see budget_estimate.py):
                                   # concurrent requests cannot overspend together; false: only spend_reserve is held

    [keys.alice]
    max_spend_per_day = 5.0

A call's cost is :func:`modelmux.completion_cost` of its answer (a stream's at its end, from its usage chunk, else
counted with the tokenizer); a cache hit costs 0; an answer whose price is unknown (a model not in the price table,
images, audio) counts 0, with one warning per model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config_values import ConfigError
from .budget import Budget

__all__ = ["BUDGET_KEYS", "Budgets", "parse_budgets"]

#: The largest amount in USD a budget setting takes: counted in nano-dollars, 1e300 would overflow an integer.
MAX_USD = 1e9

BUDGET_KEYS = frozenset({"max_spend_per_day", "max_spend_per_month", "spend_reserve", "reserve_max_cost"})


@dataclass(frozen=True, slots=True)
class Budgets:
    """Every key's budget: its own table's settings over ``[limits]``'s."""

    default: Budget = field(default_factory=Budget)
    per_key: Mapping[str, Budget] = field(default_factory=dict)

    def for_key(self, key_id: str) -> Budget | None:
        """The key's budget, None when it has none (no work per request then)."""
        budget = self.per_key.get(key_id, self.default)
        return budget if budget.limited else None


def _usd(t: Mapping[str, Any], name: str, default: float | None, where: str) -> float | None:
    if name not in t:
        return default
    value = t[name]
    if value == "unlimited" and name != "spend_reserve":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_USD:
        unlimited = "" if name == "spend_reserve" else ' or "unlimited"'
        raise ConfigError(f"{where}: {name} must be a number of USD from 0 to {MAX_USD:,.0f}{unlimited}")
    return float(value)


def _budget(t: Mapping[str, Any], defaults: Budget, where: str) -> Budget:
    reserve = _usd(t, "spend_reserve", defaults.reserve, where)
    most = t.get("reserve_max_cost", defaults.reserve_max_cost)
    if not isinstance(most, bool):
        raise ConfigError(f"{where}: reserve_max_cost must be true or false")
    return Budget(
        per_day=_usd(t, "max_spend_per_day", defaults.per_day, where),
        per_month=_usd(t, "max_spend_per_month", defaults.per_month, where),
        reserve=defaults.reserve if reserve is None else reserve,
        reserve_max_cost=most,
    )


def parse_budgets(limits: Mapping[str, Any], keys: Mapping[str, Any]) -> Budgets:
    """The budgets of ``[limits]`` and every ``[keys.<id>]`` table (already checked to be tables)."""
    default = _budget(limits, Budget(), "[limits]")
    per_key = {
        key_id: _budget(t, default, f"[keys.{key_id}]")
        for key_id, t in keys.items()
        if isinstance(t, Mapping) and BUDGET_KEYS & set(t)
    }
    return Budgets(default, per_key)
