"""Per-model quirks of the Claude family, derived from the native model id.

The Messages API is one wire format, but what a request may contain changed across model generations
(https://platform.claude.com/docs/en/about-claude/models/overview and each model's migration guide):

=========================  ==========================================================================
from version               change
=========================  ==========================================================================
4.1 (Opus 4.1)             ``temperature`` and ``top_p`` may no longer be sent together
4.5 (Haiku/Sonnet/Opus)    structured outputs (``output_config.format``) generally available
4.6 (Opus/Sonnet)          adaptive thinking (``thinking.type = "adaptive"`` + ``output_config.effort``);
                           ``budget_tokens`` deprecated; effort levels low/medium/high/max
4.7 (Opus 4.7), 5.x        ``budget_tokens`` and the sampling parameters (temperature, top_p, top_k)
                           rejected with a 400; effort level ``xhigh`` added
Fable (5, 5.1, 5.2),       thinking always on: ``thinking.type = "disabled"`` is a 400 (models/opus-5-5/
Opus 5.5 and later         whats-new-opus-5-5: "thinking can't be disabled", "the first three also apply
                           on Claude Fable 5.1"; the Fable pages list thinking as "Adaptive (always on)")
Fable 5.1+, Opus 5.5+,     forced tool use (``tool_choice`` ``any`` or ``tool``) returns a 400 (the same
Sonnet 5.5+                page, "forced tool use is not supported"; models/sonnet-5-5/overview; a breaking
                           change from Fable 5 in models/fable-5-1/overview, so Fable 5 still takes it)
=========================  ==========================================================================

Ids name the version after the family (``claude-sonnet-4-5-20250929``, ``claude-fable-5-1``) or before it
(``claude-3-7-sonnet-latest``); an 8-digit date is not a version. An id without a version (a proxy alias)
gets the conservative profile: no native structured output, budget-form thinking, sampling accepted, which
is what every Claude model before 4.5 takes. The family (opus, sonnet, haiku, fable, mythos) is the name's
word token; Claude Mythos shares Claude Fable's specifications (models/fable-5/overview).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SAMPLING", "ModelProfile", "accepted_params", "parse_family", "parse_version", "profile_for"]

_NUMBER = re.compile(r"^\d{1,2}$")
_FAMILIES = frozenset({"opus", "sonnet", "haiku", "fable", "mythos"})
_ALWAYS_THINKING = frozenset({"fable", "mythos"})


#: The OpenAI sampling parameters a model without ``sampling_params`` refuses.
SAMPLING = frozenset({"temperature", "top_p"})


def accepted_params(supported: frozenset[str], profile: ModelProfile) -> frozenset[str]:
    """``supported`` (a provider's OpenAI parameters) less what a Claude model of ``profile`` refuses."""
    return supported if profile.sampling_params else supported - SAMPLING


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """What one Claude model accepts."""

    native_json_schema: bool = False
    adaptive_thinking: bool = False
    budget_thinking: bool = True
    sampling_params: bool = True
    exclusive_temperature_top_p: bool = False
    effort_levels: frozenset[str] = frozenset()
    thinking_always_on: bool = False
    forced_tool_choice: bool = True


_LEGACY = ModelProfile()


def _tokens(model: str) -> list[str]:
    # Strip routing prefixes and suffixes: "anthropic.claude-...-v1:0", "claude-...@20250929".
    name = model.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return name.replace(".", "-").split("-")


def parse_family(model: str) -> str | None:
    """``opus``, ``sonnet``, ``haiku``, ``fable`` or ``mythos`` from a Claude model id, else ``None``."""
    return next((token for token in _tokens(model) if token in _FAMILIES), None)


def parse_version(model: str) -> tuple[int, int] | None:
    """``(major, minor)`` from a Claude model id, or ``None`` when it carries no version."""
    tokens = _tokens(model)
    for i, token in enumerate(tokens):
        if _NUMBER.match(token):
            major = int(token)
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            minor = int(following) if _NUMBER.match(following) else 0
            return major, minor
    return None


def profile_for(model: str) -> ModelProfile:
    """The profile of a native model id (see the table in the module docstring)."""
    version = parse_version(model)
    if version is None or version < (4, 1):
        return _LEGACY
    if version < (4, 5):
        return ModelProfile(exclusive_temperature_top_p=True)
    if version < (4, 6):
        return ModelProfile(native_json_schema=True, exclusive_temperature_top_p=True)
    if version < (4, 7):
        return ModelProfile(
            native_json_schema=True,
            adaptive_thinking=True,
            exclusive_temperature_top_p=True,
            effort_levels=frozenset({"low", "medium", "high", "max"}),
        )
    family = parse_family(model)
    always_on = family in _ALWAYS_THINKING or (family == "opus" and version >= (5, 5))
    no_forced_tool = (family in _ALWAYS_THINKING and version >= (5, 1)) or (
        family in {"opus", "sonnet"} and version >= (5, 5)
    )
    return ModelProfile(
        native_json_schema=True,
        adaptive_thinking=True,
        budget_thinking=False,
        sampling_params=False,
        effort_levels=frozenset({"low", "medium", "high", "xhigh", "max"}),
        thinking_always_on=always_on,
        forced_tool_choice=not no_forced_tool,
    )
