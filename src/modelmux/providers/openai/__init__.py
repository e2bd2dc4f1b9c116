"""The OpenAI chat-completions dialect: the identity translation, and the base of compatible vendors."""

from .profile import OPENAI, Profile
from .provider import OpenAIProvider

provider = OpenAIProvider()

__all__ = ["OPENAI", "OpenAIProvider", "Profile", "provider"]
