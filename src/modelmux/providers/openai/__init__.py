"""The OpenAI chat-completions dialect: the identity translation, and the base of compatible vendors."""

from .provider import OpenAIProvider

provider = OpenAIProvider()

__all__ = ["OpenAIProvider", "provider"]
