"""Bedrock error answers (HTTP bodies and in-stream exceptions) → modelmux exceptions.

An error answer is ``{"message": "..."}`` with the type in the ``x-amzn-errortype`` header
(``ValidationException:http://internal.amazon.com/...``); in a ConverseStream the same exceptions arrive as
event-stream messages named after the shape member (``throttlingException``, ``modelStreamErrorException``…).
Types and statuses: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
and https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html.
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
    UpstreamError,
)
from .._base import CallContext
from .._typed_errors import ErrorTypeTable, classify_error, typed_error

__all__ = ["PROVIDER", "InvalidCredentialsError", "bad_request", "map_error", "map_exception"]

PROVIDER = "bedrock"


class InvalidCredentialsError(AuthenticationError, PermissionDeniedError):
    """Bad or expired AWS credentials: AWS answers them with 403 (``UnrecognizedClientException``,
    ``InvalidSignatureException``, ``ExpiredTokenException``…), so the error is both an authentication
    error by its meaning and a permission error by its status."""

    type = "authentication_error"


# Native type (lower-cased, "Exception" suffix kept) → (class, the HTTP status AWS documents for it).
# Unknown types fall back on the HTTP status.
_BY_TYPE: ErrorTypeTable = {
    "validationexception": (BadRequestError, 400),
    "serializationexception": (BadRequestError, 400),
    "accessdeniedexception": (PermissionDeniedError, 403),
    "unrecognizedclientexception": (InvalidCredentialsError, 403),
    "invalidsignatureexception": (InvalidCredentialsError, 403),
    "incompletesignatureexception": (InvalidCredentialsError, 403),
    "missingauthenticationtokenexception": (InvalidCredentialsError, 403),
    "expiredtokenexception": (InvalidCredentialsError, 403),
    "resourcenotfoundexception": (NotFoundError, 404),
    "modeltimeoutexception": (APIStatusError, 408),
    "throttlingexception": (RateLimitError, 429),
    "servicequotaexceededexception": (RateLimitError, 429),
    "modelnotreadyexception": (ServiceUnavailableError, 429),
    "modelerrorexception": (UpstreamError, 424),
    "modelstreamerrorexception": (UpstreamError, 424),
    "internalserverexception": (InternalServerError, 500),
    "serviceunavailableexception": (ServiceUnavailableError, 503),
}

# An error body rarely reaches us with its type header (proxies and recorders drop x-* headers), so the
# wordings AWS uses for bad credentials and for a too-long prompt are recognised too.
_BAD_CREDENTIALS = re.compile(
    r"security token included in the request is (?:invalid|expired)|signature we calculated does not match"
    r"|request signature|invalid api key|bearer token",
    re.IGNORECASE,
)
_CONTEXT_WINDOW = re.compile(
    r"input tokens exceeded|too long|too many (?:input )?tokens|context (?:window|length|limit)"
    r"|exceeds? (?:the )?(?:maximum|max)(?: allowed)? (?:input |context )?(?:length|tokens)",
    re.IGNORECASE,
)


def bad_request(message: str, param: str | None = None) -> BadRequestError:
    """A request modelmux refuses to send because Bedrock could not accept it."""
    return BadRequestError(message, provider=PROVIDER, param=param, code="invalid_request")


def _request_id(headers: Mapping[str, str]) -> str | None:
    return headers.get("x-amzn-requestid") or headers.get("x-amz-request-id") or headers.get("x-request-id")


def map_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    """The exception for an error answer; ``status_code`` stays the real HTTP status."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    native_type = (headers.get("x-amzn-errortype") or "").split(":", 1)[0] or None
    if isinstance(payload, dict):
        native_type = native_type or payload.get("__type") or payload.get("code")
        message = payload.get("message") or payload.get("Message")
    else:
        message = None
    if not isinstance(message, str) or not message:
        message = body.decode("utf-8", "replace").strip()[:2000] or f"HTTP {status}"
    return _build(
        str(native_type).rsplit("#", 1)[-1] if native_type else None,
        message,
        ctx,
        status=status,
        request_id=_request_id(headers),
        body=payload if isinstance(payload, dict) else None,
        headers=headers,
    )


def map_exception(name: str, data: str, ctx: CallContext) -> APIError:
    """The exception for an in-stream exception message (``throttlingException``…) or ``error`` message."""
    try:
        payload: Any = json.loads(data) if data else {}
    except ValueError:
        payload = {"message": data}
    if not isinstance(payload, dict):
        payload = {"message": str(payload)}
    native_type = payload.get("code") if name == "error" else name
    message = str(payload.get("message") or native_type or "error in the event stream")
    original = payload.get("originalMessage")
    if isinstance(original, str) and original:
        message = f"{message}: {original}"
    return _build(str(native_type) if native_type else None, message, ctx, status=None, body=payload)


def _build(
    native_type: str | None,
    message: str,
    ctx: CallContext,
    *,
    status: int | None,
    request_id: str | None = None,
    body: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> APIError:
    cls, native_status = classify_error(_BY_TYPE, (native_type or "").lower(), status)
    code = None
    if cls in (BadRequestError, PermissionDeniedError) and _BAD_CREDENTIALS.search(message):
        cls = InvalidCredentialsError if (status or native_status) == 403 else AuthenticationError
    if cls is BadRequestError and _CONTEXT_WINDOW.search(message):
        cls, code = ContextWindowExceededError, "context_length_exceeded"
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
        body=body,
        native_type=native_type,
    )
