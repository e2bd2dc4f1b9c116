"""Anthropic Messages API provider."""

from .provider import AnthropicProvider

__all__ = ["AnthropicProvider", "provider"]

provider = AnthropicProvider()
