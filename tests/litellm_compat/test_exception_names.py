"""``modelmux.exceptions``: LiteLLM's names are modelmux's classes; ``llm_provider`` and ``Timeout``."""

from __future__ import annotations

import pytest

import modelmux
from modelmux import errors, exceptions

LITELLM_NAMES = [
    "APIConnectionError",
    "APIError",
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
]


@pytest.mark.parametrize("name", LITELLM_NAMES)
def test_each_name_is_a_modelmux_error_class(name: str) -> None:
    cls = getattr(exceptions, name)
    assert issubclass(cls, errors.APIError)
    assert name in exceptions.__all__


def test_statuses_match_litellms() -> None:
    assert exceptions.RateLimitError.status_code == 429
    assert exceptions.NotFoundError.status_code == 404
    assert exceptions.InternalServerError.status_code == 500
    assert exceptions.ServiceUnavailableError.status_code == 503
    assert exceptions.InvalidRequestError is exceptions.BadRequestError
    assert issubclass(exceptions.ContextWindowExceededError, exceptions.BadRequestError)
    assert issubclass(exceptions.UnsupportedParamsError, exceptions.BadRequestError)


def test_timeout_everywhere() -> None:
    assert modelmux.Timeout is exceptions.Timeout is errors.APITimeoutError
    assert issubclass(modelmux.Timeout, modelmux.APIConnectionError)


def test_llm_provider_is_provider() -> None:
    e = errors.RateLimitError("slow", provider="anthropic", model="claude")
    assert e.llm_provider == "anthropic"
    assert errors.APIError("x").llm_provider is None


def test_names_litellm_has_but_modelmux_never_raises_are_absent() -> None:
    assert not hasattr(exceptions, "BudgetExceededError")
    assert not hasattr(exceptions, "UnprocessableEntityError")
