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
from ..anthropic.convert_reasoning import convert_reasoning_effort as claude_reasoning_effort
from ..anthropic.convert_reasoning import fit_max_tokens as claude_fit_max_tokens
from .errors import bad_request
from .profile import BedrockProfile

__all__ = ["ReasoningPlan", "convert_reasoning_effort", "fit_max_tokens"]

_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
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
    if profile.reasoning == "claude" and profile.claude is not None:  # the same switch as on Anthropic's API
        thinking = claude_reasoning_effort(effort, profile.claude, ctx)
        if thinking is None:
            return None
        return ReasoningPlan(
            {"thinking": thinking.thinking},
            effort=thinking.effort,
            budget=thinking.budget,
            claude_thinking=thinking.active,
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
    """A given ``maxTokens`` raised above the thinking budget as on Anthropic's API; an unset one stays unset
    (the model's default exceeds every budget here)."""
    return None if max_tokens is None else claude_fit_max_tokens(max_tokens, plan.budget, ctx)
