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
=========================  ==========================================================================

Ids name the version after the family (``claude-sonnet-4-5-20250929``, ``claude-fable-5-1``) or before it
(``claude-3-7-sonnet-latest``); an 8-digit date is not a version. An id without a version (a proxy alias)
gets the conservative profile: no native structured output, budget-form thinking, sampling accepted, which
is what every Claude model before 4.5 takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ModelProfile", "parse_version", "profile_for"]

_NUMBER = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """What one Claude model accepts."""

    native_json_schema: bool = False
    adaptive_thinking: bool = False
    budget_thinking: bool = True
    sampling_params: bool = True
    exclusive_temperature_top_p: bool = False
    effort_levels: frozenset[str] = frozenset()


_LEGACY = ModelProfile()


def parse_version(model: str) -> tuple[int, int] | None:
    """``(major, minor)`` from a Claude model id, or ``None`` when it carries no version."""
    # Strip routing prefixes and suffixes: "anthropic.claude-...-v1:0", "claude-...@20250929".
    name = model.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    tokens = name.replace(".", "-").split("-")
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
    return ModelProfile(
        native_json_schema=True,
        adaptive_thinking=True,
        budget_thinking=False,
        sampling_params=False,
        effort_levels=frozenset({"low", "medium", "high", "xhigh", "max"}),
    )
