"""Azure OpenAI endpoint URLs (pure).

Two route families (https://learn.microsoft.com/azure/ai-foundry/openai/reference and
https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle):

* the deployment route, ``{endpoint}/openai/deployments/{deployment}/{operation}?api-version={version}``, when an
  ``api_version`` is given (a dated version such as ``2024-10-21``);
* the v1 route, ``{endpoint}/openai/v1/{operation}`` with the deployment as the body's ``model``, otherwise (it
  needs no version; ``api_version="preview"`` / ``"latest"`` are sent as ``?api-version=`` on it, and ``"v1"``
  names the route itself).

``api_base`` is the resource endpoint (``https://{resource}.openai.azure.com``); one that already ends in
``/openai`` or ``/openai/v1`` is not given those segments twice.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

__all__ = ["V1_VERSIONS", "azure_url", "uses_v1_route"]

#: ``api_version`` values that mean the v1 route (the others are dated versions of the deployment route).
V1_VERSIONS = frozenset({"v1", "preview", "latest"})


def uses_v1_route(api_version: str | None) -> bool:
    return api_version is None or api_version in V1_VERSIONS


def _resource(api_base: str) -> str:
    base = api_base.rstrip("/")
    for suffix in ("/openai/v1", "/openai"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def azure_url(api_base: str, deployment: str, operation: str, api_version: str | None) -> str:
    """The URL of ``operation`` (``/chat/completions``, ``/embeddings``…) for this deployment."""
    base = _resource(api_base)
    if uses_v1_route(api_version):
        query = f"?{urlencode({'api-version': api_version})}" if api_version in ("preview", "latest") else ""
        return f"{base}/openai/v1{operation}{query}"
    return (
        f"{base}/openai/deployments/{quote(deployment, safe='')}{operation}?{urlencode({'api-version': api_version})}"
    )
