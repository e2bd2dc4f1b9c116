"""Azure OpenAI call settings resolved once (argument > environment): the API version, which picks the route.

The variables are the ones the OpenAI SDK's ``AzureOpenAI`` client and LiteLLM read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._option_env import option_or_env

__all__ = ["API_VERSION_ENV", "resolve_api_version"]

API_VERSION_ENV = ("AZURE_OPENAI_API_VERSION", "AZURE_API_VERSION", "OPENAI_API_VERSION")


def resolve_api_version(options: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """The ``api_version`` argument, else the first variable set, else None (the v1 route)."""
    return option_or_env(options, "api_version", environ, API_VERSION_ENV)
