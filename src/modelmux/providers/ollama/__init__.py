"""Ollama's native API (``ollama/<model>``, alias ``ollama_chat/<model>``): chat, generate, embeddings."""

from .provider import OllamaProvider

provider = OllamaProvider()

__all__ = ["OllamaProvider", "provider"]
