"""Vendor spellings of an answer's message (or stream delta) → ours.

* reasoning text in ``reasoning`` (Groq ``reasoning_format: parsed``, OpenRouter, Ollama, Together, vLLM ≥ 0.11)
  instead of ``reasoning_content`` (DeepSeek, xAI, Fireworks, older vLLM) → ``reasoning_content``;
* ``content`` as a list of typed chunks (Mistral: ``{"type": "text", "text"}`` and
  ``{"type": "thinking", "thinking": [{"type": "text", "text"}]}``, docs.mistral.ai "Reasoning"; Databricks:
  ``{"type": "reasoning", "summary": [{"type": "summary_text", "text"}]}``, docs.databricks.com "Query reasoning
  models") → the text as ``content`` and the thinking as ``reasoning_content``.

Both accepted whatever the profile says, since the same server changes spelling between versions and a
server reached as ``openai/`` with ``api_base`` has no profile of its own.
"""

from __future__ import annotations

from typing import Any

__all__ = ["convert_content_chunks", "move_reasoning"]


def move_reasoning(obj: Any) -> None:
    """On a validated message or delta: an extra ``reasoning`` string becomes ``reasoning_content``."""
    extra = obj.__pydantic_extra__
    if not extra:
        return
    reasoning = extra.get("reasoning")
    if isinstance(reasoning, str) and obj.reasoning_content in (None, reasoning):
        del extra["reasoning"]
        obj.reasoning_content = reasoning


def convert_content_chunks(message: dict[str, Any]) -> None:
    """On a raw message or delta dict: list ``content`` → text ``content`` + ``reasoning_content``, in place."""
    content = message.get("content")
    if not isinstance(content, list):
        return
    text: list[str] = []
    thinking: list[str] = []
    others: list[Any] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            text.append(part["text"])
        elif kind == "thinking":
            thinking.extend(_texts(part.get("thinking")))
        elif kind == "reasoning" and isinstance(part.get("summary"), list):
            thinking.extend(_texts(part["summary"]))
        else:
            others.append(part)
    message["content"] = "".join(text) if text or not thinking else None
    if thinking:
        message["reasoning_content"] = (message.get("reasoning_content") or "") + "".join(thinking)
    if others:
        # Chunks with no OpenAI field (e.g. Mistral ``reference``): kept, not dropped.
        message["content_parts"] = others


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [p["text"] for p in value if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return []
