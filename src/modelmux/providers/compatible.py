"""OpenAI-compatible vendors: the OpenAI dialect at another address. A vendor is a table row.

Each row is the vendor's base URL and key variables (from its OpenAI-compatibility docs) and its
:class:`~modelmux.providers.openai.Profile`: the flags below, each with the doc it comes from.
Defaults common to all rows, unless a row says otherwise:

* ``refusal=False``: no vendor documents ``refusal`` on an input assistant message (strict servers such as
  Groq reject unknown message properties), so a refusal-only turn goes back as its text.
* ``custom_tools=False``: OpenAI ``custom`` tools are OpenAI's own (platform.openai.com, "Function calling",
  custom tools); no vendor here documents them.
* ``developer_role=False``: ``developer`` is OpenAI's newer name for ``system``; the vendors document
  ``system``/``user``/``assistant``/``tool`` only, so it goes as ``system``.

Mistral has quirks beyond flags (its request schema and 422 errors): it is ``providers/mistral``, with its own
profile on this dialect. Base URL resolution: argument > the row's ``api_base_env`` > its default; a row with
no default (a per-workspace or self-hosted server) needs one of the first two.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from ._base import OPENAI_PARAMS
from .compatible_rows import LONG_TAIL
from .compatible_vendor import COMPATIBLE as _COMPATIBLE
from .compatible_vendor import MAX_TOKENS as _MAX_TOKENS
from .compatible_vendor import Vendor
from .openai import OpenAIProvider

__all__ = ["VENDORS", "CompatibleProvider", "Vendor"]


VENDORS: dict[str, Vendor] = {
    # console.groq.com/docs/api-reference#chat-create: max_completion_tokens (max_tokens deprecated),
    # stream_options.include_usage. console.groq.com/docs/reasoning: reasoning_format "parsed" puts it in
    # message.reasoning; no input field takes it back (an assistant reasoning_content is a 400
    # "property 'reasoning_content' is unsupported"), so it is dropped.
    "groq": Vendor(
        "https://api.groq.com/openai/v1",
        ("GROQ_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning", reasoning_back="drop"),
        native_params=frozenset({"reasoning_format", "include_reasoning"}),
    ),
    # api-docs.deepseek.com/api/create-chat-completion: max_tokens, stream_options.include_usage.
    # api-docs.deepseek.com/guides/thinking_mode: reasoning_content on output; between two user messages in
    # which the model called tools, every assistant reasoning_content must be sent back (else 400); in other
    # turns it is ignored, so it is left out there.
    "deepseek": Vendor(
        "https://api.deepseek.com/v1",
        ("DEEPSEEK_API_KEY",),
        replace(_MAX_TOKENS, reasoning_field="reasoning_content", reasoning_back="tool_turns"),
        native_params=frozenset({"thinking"}),
    ),
    # openrouter.ai/docs/api-reference/parameters: max_completion_tokens / max_tokens, stream_options.
    # openrouter.ai/docs/use-cases/reasoning-tokens: message.reasoning (+ reasoning_details); "Preserving
    # reasoning": send them back on the assistant message (reasoning_details, kept as an extra field of our
    # answers, goes back untouched). OpenRouter passes ``developer`` on to the models that know it.
    "openrouter": Vendor(
        "https://openrouter.ai/api/v1",
        ("OPENROUTER_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning", reasoning_back="reasoning", developer_role=True),
        native_params=frozenset(
            {"reasoning", "include_reasoning", "provider", "models", "route", "transforms", "top_k", "min_p", "top_a"}
        ),
    ),
    # docs.together.ai/reference/chat-completions: max_tokens, stream_options. docs.together.ai "Reasoning":
    # reasoning models answer with a separate reasoning field; none is documented on input messages.
    "together_ai": Vendor(
        "https://api.together.xyz/v1",
        ("TOGETHER_API_KEY", "TOGETHERAI_API_KEY"),
        replace(_MAX_TOKENS, reasoning_field="reasoning", reasoning_back="drop"),
        native_params=frozenset({"top_k", "min_p", "repetition_penalty", "reasoning"}),
    ),
    # docs.fireworks.ai/api-reference/post-chatcompletions: max_tokens, stream_options. docs.fireworks.ai
    # "Reasoning": reasoning_content on output; no input field for it.
    "fireworks_ai": Vendor(
        "https://api.fireworks.ai/inference/v1",
        ("FIREWORKS_API_KEY",),
        replace(_MAX_TOKENS, reasoning_field="reasoning_content", reasoning_back="drop"),
        native_params=frozenset({"top_k", "min_p", "repetition_penalty", "reasoning_history"}),
    ),
    # docs.x.ai/docs/api-reference#chat-completions: max_completion_tokens, stream_options. docs.x.ai
    # "Reasoning": reasoning_content (grok-3-mini); "Troubleshooting reasoning": reasoning goes back only as
    # the Responses API's encrypted reasoning items, Chat Completions takes none.
    "xai": Vendor(
        "https://api.x.ai/v1",
        ("XAI_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning_content", reasoning_back="drop"),
        native_params=frozenset({"search_parameters"}),
    ),
    # docs.ollama.com/api/openai-compatibility, "Supported request fields": max_tokens, stream_options;
    # reasoning comes as `reasoning`, and an assistant message's `reasoning` is read back (its Message type
    # carries it into the model's thinking).
    "ollama": Vendor(
        "http://localhost:11434/v1",
        ("OLLAMA_API_KEY",),
        replace(_MAX_TOKENS, reasoning_field="reasoning", reasoning_back="reasoning"),
        requires_api_key=False,
    ),
    # docs.vllm.ai "OpenAI-compatible server": max_tokens (older servers know no max_completion_tokens),
    # stream_options. docs.vllm.ai "Reasoning outputs": `reasoning` (was `reasoning_content` before 0.11);
    # an assistant reasoning_content is read back by both old and new servers (new ones copy it to
    # `reasoning`) for chat templates that render earlier thinking.
    "hosted_vllm": Vendor(
        "http://localhost:8000/v1",
        ("HOSTED_VLLM_API_KEY", "VLLM_API_KEY"),
        replace(_MAX_TOKENS, reasoning_field="reasoning", reasoning_back="reasoning_content"),
        requires_api_key=False,
        api_base_env=("HOSTED_VLLM_API_BASE", "VLLM_API_BASE"),
        native_params=frozenset(
            {"top_k", "min_p", "repetition_penalty", "chat_template_kwargs", "guided_json", "guided_choice"}
        ),
    ),
    **LONG_TAIL,
}


class CompatibleProvider(OpenAIProvider):
    """An OpenAI-compatible vendor: the OpenAI provider set up from its :class:`Vendor` row."""

    native_params: ClassVar[frozenset[str]] = frozenset()
    #: Answers only, each checked (``modelmux._raw_answer``): vendors' streams are rewritten by the translator
    #: (``reasoning`` spellings, Groq's ``x_groq`` usage, tool-call indexes, finish reasons), so they are parsed.
    openai_relay: ClassVar[frozenset[str]] = frozenset({"answer"})

    def __init__(self, name: str, row: Vendor) -> None:
        super().__init__(
            name,
            row.api_base,
            row.api_key_env,
            row.api_base_env if row.api_base_env is not None else (f"{name.upper()}_API_BASE",),
            requires_api_key=row.requires_api_key,
            profile=row.profile,
            host_path=row.host_path,
        )
        self.supported_params = OPENAI_PARAMS - row.unsupported  # type: ignore[misc]
        # The row's own fields, beside those the OpenAI dialect accepts from every compatible server.
        shared: frozenset[str] = getattr(OpenAIProvider, "native_params", frozenset())
        self.native_params = shared | row.native_params  # type: ignore[misc]


#: One provider object per row, made once.
_PROVIDERS = {name: CompatibleProvider(name, row) for name, row in VENDORS.items()}


def __getattr__(name: str) -> CompatibleProvider:
    """``compatible.<vendor>``: the registry's ``modelmux.providers.compatible:<vendor>`` targets."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
