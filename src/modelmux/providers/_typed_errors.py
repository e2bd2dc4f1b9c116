"""Error answers that name a native error type → the modelmux exception.

Shared by the providers whose errors carry a type a table can look up (Anthropic's ``error.type``, Bedrock's
``x-amzn-errortype``): a known type gives the class and the status the provider documents for it (which a
mid-stream error, having no HTTP status, reports); an unknown one falls back on the HTTP status. Each provider
keeps its own table and its own wording checks (context window, credentials) between the two steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import APIError, APIStatusError, RateLimitError, error_class_for_status, parse_retry_after

__all__ = ["ErrorTypeTable", "classify_error", "typed_error"]

#: Native type → (class, the HTTP status the provider documents for it).
ErrorTypeTable = Mapping[str, tuple[type[APIStatusError], int]]


def classify_error(table: ErrorTypeTable, native_type: str, status: int | None) -> tuple[type[APIStatusError], int]:
    """``(class, status)`` for a native type; an unknown type is classed by ``status`` (``None``: 500)."""
    known = table.get(native_type)
    if known is not None:
        return known
    native_status = status or 500
    return error_class_for_status(native_status), native_status


def typed_error(
    cls: type[APIStatusError],
    message: str,
    *,
    status: int | None,
    native_status: int,
    headers: Mapping[str, str] | None,
    **fields: Any,
) -> APIError:
    """The exception: ``status_code`` is the HTTP status, else the native one; a rate limit gets ``retry_after``."""
    status_code = status if status is not None else native_status
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(headers or {}), status_code=status_code, **fields)
    return cls(message, status_code=status_code, **fields)
