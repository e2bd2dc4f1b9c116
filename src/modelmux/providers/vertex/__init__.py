"""Google Vertex AI: Gemini (``generateContent``) and Claude (``rawPredict``) models on a Google Cloud project."""

from __future__ import annotations

from .provider import VertexProvider

__all__ = ["VertexProvider", "provider"]

provider = VertexProvider()
