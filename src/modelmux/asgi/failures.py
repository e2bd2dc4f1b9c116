"""The answer for a failure of the gateway itself: logged in full, told to the client as an opaque 500."""

from __future__ import annotations

import logging
import secrets

from .errors import HTTPError

__all__ = ["internal_error"]

_log = logging.getLogger("modelmux.asgi")


def internal_error(exc: BaseException) -> HTTPError:
    """A 500 with an id that finds the traceback in the log; nothing of the exception reaches the client."""
    incident = secrets.token_hex(6)
    _log.error("internal error %s", incident, exc_info=(type(exc), exc, exc.__traceback__))
    return HTTPError(500, f"The gateway failed to handle the request (incident {incident}).", code="internal_error")
