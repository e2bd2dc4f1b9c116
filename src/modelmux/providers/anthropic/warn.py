"""A setting honoured only in part: recorded on the call and warned about, never dropped silently."""

from __future__ import annotations

import logging
import warnings

from ...errors import ModelmuxWarning
from .._base import CallContext

__all__ = ["warn"]

logger = logging.getLogger("modelmux")


def warn(ctx: CallContext, message: str) -> None:
    """Record ``message`` in ``ctx.warnings``, emit it as a :class:`ModelmuxWarning` and log it."""
    message = f"{ctx.provider}: {message}"
    ctx.warnings.append(message)
    warnings.warn(message, ModelmuxWarning, stacklevel=2)
    logger.warning(message)
