"""Cohere v2 (``api.cohere.com``) in the OpenAI format: chat, embeddings, rerank."""

from __future__ import annotations

from .provider import CohereProvider

__all__ = ["CohereProvider", "provider"]

provider = CohereProvider()
