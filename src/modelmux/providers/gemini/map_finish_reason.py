"""Gemini ``finishReason`` / ``blockReason`` → OpenAI ``finish_reason`` (or an error).

Every value of https://ai.google.dev/api/generate-content#FinishReason (and the Vertex AI additions,
https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#FinishReason;
the same list, with each value's meaning, is google-genai's ``types.FinishReason``) is a row below: either
an OpenAI finish reason (:data:`FINISH_REASONS`) or, for answers that are broken rather than finished,
an error (:data:`FAILED_FINISHES`). A value added by Google later is ``stop`` (:data:`DEFAULT`), with the
native value kept in ``native_finish_reason`` as for every answer.

Decisions:

* ``CONTINUATION`` (the per-request token limit cut an unfinished answer) and ``TOO_MANY_TOOL_CALLS``
  (the server-side tool loop hit its limit before a final answer) are ``length``: a limit truncated it.
* ``LANGUAGE`` (the candidate was flagged for an unsupported language), ``ESCALATION`` (an escalation rule
  filtered it) and ``PUP_LIMITED_DISABLED`` (generation refused under the Prohibited Use Policy) withhold
  the content like a filter: ``content_filter``, as every safety, recitation, blocklist and image-safety value.
* ``OTHER``, ``IMAGE_OTHER``, ``NO_IMAGE`` and ``FINISH_REASON_UNSPECIFIED`` have no OpenAI word: ``stop``.
* ``MALFORMED_FUNCTION_CALL`` (the model wrote a function call that cannot be parsed; Gemini drops it),
  ``UNEXPECTED_TOOL_CALL`` (it called a function that is not declared or not allowed) and
  ``MALFORMED_RESPONSE`` are :class:`UpstreamError` s (502): a ``stop`` with the call silently gone would
  be an empty success, and the error tells an agent loop to retry. ``MISSING_THOUGHT_SIGNATURE`` is a
  :class:`BadRequestError` (400): the request's history lacked a signature Gemini 3 requires.
* A ``STOP`` that produced function calls is ``tool_calls`` (Gemini has no separate value for it).
"""

from __future__ import annotations

from ...errors import APIError, BadRequestError, UpstreamError
from .._base import CallContext

__all__ = [
    "BLOCKED_PROMPT",
    "DEFAULT",
    "FAILED_FINISHES",
    "FINISH_REASONS",
    "finish_error",
    "map_finish_reason",
]

_CONTENT_FILTER = "content_filter"

#: A prompt blocked before any candidate (``promptFeedback.blockReason``: SAFETY, OTHER, BLOCKLIST,
#: PROHIBITED_CONTENT, IMAGE_SAFETY, MODEL_ARMOR, JAILBREAK), whatever the reason; the reason is kept
#: as ``native_finish_reason``.
BLOCKED_PROMPT = _CONTENT_FILTER

#: Native finish reason → OpenAI finish reason.
FINISH_REASONS: dict[str, str] = {
    "STOP": "stop",
    "FINISH_REASON_UNSPECIFIED": "stop",
    "OTHER": "stop",
    "IMAGE_OTHER": "stop",
    "NO_IMAGE": "stop",
    "MAX_TOKENS": "length",
    "CONTINUATION": "length",
    "TOO_MANY_TOOL_CALLS": "length",
    "SAFETY": _CONTENT_FILTER,
    "RECITATION": _CONTENT_FILTER,
    "LANGUAGE": _CONTENT_FILTER,
    "BLOCKLIST": _CONTENT_FILTER,
    "PROHIBITED_CONTENT": _CONTENT_FILTER,
    "SPII": _CONTENT_FILTER,
    "IMAGE_SAFETY": _CONTENT_FILTER,
    "IMAGE_PROHIBITED_CONTENT": _CONTENT_FILTER,
    "IMAGE_RECITATION": _CONTENT_FILTER,
    "MODEL_ARMOR": _CONTENT_FILTER,
    "JAILBREAK": _CONTENT_FILTER,
    "ESCALATION": _CONTENT_FILTER,
    "PUP_LIMITED_DISABLED": _CONTENT_FILTER,
}

#: Native finish reasons that mean the answer is broken: the error class and what to tell the caller.
FAILED_FINISHES: dict[str, tuple[type[APIError], str]] = {
    "MALFORMED_FUNCTION_CALL": (
        UpstreamError,
        "Gemini generated a function call it could not parse (MALFORMED_FUNCTION_CALL); retrying usually helps",
    ),
    "UNEXPECTED_TOOL_CALL": (
        UpstreamError,
        "Gemini called a function that is not declared or not allowed (UNEXPECTED_TOOL_CALL)",
    ),
    "MALFORMED_RESPONSE": (UpstreamError, "Gemini produced a malformed response (MALFORMED_RESPONSE)"),
    "MISSING_THOUGHT_SIGNATURE": (
        BadRequestError,
        "Gemini rejected the history: a function call of the current turn lacks its thought signature "
        "(MISSING_THOUGHT_SIGNATURE)",
    ),
}

#: The finish reason of a value not listed above (one Google added after this table was written).
DEFAULT = "stop"


def map_finish_reason(native: str | None, has_tool_calls: bool = False) -> str:
    """The OpenAI finish reason; a plain stop that produced function calls is ``tool_calls``.

    Values in :data:`FAILED_FINISHES` map to ``stop`` here; callers raise :func:`finish_error` first.
    """
    mapped = FINISH_REASONS.get(native or "", DEFAULT)
    if mapped == "stop" and has_tool_calls:
        return "tool_calls"
    return mapped


def finish_error(native: str | None, ctx: CallContext) -> APIError | None:
    """The error for a finish reason that means a broken answer, else ``None``."""
    failure = FAILED_FINISHES.get(native or "")
    if failure is None:
        return None
    cls, message = failure
    return cls(
        message, provider=ctx.provider, model=ctx.model, code=native.lower() if native else None, native_type=native
    )
