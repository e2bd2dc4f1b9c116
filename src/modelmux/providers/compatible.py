"""OpenAI-compatible vendors: the OpenAI dialect at another address. A vendor is a table row.

Each row is the vendor's base URL and key variables (from its OpenAI-compatibility docs) and its
:class:`~modelmux.providers.openai.Profile`: the flags below, each with the doc it comes from.
Defaults common to all rows, unless a row says otherwise:

* ``refusal=False``: no vendor documents ``refusal`` on an input assistant message (strict servers such as
  Groq and Mistral reject unknown message properties), so a refusal-only turn goes back as its text.
* ``custom_tools=False``: OpenAI ``custom`` tools are OpenAI's own (platform.openai.com, "Function calling",
  custom tools); no vendor here documents them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .openai import OpenAIProvider, Profile

__all__ = ["VENDORS", "Vendor"]


@dataclass(frozen=True, slots=True)
class Vendor:
    """One OpenAI-compatible vendor."""

    api_base: str
    api_key_env: tuple[str, ...]
    profile: Profile
    requires_api_key: bool = True


#: What every row shares (see above); rows ``replace`` the rest.
_COMPATIBLE = Profile(refusal=False, custom_tools=False)


VENDORS: dict[str, Vendor] = {
    # console.groq.com/docs/api-reference#chat-create: max_completion_tokens (max_tokens deprecated),
    # stream_options.include_usage. console.groq.com/docs/reasoning: reasoning_format "parsed" puts it in
    # message.reasoning; no input field takes it back (an assistant reasoning_content is a 400
    # "property 'reasoning_content' is unsupported"), so it is dropped.
    "groq": Vendor(
        "https://api.groq.com/openai/v1",
        ("GROQ_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning", reasoning_back="drop"),
    ),
    # docs.mistral.ai/api (chat completion): max_tokens, no stream_options (unknown fields are rejected;
    # usage comes in the last chunk anyway). docs.mistral.ai "Reasoning": reasoning comes as a "thinking"
    # chunk of a list content, and goes back the same way in the assistant's content. Tool-call ids in the
    # history must be nine letters and digits (mistral-common "Tool calling"; a 400 "Tool call id was ...
    # but must be a-z, A-Z, 0-9, with a length of 9" otherwise).
    "mistral": Vendor(
        "https://api.mistral.ai/v1",
        ("MISTRAL_API_KEY",),
        replace(
            _COMPATIBLE,
            max_tokens_field="max_tokens",
            stream_options=False,
            reasoning_field="content_chunks",
            reasoning_back="thinking_chunks",
            tool_call_ids="alnum9",
        ),
    ),
    # api-docs.deepseek.com/api/create-chat-completion: max_tokens, stream_options.include_usage.
    # api-docs.deepseek.com/guides/thinking_mode: reasoning_content on output; between two user messages in
    # which the model called tools, every assistant reasoning_content must be sent back (else 400); in other
    # turns it is ignored, so it is left out there.
    "deepseek": Vendor(
        "https://api.deepseek.com/v1",
        ("DEEPSEEK_API_KEY",),
        replace(
            _COMPATIBLE, max_tokens_field="max_tokens", reasoning_field="reasoning_content", reasoning_back="tool_turns"
        ),
    ),
    # openrouter.ai/docs/api-reference/parameters: max_completion_tokens / max_tokens, stream_options.
    # openrouter.ai/docs/use-cases/reasoning-tokens: message.reasoning (+ reasoning_details); "Preserving
    # reasoning": send them back on the assistant message (reasoning_details, kept as an extra field of our
    # answers, goes back untouched).
    "openrouter": Vendor(
        "https://openrouter.ai/api/v1",
        ("OPENROUTER_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning", reasoning_back="reasoning"),
    ),
    # docs.together.ai/reference/chat-completions: max_tokens, stream_options. docs.together.ai "Reasoning":
    # reasoning models answer with a separate reasoning field; none is documented on input messages.
    "together_ai": Vendor(
        "https://api.together.xyz/v1",
        ("TOGETHER_API_KEY", "TOGETHERAI_API_KEY"),
        replace(_COMPATIBLE, max_tokens_field="max_tokens", reasoning_field="reasoning", reasoning_back="drop"),
    ),
    # docs.fireworks.ai/api-reference/post-chatcompletions: max_tokens, stream_options. docs.fireworks.ai
    # "Reasoning": reasoning_content on output; no input field for it.
    "fireworks_ai": Vendor(
        "https://api.fireworks.ai/inference/v1",
        ("FIREWORKS_API_KEY",),
        replace(_COMPATIBLE, max_tokens_field="max_tokens", reasoning_field="reasoning_content", reasoning_back="drop"),
    ),
    # docs.x.ai/docs/api-reference#chat-completions: max_completion_tokens, stream_options. docs.x.ai
    # "Reasoning": reasoning_content (grok-3-mini); "Troubleshooting reasoning": reasoning goes back only as
    # the Responses API's encrypted reasoning items, Chat Completions takes none.
    "xai": Vendor(
        "https://api.x.ai/v1",
        ("XAI_API_KEY",),
        replace(_COMPATIBLE, reasoning_field="reasoning_content", reasoning_back="drop"),
    ),
    # docs.ollama.com/api/openai-compatibility, "Supported request fields": max_tokens, stream_options;
    # reasoning comes as `reasoning`, and an assistant message's `reasoning` is read back (its Message type
    # carries it into the model's thinking).
    "ollama": Vendor(
        "http://localhost:11434/v1",
        ("OLLAMA_API_KEY",),
        replace(_COMPATIBLE, max_tokens_field="max_tokens", reasoning_field="reasoning", reasoning_back="reasoning"),
        requires_api_key=False,
    ),
    # docs.vllm.ai "OpenAI-compatible server": max_tokens (older servers know no max_completion_tokens),
    # stream_options. docs.vllm.ai "Reasoning outputs": `reasoning` (was `reasoning_content` before 0.11);
    # an assistant reasoning_content is read back by both old and new servers (new ones copy it to
    # `reasoning`) for chat templates that render earlier thinking.
    "hosted_vllm": Vendor(
        "http://localhost:8000/v1",
        ("HOSTED_VLLM_API_KEY",),
        replace(
            _COMPATIBLE, max_tokens_field="max_tokens", reasoning_field="reasoning", reasoning_back="reasoning_content"
        ),
        requires_api_key=False,
    ),
}


def _make(name: str) -> OpenAIProvider:
    row = VENDORS[name]
    return OpenAIProvider(
        name,
        row.api_base,
        row.api_key_env,
        (f"{name.upper()}_API_BASE",),
        requires_api_key=row.requires_api_key,
        profile=row.profile,
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
