"""Ollama's OpenAI-compatible route (``{host}/v1``), spoken by the OpenAI dialect itself.

docs.ollama.com/api/openai-compatibility, "Supported request fields": ``max_tokens``, ``stream_options``;
reasoning comes as ``reasoning``, and an assistant message's ``reasoning`` is read back (Ollama's Message type
carries it into the model's thinking).
"""

from __future__ import annotations

from ..openai import OpenAIProvider, Profile
from .settings import DEFAULT_API_BASE

__all__ = ["OPENAI_ROUTE"]

OPENAI_ROUTE = OpenAIProvider(
    "ollama",
    f"{DEFAULT_API_BASE}/v1",
    ("OLLAMA_API_KEY",),
    (),
    requires_api_key=False,
    profile=Profile(
        max_tokens_field="max_tokens",
        reasoning_field="reasoning",
        reasoning_back="reasoning",
        refusal=False,
        custom_tools=False,
    ),
)
