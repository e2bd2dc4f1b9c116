"""Cohere error answers → modelmux exceptions.

Cohere answers errors with ``{"id": "...", "message": "..."}`` (sometimes with an ``error_type`` such as
``TOO_MANY_TOKENS``) and documents the statuses it uses (https://docs.cohere.com/reference/errors):

* 400 and 422 (invalid request) → :class:`BadRequestError`; one whose ``error_type`` is ``TOO_MANY_TOKENS``
  or whose message says "too many tokens" → :class:`ContextWindowExceededError`;
* 401 (bad key) and 498 (invalid token) → :class:`AuthenticationError` with code ``invalid_api_key``;
* 402 (payment required: no credit) → :class:`PermissionDeniedError` (retrying cannot help);
* 404 → :class:`NotFoundError`; 429 → :class:`RateLimitError` (``Retry-After`` honoured);
* 500 → :class:`InternalServerError`; 501 (not implemented for this model) → :class:`BadRequestError`;
  503 → :class:`ServiceUnavailableError`; 504 → :class:`APITimeoutError` (status_code 504).

Anything else falls back to the HTTP status (:func:`error_class_for_status`). The message is Cohere's own,
with the caller's key redacted.
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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    error_class_for_status,
    parse_retry_after,
    redact,
)
from .._base import CallContext, request_id_from

__all__ = ["error_from_payload", "map_error"]

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    422: BadRequestError,
    401: AuthenticationError,
    498: AuthenticationError,
    402: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    500: InternalServerError,
    501: BadRequestError,
    503: ServiceUnavailableError,
    504: APITimeoutError,
}
_CONTEXT_WINDOW = re.compile(r"too many tokens|context (?:window|length)|exceeds the maximum", re.I)


def map_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    """The exception for an HTTP error answer from Cohere."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        text = body.decode("utf-8", "replace").strip() or f"HTTP {status}"
        payload = {"message": text[:2000]}
    return error_from_payload(payload, status, headers, ctx)


def error_from_payload(payload: dict[str, Any], status: int, headers: Mapping[str, str], ctx: CallContext) -> APIError:
    """The exception for Cohere's error object ``payload`` answered with HTTP ``status``."""
    message = payload.get("message")
    if isinstance(payload.get("error"), dict):  # gateways in front of Cohere may wrap it OpenAI-style
        message = payload["error"].get("message", message)
    text = redact(str(message or f"HTTP {status}"), (ctx.api_key,) if ctx.api_key else ())
    native = payload.get("error_type")
    native = str(native) if native else None
    cls = _BY_STATUS.get(status) or error_class_for_status(status)
    code: str | None = None
    if cls is BadRequestError and (native == "TOO_MANY_TOKENS" or _CONTEXT_WINDOW.search(text)):
        cls, code = ContextWindowExceededError, "context_length_exceeded"
    elif cls is AuthenticationError:
        code = "invalid_api_key"
    kwargs: dict[str, Any] = {
        "provider": ctx.provider,
        "model": ctx.model,
        "status_code": status,
        "request_id": request_id_from(headers) or headers.get("x-debug-trace-id"),
        "code": code,
        "body": payload,
        "native_type": native,
    }
    if cls is RateLimitError:
        err: APIError = RateLimitError(text, retry_after=parse_retry_after(headers), **kwargs)
    else:
        err = cls(text, **kwargs)
    if ctx.api_key:  # Cohere may echo the key (in the message and so in the kept body)
        err.redact_secrets(ctx.api_key)
    return err
