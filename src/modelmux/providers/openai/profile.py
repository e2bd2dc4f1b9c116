"""What an OpenAI-format server accepts and how it answers: one frozen row of flags per vendor.

OpenAI's own row is :data:`OPENAI`; the compatible vendors' rows live in ``providers/compatible.py``, each
flag with the vendor doc it comes from. The translation functions read these flags; none branch on a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ALL_TOOL_CHOICES", "OPENAI", "MaxTokensField", "Profile", "ReasoningBack", "ReasoningField"]

#: The request field that caps the answer's length.
MaxTokensField = Literal["max_completion_tokens", "max_tokens"]
#: Where the server puts reasoning text on a message or delta: a ``reasoning_content`` or ``reasoning``
#: string, or ``thinking`` chunks of a list ``content`` (Mistral). All are read as our ``reasoning_content``,
#: whatever the row says (servers change spelling between versions); the row documents the server. Only
#: ``think_tags`` (a leading ``<think>...</think>`` in the text, see ``split_think_tags``) is acted on.
ReasoningField = Literal["reasoning_content", "reasoning", "content_chunks", "think_tags"]
#: What happens to an assistant turn's ``reasoning_content`` when the history is sent back: ``drop`` it;
#: keep it as ``reasoning_content`` on every assistant turn, or only on the turns of a user turn in which the
#: model called tools (``tool_turns``, DeepSeek's rule); rename it to ``reasoning``; or put it back as Mistral
#: ``thinking`` content chunks before the text (``thinking_chunks``), or as ``<think>...</think>`` before it
#: (``think_tags``, for servers that want their inline thinking back as they wrote it).
ReasoningBack = Literal["drop", "reasoning_content", "tool_turns", "reasoning", "thinking_chunks", "think_tags"]
#: The forms of ``tool_choice``: the strings ``none``/``auto``/``required``, and ``named`` for
#: ``{"type": "function", "function": {"name": ...}}``.
ALL_TOOL_CHOICES = frozenset({"none", "auto", "required", "named"})


@dataclass(frozen=True, slots=True)
class Profile:
    """The quirks of one OpenAI-format server (defaults: OpenAI's own behaviour)."""

    #: ``max_completion_tokens`` (OpenAI; ``max_tokens`` is deprecated and refused by reasoning models) or
    #: ``max_tokens`` (servers that only know the older name); the other one is renamed to it.
    max_tokens_field: MaxTokensField = "max_completion_tokens"
    #: Whether the request may carry ``stream_options``. When not, it is left out; such servers send usage
    #: unasked (Mistral: on the last chunk), and it is passed on where it comes.
    stream_options: bool = True
    reasoning_field: ReasoningField = "reasoning_content"
    reasoning_back: ReasoningBack = "drop"
    #: Whether an assistant message may carry ``refusal``; when not, a refusal-only turn is sent as its text.
    refusal: bool = True
    #: Whether ``tools`` may hold OpenAI ``custom`` (free-form / grammar) tools.
    custom_tools: bool = True
    #: Tool-call ids the server accepts in the history: ``any`` string, or ``alnum9`` (exactly nine ASCII
    #: letters and digits, Mistral); other ids (from another provider, or written by hand) are mapped to one
    #: derived from them, the same for a call and its result on every request.
    tool_call_ids: Literal["any", "alnum9"] = "any"
    #: Whether the server takes the ``developer`` role (OpenAI's newer name for ``system``); when not, such
    #: messages go as ``system`` ones, which every chat server knows.
    developer_role: bool = True
    #: Whether the server takes ``tools`` at all (Perplexity's Sonar does not); when not, ``tools`` and
    #: ``tool_choice`` are reported unsupported.
    tools: bool = True
    #: The ``tool_choice`` forms the server takes (see :data:`ALL_TOOL_CHOICES`); others are reported.
    tool_choices: frozenset[str] = ALL_TOOL_CHOICES
    #: Whether answers carry Perplexity's top-level ``citations`` (URLs) / ``search_results`` (title, url):
    #: they become ``url_citation`` annotations on the message, one per ``[n]`` marker in the text.
    citations: bool = False


#: OpenAI Chat Completions (platform.openai.com/docs/api-reference/chat/create): ``max_completion_tokens``,
#: ``stream_options.include_usage``, custom tools; assistant input messages take ``content``, ``refusal``,
#: ``tool_calls``, ``audio``, ``name`` — no reasoning field (reasoning stays server-side), so ours is dropped.
OPENAI = Profile()
