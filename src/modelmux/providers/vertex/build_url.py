"""Vertex AI endpoint URLs (pure).

https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest: a publisher model is reached at
``https://{location}-aiplatform.googleapis.com/{version}/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}``;
the ``global`` location has no region prefix on the host (``aiplatform.googleapis.com``). Express mode (an API
key and no project) uses the global host with neither project nor location:
``/{version}/publishers/google/models/{model}:{method}`` (https://cloud.google.com/vertex-ai/generative-ai/docs/start/express-mode/vertex-ai-express-mode-api-reference).

A caller's ``api_base`` (a proxy, a gateway, a replay server) gets the native path appended; a base whose path
already names the version (``…/v1``) or the project (``…/v1/projects/p/locations/l``, as Cloudflare's AI
gateway documents) keeps that part.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from .settings import VertexSettings

__all__ = ["host_for", "model_url"]

_VERSION = re.compile(r"/v\d+(?:(?:alpha|beta)\d*)?$")


def host_for(location: str) -> str:
    """``https://aiplatform.googleapis.com`` for ``global``, else the regional host."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def model_url(api_base: str | None, settings: VertexSettings, publisher: str, model: str, method: str) -> str:
    """The URL of ``publishers/{publisher}/models/{model}:{method}`` (``method`` may carry a query string)."""
    model_path = f"/publishers/{publisher}/models/{quote(model, safe='@.-_')}:{method}"
    base = (api_base or host_for(settings.location)).rstrip("/")
    path = urlsplit(base).path
    if "/projects/" in path:  # the base already names project and location
        return base + model_path
    if not _VERSION.search(path):
        base += f"/{settings.api_version}"
    if settings.project is None:  # express mode
        return base + model_path
    return (
        f"{base}/projects/{quote(settings.project, safe='')}/locations/{quote(settings.location, safe='')}{model_path}"
    )
