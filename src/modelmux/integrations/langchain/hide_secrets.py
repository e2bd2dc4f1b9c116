"""Credentials among a LangChain model's options kept as ``SecretStr``: never in reprs, dumps, traces or logs.

LangChain prints a model's fields in ``repr`` and sends its parameters to tracers (``_identifying_params``). A
provider option named like a credential (``aws_secret_access_key``, ``aws_session_token``, ``vertex_credentials``...)
and every ``extra_headers`` value (an ``Authorization`` header) are wrapped, and unwrapped only for the call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

__all__ = ["hide_secret_options", "is_secret_name", "reveal"]

_SECRET_NAME = re.compile(r"key|secret|token\b|password|credential", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """A credential-like option name (``max_tokens`` and the like are not)."""
    return bool(_SECRET_NAME.search(name))


def hide_secret_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the string values of credential-like names as ``SecretStr``."""
    return {k: SecretStr(v) if isinstance(v, str) and is_secret_name(k) else v for k, v in options.items()}


def reveal(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every ``SecretStr`` value unwrapped, for the call itself."""
    return {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in options.items()}
