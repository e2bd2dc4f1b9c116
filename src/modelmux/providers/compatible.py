"""OpenAI-compatible vendors: the OpenAI dialect at another address. A vendor is a table row.

Bases and key variables from each vendor's OpenAI-compatibility docs.
"""

from __future__ import annotations

from .openai import OpenAIProvider

#: name → (default api_base, api key variables, needs a key, understands max_completion_tokens)
VENDORS: dict[str, tuple[str, tuple[str, ...], bool, bool]] = {
    "groq": ("https://api.groq.com/openai/v1", ("GROQ_API_KEY",), True, True),
    "mistral": ("https://api.mistral.ai/v1", ("MISTRAL_API_KEY",), True, False),
    "deepseek": ("https://api.deepseek.com/v1", ("DEEPSEEK_API_KEY",), True, False),
    "openrouter": ("https://openrouter.ai/api/v1", ("OPENROUTER_API_KEY",), True, True),
    "together_ai": ("https://api.together.xyz/v1", ("TOGETHER_API_KEY", "TOGETHERAI_API_KEY"), True, False),
    "fireworks_ai": ("https://api.fireworks.ai/inference/v1", ("FIREWORKS_API_KEY",), True, False),
    "xai": ("https://api.x.ai/v1", ("XAI_API_KEY",), True, True),
    "ollama": ("http://localhost:11434/v1", ("OLLAMA_API_KEY",), False, False),
    "hosted_vllm": ("http://localhost:8000/v1", ("HOSTED_VLLM_API_KEY",), False, False),
}


def _make(name: str) -> OpenAIProvider:
    base, keys, needs_key, mct = VENDORS[name]
    env_prefix = name.upper()
    return OpenAIProvider(
        name,
        base,
        keys,
        (f"{env_prefix}_API_BASE",),
        requires_api_key=needs_key,
        max_tokens_as_max_completion_tokens=mct,
    )


groq = _make("groq")
mistral = _make("mistral")
deepseek = _make("deepseek")
openrouter = _make("openrouter")
together_ai = _make("together_ai")
fireworks_ai = _make("fireworks_ai")
xai = _make("xai")
ollama = _make("ollama")
hosted_vllm = _make("hosted_vllm")
