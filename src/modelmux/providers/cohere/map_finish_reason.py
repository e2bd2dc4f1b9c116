"""Cohere ``finish_reason`` → OpenAI ``finish_reason``.

Cohere v2 documents these values for ``/v2/chat`` (https://docs.cohere.com/reference/chat, response
``finish_reason``; the same in the stream's ``message-end`` event, https://docs.cohere.com/reference/chat-stream):

* ``COMPLETE`` — the model finished its answer → ``stop``;
* ``STOP_SEQUENCE`` — one of the request's ``stop_sequences`` was generated → ``stop``;
* ``MAX_TOKENS`` — ``max_tokens`` or the context was reached → ``length``;
* ``TOOL_CALL`` — the model is calling tools → ``tool_calls``;
* ``TIMEOUT`` — the generation was cut short by Cohere's time limit: the text is truncated, as with
  ``MAX_TOKENS`` → ``length`` (the native value stays in ``native_finish_reason``);
* ``ERROR`` — the generation failed: not an answer, an :class:`~modelmux.errors.UpstreamError`
  (:func:`finish_error`).

v1 values still seen through proxies: ``ERROR_TOXIC`` → ``content_filter``, ``ERROR_LIMIT`` → ``length``,
``USER_CANCEL`` → ``stop``. Anything else (explicit default) → ``stop``, the native value kept.
"""

from __future__ import annotations

__all__ = ["FINISH_REASONS", "finish_error", "map_finish_reason"]

FINISH_REASONS: dict[str, str] = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "TOOL_CALL": "tool_calls",
    "TIMEOUT": "length",
    "ERROR_TOXIC": "content_filter",
    "ERROR_LIMIT": "length",
    "USER_CANCEL": "stop",
}
_DEFAULT = "stop"
#: Finish reasons that mean there is no usable answer.
_FAILED = frozenset({"ERROR"})


def map_finish_reason(native: str | None) -> str:
    """The OpenAI finish reason for Cohere's ``native`` one (``stop`` when unknown or missing)."""
    return FINISH_REASONS.get(native or "", _DEFAULT)


def finish_error(native: str | None) -> str | None:
    """A message when ``native`` means the generation failed (then the answer is an error), else None."""
    if native in _FAILED:
        return f"Cohere ended the generation with finish_reason {native!r} (the generation failed)"
    return None
