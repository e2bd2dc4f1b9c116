"""Errors of the Responses API that are the caller's, raised before anything is sent."""

from __future__ import annotations

import warnings

from ..errors import BadRequestError, DroppedParamWarning, NotFoundError, UnsupportedParamsError

__all__ = ["ResponseNotFoundError", "bad_item", "unsupported"]


class ResponseNotFoundError(NotFoundError):
    """No stored response has that id (or the caller may not read it): OpenAI's 404."""

    def __init__(self, response_id: str, *, param: str | None = None) -> None:
        super().__init__(
            f"Response with id '{response_id[:100]}' not found.",
            status_code=404,
            param=param,
            code="response_not_found",
        )


def bad_item(message: str, param: str) -> BadRequestError:
    return BadRequestError(message, param=param, code="invalid_value", status_code=400)


def unsupported(param: str, detail: str, *, model: str, drop: bool) -> None:
    """Raise :class:`UnsupportedParamsError` for ``param``, or warn (``DroppedParamWarning``) when ``drop``."""
    message = f"{model} does not support parameter {param!r} ({detail})"
    if not drop:
        raise UnsupportedParamsError(
            message + "; pass drop_params=True to drop it with a warning",
            model=model,
            param=param,
            code="unsupported_parameter",
            status_code=400,
        )
    warnings.warn(message + "; dropped because drop_params=True", DroppedParamWarning, stacklevel=4)
