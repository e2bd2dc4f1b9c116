"""Gemini error bodies → modelmux exceptions.

Gemini answers errors with Google's standard body ``{"error": {"code", "message", "status", "details"}}``
(sometimes wrapped in a one-element JSON list), also inside a stream. The canonical ``status`` picks the
class (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes); ``status_code`` stays the real
HTTP status and the message is Gemini's own, with the API key redacted.

Decisions:

* ``INVALID_ARGUMENT`` with reason ``API_KEY_INVALID`` ("API key not valid…", HTTP 400) is an
  :class:`InvalidAPIKeyError` (status_code 400): both an :class:`AuthenticationError` (what the
  caller must fix is the key) and, by its status, a :class:`BadRequestError`.
* An invalid argument whose message says the input is too long is a :class:`ContextWindowExceededError`.
  ``RESOURCE_EXHAUSTED`` stays a :class:`RateLimitError` even when the quota is on input tokens.
* ``DEADLINE_EXCEEDED`` (HTTP 504: Gemini gave up within its deadline) is an :class:`APITimeoutError`
  with status_code 504, so timeout handling sees it.
* ``retry_after`` comes from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "13s"``), else from
  ``Retry-After`` headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ...errors import (
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    InvalidAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    error_class_for_status,
    error_for_status,
    parse_retry_after,
    redact,
)
from .._base import CallContext, request_id_from

__all__ = ["error_from_payload", "map_error"]

#: Google canonical status → class; unknown statuses fall back to the HTTP status.
_BY_STATUS: dict[str, type[APIError]] = {
    "INVALID_ARGUMENT": BadRequestError,
    "FAILED_PRECONDITION": BadRequestError,
    "OUT_OF_RANGE": BadRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "INTERNAL": InternalServerError,
    "UNAVAILABLE": ServiceUnavailableError,
    "DEADLINE_EXCEEDED": APITimeoutError,
}
_HTTP_BY_STATUS = {"DEADLINE_EXCEEDED": 504, "UNAVAILABLE": 503, "INTERNAL": 500, "RESOURCE_EXHAUSTED": 429}
_CONTEXT_WINDOW = re.compile(
    r"exceeds the maximum number of tokens|input token count.{0,40}exceeds|context (?:window|length)", re.I
)
_BAD_KEY = re.compile(r"^API key (?:not valid|expired)", re.I)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def map_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    """The exception for an HTTP error answer from Gemini."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return error_from_payload(payload, status, headers, ctx)
    text = body.decode("utf-8", "replace").strip() or f"HTTP {status}"
    return error_for_status(
        status, _clean(text[:2000], ctx), headers, provider=ctx.provider, model=ctx.model,
        request_id=request_id_from(headers),
    )  # fmt: skip


def error_from_payload(payload: dict[str, Any], status: int, headers: Mapping[str, str], ctx: CallContext) -> APIError:
    """The exception for an ``{"error": {...}}`` object (``status`` < 400 when it came inside a stream)."""
    error = payload["error"]
    native = str(error.get("status") or "")
    code = error.get("code")
    if status < 400:
        status = code if isinstance(code, int) and code >= 400 else _HTTP_BY_STATUS.get(native, 500)
    message = _clean(str(error.get("message") or f"HTTP {status} {native}".strip()), ctx)
    details = [d for d in error.get("details") or () if isinstance(d, dict)]
    cls = _BY_STATUS.get(native) or error_class_for_status(status)
    openai_code: str | None = None
    if cls is BadRequestError:
        if _BAD_KEY.search(message) or any(d.get("reason") == "API_KEY_INVALID" for d in details):
            cls, openai_code = InvalidAPIKeyError, "invalid_api_key"
        elif _CONTEXT_WINDOW.search(message):
            cls, openai_code = ContextWindowExceededError, "context_length_exceeded"
    kwargs: dict[str, Any] = {
        "provider": ctx.provider,
        "model": ctx.model,
        "status_code": status,
        "request_id": request_id_from(headers),
        "code": openai_code,
        "body": payload,
        "native_type": native or None,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=_retry_after(details, headers), **kwargs)
    return cls(message, **kwargs)


def _retry_after(details: list[dict[str, Any]], headers: Mapping[str, str]) -> float | None:
    for detail in details:
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay") or ""))
            if match:
                return float(match.group(1))
    return parse_retry_after(headers)


def _clean(message: str, ctx: CallContext) -> str:
    return redact(message, (ctx.api_key,) if ctx.api_key else ())
