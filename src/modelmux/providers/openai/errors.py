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
