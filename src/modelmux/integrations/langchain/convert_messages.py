"""LangChain messages → OpenAI-format message dicts (what ``modelmux.completion`` takes).

LangChain's own ``convert_to_openai_messages`` does the shapes (tool calls, tool results, standard and OpenAI
content blocks, images as data URLs); this adds back what an assistant turn needs to continue a conversation with a
reasoning model: ``reasoning_content`` and Anthropic's signed ``thinking_blocks``, which ``ChatModelmux`` keeps in
``additional_kwargs`` when it parses an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages

__all__ = ["convert_messages"]

#: Fields of an assistant answer kept in ``AIMessage.additional_kwargs`` and sent back as they came.
ASSISTANT_EXTRAS = ("reasoning_content", "thinking_blocks")


def convert_message(message: BaseMessage) -> dict[str, Any]:
    converted: dict[str, Any] = convert_to_openai_messages(message)
    if isinstance(message, AIMessage):
        for key in ASSISTANT_EXTRAS:
            if message.additional_kwargs.get(key):
                converted[key] = message.additional_kwargs[key]
        if converted.get("tool_calls") and converted.get("content") in ("", []):
            converted["content"] = None  # a tool-calling turn without text: no empty text block for the provider
    return converted


def convert_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    return [convert_message(m) for m in messages]
