"""OpenAI error bodies → modelmux errors.

Body shape: ``{"error": {"message", "type", "param", "code"}}`` (platform docs, "Error codes").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import (
    APIError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    RateLimitError,
    error_class_for_status,
    parse_retry_after,
)
from .._base import CallContext, request_id_from

#: ``error.code`` values that name a more precise class than the status does.
_BY_CODE: dict[str, type[APIError]] = {
    "context_length_exceeded": ContextWindowExceededError,
    "string_above_max_length": ContextWindowExceededError,
    "content_policy_violation": ContentPolicyViolationError,
    "content_filter": ContentPolicyViolationError,
}


def _error_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            return err
        if isinstance(err, str):
            return {"message": err}
    return {}


def map_openai_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    err = _error_object(body)
    message = err.get("message") or body.decode("utf-8", "replace").strip() or f"HTTP {status}"
    code = err.get("code")
    code = str(code) if code is not None else None
    cls = error_class_for_status(status)
    precise = _BY_CODE.get(code or "")
    if precise is not None and issubclass(precise, cls):
        cls = precise
    kwargs: dict[str, Any] = dict(
        provider=ctx.provider,
        model=ctx.model,
        status_code=status,
        request_id=request_id_from(headers),
        code=code,
        param=err.get("param"),
        body=err or None,
        native_type=err.get("type"),
    )
    if issubclass(cls, RateLimitError):
        return cls(str(message), retry_after=parse_retry_after(headers), **kwargs)
    return cls(str(message), **kwargs)


#: An in-band error names its kind, not a status: the status its kind has at OpenAI's API (platform docs,
#: "Error codes"), and the Anthropic-style names that routers relay.
_STATUS_BY_KIND: dict[str, int] = {
    "invalid_request_error": 400,
    "context_length_exceeded": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "permission_denied": 403,
    "not_found_error": 404,
    "model_not_found": 404,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
    "insufficient_quota": 429,
    "server_error": 500,
    "api_error": 500,
    "service_unavailable": 503,
    "overloaded_error": 503,
}


def error_from_event(error: Any, data: str, ctx: CallContext) -> APIError:
    """The error an in-band stream event reports (``{"error": {...}}`` or vLLM's ``{"object": "error", ...}``).

    Its status is ``error.code`` when that is an HTTP status (OpenRouter), else the one its ``type``/``code``
    names at OpenAI, else 500 (the server failed mid-answer)."""
    err = error if isinstance(error, dict) else {"message": error if isinstance(error, str) else data[:500]}
    status = 500
    for value in (err.get("code"), err.get("status")):
        if isinstance(value, int) and 400 <= value <= 599:
            status = value
            break
    else:
        for value in (err.get("type"), err.get("code")):
            if isinstance(value, str) and value in _STATUS_BY_KIND:
                status = _STATUS_BY_KIND[value]
                break
    exc = map_openai_error(status, {}, json.dumps({"error": err}).encode(), ctx)
    # Raised from a parse, it may not pass through the core's scrub: redact the call's secrets here.
    exc.redact_secrets(*(s for s in (ctx.api_key, *ctx.secrets) if s))
    return exc
