"""Per-model quirks on Bedrock, derived from the model id as users write it.

Ids come as plain model ids (``amazon.nova-micro-v1:0``), cross-region inference profiles (``us.…``,
``eu.…``, ``apac.…``, ``global.…``) or ARNs (``arn:aws:bedrock:…:foundation-model/<id>`` or
``…:inference-profile/<profile id>``); the family is the first dot-separated part of the id once the ARN
and the geography prefix are stripped. An application-inference-profile ARN names no model: it gets the
generic profile (no native structured output, no reasoning mapping). Claude ids from 4.6 on carry no date and
no ``-v1:0`` suffix (``anthropic.claude-opus-5``, ``anthropic.claude-haiku-5-5``; Opus 4.6 is
``anthropic.claude-opus-4-6-v1``): the Claude profile reads the version from the name either way.

What differs by family (Bedrock user guide, "Supported models and model features" and
https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html):

=============================  ================================================================
family                         differences
=============================  ================================================================
anthropic (Claude)             thinking via ``additionalModelRequestFields.thinking`` (budget form
                               before 4.6, adaptive + ``outputConfig.effort`` from 4.6); native
                               structured output (``outputConfig.textFormat``) from 4.5
amazon (Nova 2)                ``reasoningConfig`` {type, maxReasoningEffort low/medium/high}
openai (gpt-oss)               ``reasoning_effort`` low/medium/high; native structured output
qwen, deepseek, zai, minimax,  native structured output
moonshot(ai), nvidia, google
=============================  ================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..anthropic.profile import ModelProfile as ClaudeProfile
from ..anthropic.profile import profile_for as claude_profile_for

__all__ = ["BedrockProfile", "base_model_id", "native_model_id", "profile_for"]

#: Geography prefixes of cross-region inference profiles.
_GEO_PREFIXES = frozenset({"us", "eu", "apac", "global", "us-gov", "jp", "au", "ca", "ap"})
_NATIVE_JSON_FAMILIES = frozenset(
    {"openai", "qwen", "deepseek", "zai", "minimax", "moonshot", "moonshotai", "nvidia", "google"}
)


@dataclass(frozen=True, slots=True)
class BedrockProfile:
    family: str
    native_json_schema: bool = False
    #: "claude", "nova", "gpt-oss" or None (reasoning_effort cannot be expressed).
    reasoning: str | None = None
    claude: ClaudeProfile | None = None


def native_model_id(model: str) -> str:
    """The id Bedrock knows: a LiteLLM-style ``converse/`` route prefix is dropped (Converse is the only route)."""
    return model.removeprefix("converse/")


def base_model_id(model: str) -> str:
    """``us.anthropic.claude-…`` / an ARN → ``anthropic.claude-…`` (the id without routing parts)."""
    model = native_model_id(model)
    name = model.rsplit("/", 1)[-1] if model.startswith("arn:") else model
    head, sep, rest = name.partition(".")
    return rest if sep and head in _GEO_PREFIXES and "." in rest else name


@lru_cache(maxsize=256)  # a pure function of the id (frozen results), asked on every call
def profile_for(model: str) -> BedrockProfile:
    base = base_model_id(model)
    family = base.split(".", 1)[0] if "." in base else ""
    if family == "anthropic":
        claude = claude_profile_for(base.split(".", 1)[1])
        return BedrockProfile(family, native_json_schema=claude.native_json_schema, reasoning="claude", claude=claude)
    if family == "amazon":
        return BedrockProfile(family, reasoning="nova" if base.startswith("amazon.nova-2") else None)
    if family == "openai":
        return BedrockProfile(family, native_json_schema=True, reasoning="gpt-oss")
    return BedrockProfile(family, native_json_schema=family in _NATIVE_JSON_FAMILIES)
