"""Gateway errors in Anthropic's shape: ``{"type": "error", "error": {"type", "message"}}``.

Error types by HTTP status (https://platform.claude.com/docs/en/api/errors); the status itself is the gateway's,
so every client maps it the same way (the ``anthropic`` SDK picks its exception class by status):

====  =====================  ==============================================================
400   invalid_request_error  malformed body, wrong-typed field, a parameter the target lacks
401   authentication_error   missing or unknown key
403   permission_error       the key may not use that model
404   not_found_error        unknown path, or a model this gateway does not serve
408   timeout_error          the request body was not received in time
413   request_too_large      body over the key's limit
429   rate_limit_error       over the key's limits, or the upstream's (with ``Retry-After``)
500   api_error              the gateway itself failed
502   api_error              the upstream provider failed
503   overloaded_error       the gateway's limit store is unreachable; retry shortly
====  =====================  ==============================================================
"""

from __future__ import annotations

import json

from ..errors import HTTPError
from ..responses import JSON, Response

__all__ = ["ERROR_TYPES", "anthropic_error", "error_body", "error_event"]

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}
#: Anthropic answers an unknown model with 404 ``not_found_error``, where the OpenAI routes say 400.
_NOT_FOUND_CODES = frozenset({"model_not_found"})


def _status(exc: HTTPError) -> int:
    return 404 if exc.code in _NOT_FOUND_CODES else exc.status


def _type(status: int) -> str:
    return ERROR_TYPES.get(status) or ("api_error" if status >= 500 else "invalid_request_error")


def error_body(exc: HTTPError) -> bytes:
    status = _status(exc)
    error = {"type": "error", "error": {"type": _type(status), "message": exc.message}}
    return json.dumps(error, ensure_ascii=False).encode("utf-8", "replace")


def anthropic_error(exc: HTTPError) -> Response:
    """The answer for ``exc`` on an Anthropic route (same status and headers as elsewhere, Anthropic's body)."""
    return Response(_status(exc), error_body(exc), JSON, exc.headers)


def error_event(exc: HTTPError) -> bytes:
    """The ``error`` event that ends a stream which failed after its 200 went out."""
    return b"event: error\ndata: " + error_body(exc) + b"\n\n"
