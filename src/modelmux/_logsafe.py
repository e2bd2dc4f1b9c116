"""No credential in httpx's or httpcore's log lines.

httpcore logs response headers at DEBUG (``receive_response_headers.complete return_value=...``), so an upstream
that echoes the key in a header would put it in the application's logs. A filter on those loggers redacts the
secrets of the call in progress (a context variable set by ``_call`` around sending) and anything key-shaped
(``errors.redact``). It costs nothing unless those loggers are enabled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import redact

__all__ = ["install_log_filter", "secrets_scope"]

_secrets: ContextVar[tuple[str, ...]] = ContextVar("modelmux_secrets", default=())

#: Filters apply to the logger a record is created on, not to its parents: every logger httpx/httpcore use.
_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


@contextmanager
def secrets_scope(secrets: tuple[str, ...]) -> Iterator[None]:
    """Log lines of httpx/httpcore emitted inside the block have these values redacted."""
    token = _secrets.set(secrets)
    try:
        yield
    finally:
        _secrets.reset(token)


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, _secrets.get())
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactSecrets()


def install_log_filter() -> None:
    """Idempotent: add the filter to httpx's and httpcore's loggers."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
