"""The ``text-completion`` dialect: OpenAI chat over raw-prompt servers (llama.cpp, ``/v1/completions``, TGI)."""

from .provider import TextCompletionProvider, llamacpp, text_completion_openai, tgi

__all__ = ["TextCompletionProvider", "llamacpp", "text_completion_openai", "tgi"]
