"""Azure OpenAI: the OpenAI wire format on Azure's deployment and v1 routes, with Azure's auth and errors."""

from __future__ import annotations

from .provider import AzureProvider

__all__ = ["AzureProvider", "provider"]

provider = AzureProvider()
