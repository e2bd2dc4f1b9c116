"""A call option, else the first environment variable set: how Azure and Vertex AI resolve their settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["option_or_env"]


def option_or_env(
    options: Mapping[str, Any], option: str, environ: Mapping[str, str], names: tuple[str, ...]
) -> str | None:
    """``options[option]``, else the first of ``names`` set in ``environ`` (stripped), else ``None``."""
    value = options.get(option)
    if value:
        return str(value).strip()
    for name in names:
        if environ.get(name):
            return environ[name].strip()
    return None
