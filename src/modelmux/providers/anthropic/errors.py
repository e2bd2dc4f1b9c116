"""Anthropic error bodies (HTTP and mid-stream ``error`` events) → modelmux exceptions.

Error shape (https://platform.claude.com/docs/en/api/errors)::

    {"type": "error", "error": {"type": "rate_limit_error", "message": "..."}, "request_id": "req_..."}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ...errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    error_for_status,
)
from .._base import CallContext, request_id_from
from .._typed_errors import ErrorTypeTable, classify_error, typed_error

__all__ = ["bad_request", "map_error", "map_error_payload"]

PROVIDER = "anthropic"

# Native error type → (class, the HTTP status Anthropic documents for it). Unknown types fall back on the
# HTTP status. billing_error (402) is a permission problem rather than a malformed request.
_BY_TYPE: ErrorTypeTable = {
    "invalid_request_error": (BadRequestError, 400),
    "authentication_error": (AuthenticationError, 401),
    "billing_error": (PermissionDeniedError, 402),
    "permission_error": (PermissionDeniedError, 403),
    "not_found_error": (NotFoundError, 404),
    "request_too_large": (BadRequestError, 413),
    "rate_limit_error": (RateLimitError, 429),
    "api_error": (InternalServerError, 500),
    "timeout_error": (APIStatusError, 504),
    "overloaded_error": (ServiceUnavailableError, 529),
}

# "prompt is too long: 208310 tokens > 200000 maximum", "input length and `max_tokens` exceed context
# limit: ...", and wordings mentioning the context window.
_CONTEXT_WINDOW = re.compile(r"too long|context (?:window|length|limit)", re.IGNORECASE)


def bad_request(message: str, param: str | None = None) -> BadRequestError:
    """A request modelmux refuses to send because Anthropic could not accept it."""
    return BadRequestError(message, provider=PROVIDER, param=param, code="invalid_request")


def map_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    """The exception for an error answer; ``status_code`` stays the real HTTP status."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), (dict, str)):
        text = body.decode("utf-8", "replace").strip() or f"HTTP {status}"
        return error_for_status(
            status, text[:2000], headers, provider=PROVIDER, model=ctx.model, request_id=request_id_from(headers)
        )
    return map_error_payload(payload, ctx, status=status, headers=headers)


def map_error_payload(
    payload: dict[str, Any],
    ctx: CallContext,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> APIError:
    """The exception for a decoded error body; ``status`` is ``None`` for a mid-stream ``error`` event."""
    raw = payload.get("error")
    # Some proxies answer {"error": "..."}; a payload without "error" still yields an exception.
    error: dict[str, Any] = raw if isinstance(raw, dict) else {"message": raw} if isinstance(raw, str) else {}
    native_type = error.get("type") if isinstance(error.get("type"), str) else None
    message = str(error.get("message") or native_type or f"HTTP {status}")
    cls, native_status = classify_error(_BY_TYPE, native_type or "", status)
    code = None
    if cls is BadRequestError and _CONTEXT_WINDOW.search(message):
        cls, code = ContextWindowExceededError, "context_length_exceeded"
    request_id = payload.get("request_id") if isinstance(payload.get("request_id"), str) else None
    if request_id is None and headers is not None:
        request_id = request_id_from(headers)
    return typed_error(
        cls,
        message,
        status=status,
        native_status=native_status,
        headers=headers,
        provider=PROVIDER,
        model=ctx.model,
        request_id=request_id,
        code=code,
        body=payload,
        native_type=native_type,
    )
