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
import logging
import math
import re

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
    sane_retry_after,
)

__all__ = ["HTTPError", "error_body", "from_api_error", "retry_after_header"]

_log = logging.getLogger("modelmux.asgi")
#: A native error type or code shown to clients only when it looks like one (``overloaded_error``), not like prose.
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
#: A request id shown to clients only when it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")

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
    return json.dumps({"error": error}, ensure_ascii=False).encode("utf-8", "replace")


def retry_after_header(seconds: float | None) -> tuple[tuple[bytes, bytes], ...]:
    """``Retry-After`` in whole seconds (rounded up, at least 1, at most an hour), plus OpenAI's ``retry-after-ms``;
    nothing for a missing, negative or non-finite hint."""
    seconds = sane_retry_after(seconds)
    if seconds is None:
        return ()
    whole = max(1, math.ceil(seconds))
    millis = max(1, math.ceil(seconds * 1000))
    return ((b"retry-after", str(whole).encode()), (b"retry-after-ms", str(millis).encode()))


def _short(value: object, secrets: tuple[str, ...], limit: int) -> str | None:
    """A ``param`` or ``code`` a client may see: text, redacted, one line, bounded."""
    if not isinstance(value, str) or not value:
        return None
    text = redact(value, secrets).splitlines()[0] if value.strip() else ""
    return text[:limit] or None


def _summary(message: str, secrets: tuple[str, ...]) -> str:
    """modelmux's own words about a broken answer, short: the first line, without what an exception quoted."""
    line = redact(message, secrets).strip().splitlines()[0] if message.strip() else "no details"
    return line[:160] + ("..." if len(line) > 160 else "")


def _answered_status(exc: APIError) -> int | None:
    """The HTTP status the error was built from (the provider's answer), None when modelmux raised it itself."""
    status = vars(exc).get("status_code")  # set on the instance only when given; a class default otherwise
    return status if isinstance(status, int) else None


def _upstream_failure(exc: APIError, model: str, secrets: tuple[str, ...]) -> HTTPError:
    """A provider failure as the client sees it: kind, status and request id, never the provider's text (which may
    name hosts, accounts or quote the request); the whole error goes to the debug log, redacted."""
    status = _answered_status(exc)
    _log.debug(
        "upstream failure for %r: %s body=%s",
        model,
        redact(str(exc), secrets),
        redact(json.dumps(exc.body, default=str)[:4000], secrets) if exc.body is not None else None,
    )
    facts = []
    native = exc.native_type or (exc.code if isinstance(exc.code, str) else None)
    if native and _IDENTIFIER.fullmatch(native) and redact(native, secrets) == native:
        facts.append(native)
    if status is not None:
        facts.append(f"HTTP {status}")
    rid = exc.request_id
    if rid and _REQUEST_ID.fullmatch(rid) and redact(rid, secrets) == rid:
        facts.append(f"request id {rid}")
    where = f" ({', '.join(facts)})" if facts else ""
    if status is None and isinstance(exc, UpstreamError):  # modelmux's words: a garbled answer, a broken stream
        return HTTPError(502, f"The upstream provider of {model!r} failed{where}: {_summary(exc.message, secrets)}")
    return HTTPError(502, f"The upstream provider of {model!r} failed{where}.")


def from_api_error(exc: APIError, *, model: str, secrets: tuple[str, ...]) -> HTTPError:
    """What the client sees for a library error on ``model`` (a public name).

    The provider's own words reach the client only for a bad request (useful: the context window, a field the
    provider refused), redacted, with ``param`` and ``code`` redacted and bounded; for failures only the kind, the
    status and the provider's request id do, so upstream hosts, accounts and echoed keys stay private. Credential
    failures upstream are the gateway's problem, not the client's: 502, not 401.
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
        return HTTPError(
            400,
            redact(exc.message, secrets)[:2000],
            param=_short(exc.param, secrets, 200),
            code=_short(exc.code, secrets, 100),
        )
    if isinstance(exc, APITimeoutError):
        return HTTPError(502, f"The upstream provider of {model!r} did not answer in time.", code="upstream_timeout")
    if isinstance(exc, APIConnectionError):
        return HTTPError(
            502, f"The connection to the upstream provider of {model!r} failed.", code="upstream_connection_error"
        )
    if isinstance(exc, NotFoundError):
        return HTTPError(502, f"The upstream provider does not know the model behind {model!r}.")
    return _upstream_failure(exc, model, secrets)
