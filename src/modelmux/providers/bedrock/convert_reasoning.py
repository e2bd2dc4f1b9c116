"""OpenAI ``reasoning_effort`` → the model family's reasoning switch on Bedrock.

Converse has no common reasoning parameter: each family reads its own fields from
``additionalModelRequestFields`` (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-reasoning.html):

* Claude (https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html):
  before 4.6 ``thinking: {type: enabled, budget_tokens}`` with the budgets of the Anthropic provider
  (minimal/low 1024, medium 2048, high 4096, xhigh 8192; ``max_tokens`` is raised above the budget);
  from 4.6 ``thinking: {type: adaptive, display: summarized}`` plus ``outputConfig.effort``; ``none`` →
  no thinking (``{type: disabled}`` on adaptive models, where thinking can be on by default).
* Amazon Nova 2: ``reasoningConfig: {type: enabled, maxReasoningEffort}`` (minimal→low, xhigh→high).
* OpenAI gpt-oss: ``reasoning_effort`` low/medium/high (it always reasons: none/minimal → low).
* Other families: cannot be expressed (``ctx.unsupported``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._base import CallContext
from ..anthropic.convert_reasoning import BUDGET_TOKENS
from .errors import bad_request
from .profile import BedrockProfile

__all__ = ["ReasoningPlan", "convert_reasoning_effort", "fit_max_tokens"]

_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
_CLAUDE_ADAPTIVE = {"minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh"}
_THREE_LEVELS = {"none": "low", "minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"}


@dataclass(frozen=True, slots=True)
class ReasoningPlan:
    #: Merged into ``additionalModelRequestFields``.
    fields: dict[str, Any] = field(default_factory=dict)
    #: ``outputConfig.effort`` (Claude 4.6+).
    effort: str | None = None
    budget: int | None = None
    #: Claude thinking is on (forbids forced tool use and non-default sampling).
    claude_thinking: bool = False


def convert_reasoning_effort(effort: Any, profile: BedrockProfile, ctx: CallContext) -> ReasoningPlan | None:
    """The reasoning plan, or ``None`` for none (or when an unsupported value was dropped)."""
    if effort is None:
        return None
    if effort not in _EFFORTS:
        raise bad_request(f"reasoning_effort must be one of {', '.join(_EFFORTS)}; got {effort!r}", "reasoning_effort")
    if profile.reasoning == "claude" and profile.claude is not None:
        claude = profile.claude
        if not claude.adaptive_thinking:
            if effort == "none":
                return None
            budget = BUDGET_TOKENS[effort]
            return ReasoningPlan(
                {"thinking": {"type": "enabled", "budget_tokens": budget}}, budget=budget, claude_thinking=True
            )
        if effort == "none":
            return ReasoningPlan({"thinking": {"type": "disabled"}})
        level = _CLAUDE_ADAPTIVE[effort]
        if level not in claude.effort_levels:
            ctx.unsupported(
                "reasoning_effort", f"{ctx.model} offers effort levels {', '.join(sorted(claude.effort_levels))}"
            )
            return None
        return ReasoningPlan(
            {"thinking": {"type": "adaptive", "display": "summarized"}}, effort=level, claude_thinking=True
        )
    if profile.reasoning == "nova":
        if effort == "none":
            return None
        return ReasoningPlan({"reasoningConfig": {"type": "enabled", "maxReasoningEffort": _THREE_LEVELS[effort]}})
    if profile.reasoning == "gpt-oss":
        return ReasoningPlan({"reasoning_effort": _THREE_LEVELS[effort]})
    if effort != "none":
        ctx.unsupported("reasoning_effort", f"no reasoning switch is known for {ctx.model} on Bedrock")
    return None


def fit_max_tokens(max_tokens: int | None, plan: ReasoningPlan, ctx: CallContext) -> int | None:
    """A given ``maxTokens`` raised above the thinking budget (Claude counts thinking in it), leaving the
    requested room for the answer; an unset one stays unset (the model's default exceeds every budget here)."""
    if plan.budget is None or max_tokens is None or max_tokens > plan.budget:
        return max_tokens
    wanted = plan.budget + max_tokens
    limit = ctx.info.max_output_tokens if ctx.info is not None else None
    return min(wanted, limit) if limit and limit > plan.budget else wanted
