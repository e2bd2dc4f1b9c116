"""Mistral: the OpenAI dialect with Mistral's own profile, request schema and errors."""

from .provider import MISTRAL, MistralProvider, provider

__all__ = ["MISTRAL", "MistralProvider", "provider"]
