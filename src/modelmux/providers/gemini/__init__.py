"""Google Gemini API (``generativelanguage.googleapis.com``) in the OpenAI chat-completions format."""

from __future__ import annotations

from .provider import GeminiProvider

__all__ = ["GeminiProvider", "provider"]

provider = GeminiProvider()
