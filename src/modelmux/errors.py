"""The exception tree, mirroring the OpenAI platform's error table.

::

    ModelmuxError
     ├── APIError                         (provider, model, status_code, type, message, request_id)
     │    ├── APIConnectionError           could not reach the provider
     │    │    └── APITimeoutError         no answer in time (alias: Timeout)
     │    └── APIStatusError               the provider answered with an error status
     │         ├── BadRequestError         400 invalid_request_error
     │         │    ├── ContextWindowExceededError
     │         │    ├── ContentPolicyViolationError
     │         │    ├── UnsupportedParamsError   raised before any request is sent
     │         │    └── UnknownParameterError    a misspelt keyword argument (also a TypeError)
     │         ├── AuthenticationError     401 authentication_error
     │         │    └── InvalidAPIKeyError  a bad key answered with 400 (also a BadRequestError)
     │         ├── PermissionDeniedError   403 permission_error
     │         ├── NotFoundError           404 not_found_error
     │         ├── RateLimitError          429 rate_limit_error (retry_after seconds)
     │         ├── InternalServerError     500 server_error
     │         ├── UpstreamError           502 upstream_error: the provider failed or answered garbage
     │         └── ServiceUnavailableError 503 / 529 overloaded
     └── (warnings) ModelmuxWarning → DroppedParamWarning

Messages never contain credentials: every message passes through :func:`redact`.
"""

from __future__ import annotations

import builtins
import json
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContentPolicyViolationError",
    "ContextWindowExceededError",
    "DroppedParamWarning",
    "InternalServerError",
    "InvalidAPIKeyError",
    "ModelmuxError",
    "ModelmuxWarning",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "Timeout",
    "UnknownParameterError",
    "UnsupportedParamsError",
    "UpstreamError",
    "error_class_for_status",
    "redact",
]

# Key shapes of the providers we speak to, plus any Bearer token and ``key=`` query value.
_SECRET_PATTERNS = re.compile(
    r"(sk-ant-[A-Za-z0-9_\-]{8,}|sk-[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._\-~+/]{8,}=*|(?<=[?&]key=)[^&\s\"']+)"
)


def _spellings(secret: str) -> set[str]:
    """The ways an upstream may quote a secret back: as is, percent-encoded, JSON-escaped."""
    from urllib.parse import quote

    return {secret, quote(secret, safe=""), json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove API keys (known ``secrets``, as they are or percent- or JSON-escaped, and anything key-shaped) from
    ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for spelling in _spellings(secret):
                if spelling in text:
                    text = text.replace(spelling, "[REDACTED]")
    return _SECRET_PATTERNS.sub("[REDACTED]", text)


def _redact_opt(value: Any, secrets: tuple[str, ...]) -> Any:
    return redact(value, secrets) if isinstance(value, str) else value


def _redact_deep(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _redact_deep(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_deep(v, secrets) for v in value]
    return value


class ModelmuxWarning(UserWarning):
    """Base class of the warnings modelmux emits."""


class DroppedParamWarning(ModelmuxWarning):
    """A parameter the provider cannot express was dropped because ``drop_params=True``."""


class ModelmuxError(Exception):
    """Base of every exception modelmux raises."""


_E = TypeVar("_E", bound="APIError")


class APIError(ModelmuxError):
    """An error talking to a provider, with the OpenAI error ``type``."""

    status_code: int | None = None
    type: ClassVar[str] = "api_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        code: str | None = None,
        param: str | None = None,
        body: Any = None,
        native_type: str | None = None,
    ) -> None:
        self.message = redact(message)
        self.provider = provider
        self.model = model
        if status_code is not None:
            self.status_code = status_code
        self.request_id = _redact_opt(request_id, ())
        self.code = _redact_opt(code, ())
        self.param = _redact_opt(param, ())
        self.body = _redact_deep(body, ())
        self.native_type = _redact_opt(native_type, ())
        super().__init__(self.message)

    @property
    def llm_provider(self) -> str | None:
        """LiteLLM's name for :attr:`provider` (read-only), so ``except ... as e: e.llm_provider`` ports unchanged."""
        return self.provider

    def recast(self, cls: builtins.type[_E], **changes: Any) -> _E:  # the class has its own `type` field
        """The same error as the more precise class ``cls`` (e.g. a ``BadRequestError`` a provider's message shows
        to be a ``ContextWindowExceededError``): every field kept, ``changes`` (e.g. ``code=``) applied."""
        fields: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "status_code": self.status_code,
            "request_id": self.request_id,
            "code": self.code,
            "param": self.param,
            "body": self.body,
            "native_type": self.native_type,
        }
        fields.update(changes)
        return cls(self.message, **fields)

    def redact_secrets(self, *secrets: str) -> None:
        """Remove these secrets from every field that may be shown or logged (message, code, param, request id,
        native type, body, args)."""
        self.message = redact(self.message, secrets)
        self.args = (self.message,)
        self.request_id = _redact_opt(self.request_id, secrets)
        self.code = _redact_opt(self.code, secrets)
        self.param = _redact_opt(self.param, secrets)
        self.native_type = _redact_opt(self.native_type, secrets)
        if self.body is not None:
            self.body = _redact_deep(self.body, secrets)

    def __str__(self) -> str:
        where = "/".join(p for p in (self.provider, self.model) if p)
        head = f"{type(self).__name__}"
        if self.status_code is not None:
            head += f" ({self.status_code})"
        if where:
            head += f" from {where}"
        tail = f" [request_id={self.request_id}]" if self.request_id else ""
        return f"{head}: {self.message}{tail}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, provider={self.provider!r}, "
            f"model={self.model!r}, status_code={self.status_code!r}, request_id={self.request_id!r})"
        )

    def to_openai_error(self) -> dict[str, Any]:
        """The body OpenAI would send for this error: ``{"error": {message, type, param, code}}``."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class APIConnectionError(APIError):
    type = "api_connection_error"


class APITimeoutError(APIConnectionError):
    type = "timeout"


#: LiteLLM's and the OpenAI SDK's name for a timeout (``litellm.Timeout``, ``openai.APITimeoutError``).
Timeout = APITimeoutError


class APIStatusError(APIError):
    status_code: int | None = 500


class BadRequestError(APIStatusError):
    status_code = 400
    type = "invalid_request_error"


class ContextWindowExceededError(BadRequestError):
    pass


class ContentPolicyViolationError(BadRequestError):
    pass


class UnsupportedParamsError(BadRequestError):
    """The provider cannot express a parameter; pass ``drop_params=True`` to drop it with a warning."""


class UnknownParameterError(BadRequestError, TypeError):
    """A keyword argument no part of the call knows (a typo such as ``temprature``): raised before anything
    is sent. Also a ``TypeError``, which is what Python raises for an unexpected keyword argument."""


class AuthenticationError(APIStatusError):
    status_code = 401
    type = "authentication_error"


class InvalidAPIKeyError(AuthenticationError, BadRequestError):
    """A provider that answers a bad key with 400 (Gemini's ``API_KEY_INVALID``): both an
    authentication error and, by its status, a bad request."""

    type = "authentication_error"


class PermissionDeniedError(APIStatusError):
    status_code = 403
    type = "permission_error"


class NotFoundError(APIStatusError):
    status_code = 404
    type = "not_found_error"


class RateLimitError(APIStatusError):
    status_code = 429
    type = "rate_limit_error"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = sane_retry_after(retry_after)  # a garbage or hostile hint is dropped or capped


class InternalServerError(APIStatusError):
    status_code = 500
    type = "server_error"


class UpstreamError(APIStatusError):
    status_code = 502
    type = "upstream_error"


class ServiceUnavailableError(APIStatusError):
    status_code = 503
    type = "service_unavailable"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    500: InternalServerError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: APIStatusError,
    529: ServiceUnavailableError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    """The class for an HTTP status; unknown 4xx are bad requests, unknown 5xx upstream errors."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    if 400 <= status < 500:
        return BadRequestError
    return UpstreamError


def error_for_status(status: int, message: str, headers: Mapping[str, str], **kwargs: Any) -> APIStatusError:
    """The error of an HTTP error answer known only by its status (a body that is not the provider's error
    format, e.g. a proxy's plain text): :func:`error_class_for_status`, and a rate limit keeps its ``Retry-After``."""
    cls = error_class_for_status(status)
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(headers), status_code=status, **kwargs)
    return cls(message, status_code=status, **kwargs)


#: The longest wait a provider's hint may ask for; longer ones are capped (a garbage or hostile hint must not park a
#: client for days).
MAX_RETRY_AFTER = 3600.0


def sane_retry_after(seconds: float | None) -> float | None:
    """``seconds`` if it is a usable wait (finite, not negative), capped at :data:`MAX_RETRY_AFTER`; else None."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _seconds(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


#: Headers that give the wait in milliseconds, the most precise first: Azure's ``x-ms-retry-after-ms``
#: (https://learn.microsoft.com/azure/ai-services/openai/quotas-limits; also sent by OpenAI-compatible endpoints
#: hosted on Azure) and OpenAI's ``retry-after-ms``.
_MILLIS_HEADERS = ("x-ms-retry-after-ms", "retry-after-ms")


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``x-ms-retry-after-ms``, ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP
    date, RFC 9110 §10.2.3), the first usable one; garbage, negative or non-finite values are ignored, and the wait
    is capped at :data:`MAX_RETRY_AFTER`."""
    for name in _MILLIS_HEADERS:
        value = headers.get(name)
        millis = _seconds(value) if value else None
        if millis is not None and sane_retry_after(millis) is not None:
            return sane_retry_after(millis / 1000.0)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return sane_retry_after(seconds)
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a date without a zone is taken as such
        when = when.replace(tzinfo=timezone.utc)
    return sane_retry_after(max(0.0, (when - datetime.now(timezone.utc)).total_seconds()))
