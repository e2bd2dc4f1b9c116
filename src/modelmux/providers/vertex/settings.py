"""Where a Vertex AI call goes: project, location and API version, resolved once (argument > environment > default).

Pure: the environment is passed in as a mapping. Environment variables are the ones Google's SDKs read
(``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_CLOUD_LOCATION``) and LiteLLM's (``VERTEXAI_PROJECT``, ``VERTEXAI_LOCATION``).

Decisions:

* The default location is ``global``, as google-genai's when none is set: the global endpoint serves every
  current Gemini model with the best availability. Regional-only models (older Claude versions, some
  embedding models) need ``vertex_location=`` or ``GOOGLE_CLOUD_LOCATION``.
* The default API version is ``v1`` (GA). ``api_version="v1beta1"`` (what google-genai sends) reaches
  preview-only fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._option_env import option_or_env

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_LOCATION", "LOCATION_ENV", "PROJECT_ENV", "VertexSettings", "resolve"]

PROJECT_ENV = ("VERTEXAI_PROJECT", "VERTEX_PROJECT", "GOOGLE_CLOUD_PROJECT")
LOCATION_ENV = ("VERTEXAI_LOCATION", "VERTEX_LOCATION", "GOOGLE_CLOUD_LOCATION")
DEFAULT_LOCATION = "global"
DEFAULT_API_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class VertexSettings:
    project: str | None
    location: str
    api_version: str


def resolve(options: Mapping[str, Any], environ: Mapping[str, str]) -> VertexSettings:
    """The settings of one call from its ``ctx.options`` and the environment."""
    return VertexSettings(
        project=option_or_env(options, "vertex_project", environ, PROJECT_ENV),
        location=option_or_env(options, "vertex_location", environ, LOCATION_ENV) or DEFAULT_LOCATION,
        api_version=str(options.get("api_version") or DEFAULT_API_VERSION).strip("/"),
    )
