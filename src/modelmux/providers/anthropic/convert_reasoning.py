"""OpenAI ``reasoning_effort`` → Anthropic extended thinking.

https://platform.claude.com/docs/en/build-with-claude/extended-thinking and
https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking

Models before Claude 4.6 take the budget form ``thinking: {type: "enabled", budget_tokens: N}``:

=========  ============
effort     budget_tokens
=========  ============
minimal    1024 (Anthropic's minimum)
low        1024
medium     2048
high       4096
xhigh      8192
none       no thinking
=========  ============

``max_tokens`` counts thinking too and must exceed the budget, so a smaller ``max_tokens`` is raised to
budget + the requested answer length (capped at the model's output limit when the catalog knows it).

Claude 4.6 and later take ``thinking: {type: "adaptive", display: "summarized"}`` plus
``output_config.effort`` (minimal→low, low, medium, high, xhigh where the model offers it); ``none`` sends
``thinking: {type: "disabled"}`` because thinking is on by default on some of them, except where thinking
is always on (Fable, Opus 5.5 and later: a 400), where ``none`` cannot be expressed. ``display`` is set so
that the thinking text comes back as ``reasoning_content`` (the 5.5 models default to ``omitted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._base import CallContext
from .errors import bad_request
from .profile import ModelProfile

__all__ = ["BUDGET_TOKENS", "ThinkingPlan", "convert_reasoning_effort", "fit_max_tokens"]

BUDGET_TOKENS: dict[str, int] = {"minimal": 1024, "low": 1024, "medium": 2048, "high": 4096, "xhigh": 8192}
_ADAPTIVE_EFFORT: dict[str, str] = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "xhigh",
}


@dataclass(frozen=True, slots=True)
class ThinkingPlan:
    thinking: dict[str, Any]
    effort: str | None = None
    budget: int | None = None

    @property
    def active(self) -> bool:
        return self.thinking.get("type") != "disabled"


def convert_reasoning_effort(effort: Any, profile: ModelProfile, ctx: CallContext) -> ThinkingPlan | None:
    """The thinking configuration, or ``None`` for none (or when an unsupported value was dropped)."""
    if effort is None:
        return None
    if effort != "none" and effort not in BUDGET_TOKENS:
        raise bad_request(
            f"reasoning_effort must be one of none, {', '.join(BUDGET_TOKENS)}; got {effort!r}", "reasoning_effort"
        )
    if not profile.adaptive_thinking:
        if effort == "none":
            return None
        budget = BUDGET_TOKENS[effort]
        return ThinkingPlan({"type": "enabled", "budget_tokens": budget}, budget=budget)
    if effort == "none":
        if profile.thinking_always_on:
            ctx.unsupported("reasoning_effort", f"thinking is always on for {ctx.model}; 'none' cannot turn it off")
            return None
        return ThinkingPlan({"type": "disabled"})
    level = _ADAPTIVE_EFFORT[effort]
    if level not in profile.effort_levels:
        ctx.unsupported(
            "reasoning_effort", f"{ctx.model} offers effort levels {', '.join(sorted(profile.effort_levels))}"
        )
        return None
    return ThinkingPlan({"type": "adaptive", "display": "summarized"}, effort=level)


def fit_max_tokens(max_tokens: int, budget: int | None, ctx: CallContext) -> int:
    """``max_tokens`` large enough for the thinking ``budget`` plus the requested answer (Claude counts
    thinking in it), capped at the model's output limit when the catalog knows it."""
    if budget is None or max_tokens > budget:
        return max_tokens
    wanted = budget + max_tokens
    limit = ctx.info.max_output_tokens if ctx.info is not None else None
    return min(wanted, limit) if limit and limit > budget else wanted
