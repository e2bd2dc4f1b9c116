"""LiteLLM's exception names (``litellm.exceptions``), as aliases of modelmux's own tree (:mod:`modelmux.errors`).

``from litellm.exceptions import RateLimitError`` ports as ``from modelmux.exceptions import RateLimitError``; each
name *is* the modelmux class, so ``except`` clauses written for either catch the same errors. Every one carries
``status_code``, ``message``, ``model``, ``provider`` and its LiteLLM name ``llm_provider``.

Where the two trees differ (see https://docs.litellm.ai/docs/exception_mapping):

* ``APIError`` is modelmux's base of every provider error, so ``except APIError`` catches more than LiteLLM's
  (which is its 500-class error); ``InternalServerError`` is the 500 one in both;
* ``Timeout`` is a connection error (``APIConnectionError``) with no ``status_code``, where LiteLLM says 408;
* ``UnsupportedParamsError`` and ``ContextWindowExceededError`` / ``ContentPolicyViolationError`` are
  ``BadRequestError`` s in both;
* modelmux's classes do not derive from the ``openai`` SDK's (modelmux does not depend on it): ``except
  openai.RateLimitError`` around a modelmux call catches nothing.

Not here, because nothing in modelmux raises them: ``BudgetExceededError`` (no budgets in the library),
``UnprocessableEntityError`` (a 422 is a ``BadRequestError``), ``JSONSchemaValidationError``,
``APIResponseValidationError`` (a broken answer is an ``UpstreamError``), ``RejectedRequestError``.
"""

from __future__ import annotations

from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
    UnsupportedParamsError,
    UpstreamError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContentPolicyViolationError",
    "ContextWindowExceededError",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "Timeout",
    "UnsupportedParamsError",
    "UpstreamError",
]

#: LiteLLM's older name for a 400 (kept by LiteLLM for code written against openai<1).
InvalidRequestError = BadRequestError
