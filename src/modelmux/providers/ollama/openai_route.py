"""Ollama's OpenAI-compatible route (``{host}/v1``), spoken by the OpenAI dialect itself.

docs.ollama.com/api/openai-compatibility, "Supported request fields": ``max_tokens``, ``stream_options``;
reasoning comes as ``reasoning``, and an assistant message's ``reasoning`` is read back (Ollama's Message type
carries it into the model's thinking).
"""

from __future__ import annotations

from ..compatible import VENDORS
from ..openai import OpenAIProvider
from .settings import DEFAULT_API_BASE

__all__ = ["OPENAI_ROUTE"]

OPENAI_ROUTE = OpenAIProvider(
    "ollama",
    f"{DEFAULT_API_BASE}/v1",
    ("OLLAMA_API_KEY",),
    (),
    requires_api_key=False,
    profile=VENDORS["ollama"].profile,  # the compatible table's row documents the route's quirks
)
