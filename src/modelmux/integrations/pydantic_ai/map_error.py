"""modelmux errors → pydantic-ai's, so its retries and ``FallbackModel`` see a provider failure as one.

A provider's error status → ``ModelHTTPError`` (status, the redacted message as body, the provider's code); no
answer (connection, timeout) → ``ModelAPIError``. The modelmux error stays as ``__cause__``. Mistakes in the call
itself (``UnsupportedParamsError``, ``UnknownParameterError``: raised before anything is sent) pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic_ai.exceptions import ModelAPIError, ModelHTTPError

from ...errors import APIConnectionError, APIStatusError, RateLimitError, UnknownParameterError, UnsupportedParamsError

__all__ = ["map_error", "mapped_errors"]


def map_error(error: BaseException, model_name: str) -> BaseException:
    """The pydantic-ai exception for ``error`` (``error`` itself when it is not a provider failure)."""
    if isinstance(error, (UnsupportedParamsError, UnknownParameterError)):
        return error
    if isinstance(error, APIStatusError) and error.status_code:
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        return ModelHTTPError(
            error.status_code,
            model_name,
            error.message,
            provider_error_code=error.code,
            provider_error_type=error.type,
            retry_after=retry_after,
        )
    if isinstance(error, APIConnectionError):
        return ModelAPIError(model_name, error.message)
    return error


@contextmanager
def mapped_errors(model_name: str) -> Iterator[None]:
    try:
        yield
    except (APIStatusError, APIConnectionError) as e:
        mapped = map_error(e, model_name)
        if mapped is e:
            raise
        raise mapped from e
