"""Credentials among a LangChain model's options kept as ``SecretStr``: never in reprs, dumps, traces or logs.

LangChain prints a model's fields in ``repr`` and sends its parameters to tracers (``_identifying_params``). A
provider option named like a credential (``aws_secret_access_key``, ``aws_session_token``, ``vertex_credentials``...,
a string or a service-account dict) and every ``extra_headers`` value (an ``Authorization`` header) are wrapped,
and unwrapped only for the call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Secret, SecretStr

__all__ = ["hide_secret_options", "is_secret_name", "reveal"]

_SECRET_NAME = re.compile(r"key|secret|token\b|password|credential", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """A credential-like option name (``max_tokens`` and the like are not)."""
    return bool(_SECRET_NAME.search(name))


def _hidden(value: Any) -> Any:
    if isinstance(value, (SecretStr, Secret)) or value is None:
        return value
    # A string as SecretStr; anything else (a service-account dict, a credentials object) as Secret, kept as it is.
    return SecretStr(value) if isinstance(value, str) else Secret(value)


def hide_secret_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the values of credential-like names as ``SecretStr`` (strings) or ``Secret`` (any other)."""
    return {k: _hidden(v) if is_secret_name(k) else v for k, v in options.items()}


def reveal(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every ``SecretStr`` / ``Secret`` value unwrapped, for the call itself."""
    return {k: v.get_secret_value() if isinstance(v, (SecretStr, Secret)) else v for k, v in options.items()}
