"""Tool-call ids for Gemini, which has none of its own, and the thought signatures they carry.

Gemini's ``functionCall`` usually comes without an ``id``, so one is made up: ``call_`` + 24 hex digits,
derived from the response id and the call's position when the response has an id (the streamed and the
non-streamed parse of one answer then agree), random otherwise.

Gemini 3 puts a ``thoughtSignature`` on ``functionCall`` parts and rejects the next request with a 400
unless it comes back on the same call (https://ai.google.dev/gemini-api/docs/thought-signatures).
An OpenAI client keeps exactly one thing of a tool call verbatim — its ``id``, which it must echo as the
tool message's ``tool_call_id`` — so the signature travels inside the id::

    call_3f2a…9c__ts__<signature, URL-safe base64 without padding>

URL-safe base64 keeps the id to ``[A-Za-z0-9_-]``, which other providers (Anthropic) require of tool
ids if the conversation moves there. Decoding restores the standard alphabet and padding, so the
signature goes back byte for byte. Such ids are longer than OpenAI's 40-character limit; a history
holding them cannot be sent to OpenAI itself unchanged. A signature given as
``tool_call["extra_content"]["google"]["thought_signature"]`` (the shape of Google's own
OpenAI-compatible endpoint) is honoured too.

A tool call Gemini did not make (another provider's, or one written by hand) has no signature. Gemini 3
validates "the first functionCall part in each step of the current turn" and answers 400 without one;
for history that did not come from Gemini the docs give placeholder values that skip the check
(https://ai.google.dev/gemini-api/docs/thought-signatures, FAQ "transfer a conversation from another
model": ``context_engineering_is_the_way_to_go`` or ``skip_thought_signature_validator``). modelmux sends
:data:`SKIP_SIGNATURE` there (see ``convert_messages``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

__all__ = [
    "SEPARATOR",
    "SKIP_SIGNATURE",
    "join_tool_call_id",
    "make_tool_call_id",
    "signature_of",
    "split_tool_call_id",
]

SEPARATOR = "__ts__"

#: Google's documented placeholder signature for function calls Gemini did not produce.
SKIP_SIGNATURE = "skip_thought_signature_validator"


def make_tool_call_id(response_id: str | None, index: int, native_id: Any = None) -> str:
    """The id of the ``index``-th function call of a response (Gemini's own id when it sent one)."""
    if isinstance(native_id, str) and native_id and SEPARATOR not in native_id:
        return native_id
    if response_id:
        digest = hashlib.sha256(f"{response_id}/{index}".encode()).hexdigest()[:24]
        return f"call_{digest}"
    return f"call_{uuid.uuid4().hex[:24]}"


def join_tool_call_id(call_id: str, signature: Any) -> str:
    """``call_id`` with a thought signature appended (unchanged when there is none)."""
    if not isinstance(signature, str) or not signature:
        return call_id
    safe = signature.replace("+", "-").replace("/", "_").rstrip("=")
    return f"{call_id}{SEPARATOR}{safe}"


def split_tool_call_id(call_id: str) -> tuple[str, str | None]:
    """``(plain id, thought signature or None)`` of an id made by :func:`join_tool_call_id`."""
    base, sep, safe = call_id.partition(SEPARATOR)
    if not sep or not safe:
        return call_id, None
    signature = safe.replace("-", "+").replace("_", "/")
    return base, signature + "=" * (-len(signature) % 4)


def signature_of(tool_call: dict[str, Any]) -> str | None:
    """The thought signature of an OpenAI-format tool call: from its id, else from ``extra_content``."""
    _, signature = split_tool_call_id(str(tool_call.get("id") or ""))
    if signature:
        return signature
    extra = tool_call.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    value = google.get("thought_signature") if isinstance(google, dict) else None
    return value if isinstance(value, str) and value else None
