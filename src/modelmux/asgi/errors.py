"""OpenAI-shaped error answers: ``{"error": {"message", "type", "param", "code"}}``, and library errors → them.

The gateway's own statuses and types (OpenAI platform docs, "Error codes"):

====  =====================  ==================================================================
400   invalid_request_error  malformed JSON, wrong content type, missing or wrong-typed fields
401   authentication_error   missing or unknown key
403   permission_error       the key may not use that model
404   invalid_request_error  unknown path or model id
405   invalid_request_error  wrong method (with ``Allow``)
413   invalid_request_error  body over the key's limit
429   rate_limit_error       over the key's limits, or the upstream's (with ``Retry-After``)
500   server_error           the gateway itself failed; never a client mistake
502   upstream_error         the provider failed, timed out or answered garbage
====  =====================  ==================================================================
"""

from __future__ import annotations

import json
import math

from ..errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UpstreamError,
    redact,
)

__all__ = ["HTTPError", "error_body", "from_api_error", "retry_after_header"]

_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error", 500: "server_error"}


class HTTPError(Exception):
    """An error answer the app sends as it is."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type or _TYPES.get(status) or ("upstream_error" if status >= 500 else "invalid_request_error")
        self.param = param
        self.code = code
        self.headers = headers

    def body(self) -> bytes:
        return error_body(self.message, self.type, self.param, self.code)


def error_body(message: str, type: str, param: str | None = None, code: str | None = None) -> bytes:
    error = {"message": message, "type": type, "param": param, "code": code}
    return json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")


def retry_after_header(seconds: float | None) -> tuple[tuple[bytes, bytes], ...]:
    """``Retry-After`` in whole seconds (rounded up, at least 1), plus OpenAI's ``retry-after-ms``."""
    if seconds is None or not math.isfinite(seconds):
        return ()
    whole = max(1, math.ceil(seconds))
    millis = max(1, math.ceil(seconds * 1000))
    return ((b"retry-after", str(whole).encode()), (b"retry-after-ms", str(millis).encode()))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def from_api_error(exc: APIError, *, model: str, secrets: tuple[str, ...]) -> HTTPError:
    """What the client sees for a library error on ``model`` (a public name).

    The provider's own words reach the client only for a bad request (useful: the context window, a field the
    provider refused); for failures only the kind and status do, so upstream hosts and accounts stay private.
    Credential failures upstream are the gateway's problem, not the client's: 502, not 401.
    """
    if isinstance(exc, RateLimitError):
        return HTTPError(
            429,
            f"The upstream provider of {model!r} is rate limiting requests; retry later.",
            code="upstream_rate_limit",
            headers=retry_after_header(exc.retry_after),
        )
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return HTTPError(502, f"The upstream provider of {model!r} refused the gateway's credentials.")
    if isinstance(exc, BadRequestError):
        return HTTPError(400, redact(exc.message, secrets), param=_text(exc.param), code=_text(exc.code))
    if isinstance(exc, APITimeoutError):
        return HTTPError(502, f"The upstream provider of {model!r} did not answer in time.", code="upstream_timeout")
    if isinstance(exc, APIConnectionError):
        return HTTPError(
            502, f"The connection to the upstream provider of {model!r} failed.", code="upstream_connection_error"
        )
    if isinstance(exc, NotFoundError):
        return HTTPError(502, f"The upstream provider does not know the model behind {model!r}.")
    if isinstance(exc, UpstreamError):  # mostly modelmux's own words: a garbled answer, a broken stream
        return HTTPError(502, f"The upstream provider of {model!r} failed: {redact(exc.message, secrets)}")
    status = f" (HTTP {exc.status_code})" if exc.status_code else ""
    return HTTPError(502, f"The upstream provider of {model!r} failed{status}.")
