"""The shape of a row of the OpenAI-compatible vendor table (``providers/compatible.py``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .openai import Profile

__all__ = ["COMPATIBLE", "MAX_TOKENS", "Vendor"]


@dataclass(frozen=True, slots=True)
class Vendor:
    """One OpenAI-compatible vendor."""

    api_base: str
    api_key_env: tuple[str, ...]
    profile: Profile
    requires_api_key: bool = True
    #: Variables naming the base URL; by default ``<NAME>_API_BASE``.
    api_base_env: tuple[str, ...] | None = None
    #: What a bare-host ``api_base`` is completed with (``/v1``); ``""`` where the API sits at the root.
    host_path: str = "/v1"
    #: OpenAI parameters the vendor documents as rejected (reported before any request).
    unsupported: frozenset[str] = frozenset()
    #: The vendor's own body fields accepted as keyword arguments (besides ``extra_body=``).
    native_params: frozenset[str] = frozenset()


#: What every row shares (``providers/compatible.py`` says why); rows ``replace`` the rest.
COMPATIBLE = Profile(refusal=False, custom_tools=False, developer_role=False)
#: The same, for servers that only know ``max_tokens``.
MAX_TOKENS = replace(COMPATIBLE, max_tokens_field="max_tokens")
