"""Azure OpenAI error answers → modelmux errors: OpenAI's body and mapping, plus Azure's own signals.

* The content filter (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter) refuses a prompt
  with HTTP 400 and ``{"error": {"code": "content_filter", "innererror": {"code": "ResponsibleAIPolicyViolation",
  "content_filter_result": {...}}}}``: a :class:`ContentPolicyViolationError` whose ``body`` keeps the whole error
  object, filter results included.
* Throttling (HTTP 429) says how long to wait in ``x-ms-retry-after-ms`` or ``retry-after-ms`` (milliseconds) and
  ``retry-after`` (seconds): the most precise one present becomes ``RateLimitError.retry_after`` (seconds).
* The request id is Azure's ``apim-request-id`` / ``x-ms-request-id`` when no ``x-request-id`` came.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import APIError, BadRequestError, ContentPolicyViolationError, RateLimitError, parse_retry_after
from .._base import CallContext
from ..openai.errors import map_openai_error

__all__ = ["map_azure_error", "retry_after"]

_POLICY_CODES = frozenset({"ResponsibleAIPolicyViolation", "content_filter"})


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait: ``x-ms-retry-after-ms``, then ``retry-after-ms`` / ``retry-after`` (the first usable one:
    a garbage, negative or non-finite hint is dropped, a huge one capped; ``errors.parse_retry_after``)."""
    return parse_retry_after(headers)


def map_azure_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    err = map_openai_error(status, headers, body, ctx)
    if isinstance(err, RateLimitError):
        err.retry_after = retry_after(headers)
    inner = err.body.get("innererror") if isinstance(err.body, dict) else None
    inner_code = inner.get("code") if isinstance(inner, dict) else None
    if type(err) is BadRequestError and inner_code in _POLICY_CODES:
        err = err.recast(ContentPolicyViolationError, code=err.code or "content_filter")
    if err.request_id is None:
        err.request_id = headers.get("apim-request-id") or headers.get("x-ms-request-id")
    return err
