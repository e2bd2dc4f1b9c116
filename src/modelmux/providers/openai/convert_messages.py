"""The conversation as an OpenAI-format server takes it back: our output-only fields reshaped per :class:`Profile`.

Our answers carry ``reasoning_content`` (and, from Anthropic, ``thinking_blocks``); a caller sends those
messages back as they came. Each server wants its reasoning back in its own way (``Profile.reasoning_back``)
or not at all, and some refuse an assistant ``refusal``. Nothing else in a message is touched, the order is
kept, and the caller's list and dicts are never mutated.
"""

from __future__ import annotations

from typing import Any

from .profile import Profile

__all__ = ["convert_messages"]

#: Fields modelmux adds to assistant messages on output; no OpenAI-format server takes them as they are.
_OUTPUT_ONLY = ("reasoning_content", "thinking_blocks")


def convert_messages(messages: list[dict[str, Any]], profile: Profile) -> list[dict[str, Any]]:
    """``messages`` as ``profile``'s server accepts them (the same list when nothing needs to change)."""
    keep = _turns_keeping_reasoning(messages) if profile.reasoning_back == "tool_turns" else None
    out: list[dict[str, Any]] | None = None
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        converted = _assistant(message, profile, keep is None or i in keep)
        if converted is not message:
            if out is None:
                out = list(messages)
            out[i] = converted
    return messages if out is None else out


def _turns_keeping_reasoning(messages: list[dict[str, Any]]) -> set[int]:
    """Positions of the assistant messages whose reasoning DeepSeek needs back: every assistant message of a
    user turn (the messages between two user messages) in which the model called a tool."""
    keep: set[int] = set()
    turn: list[int] = []
    called = False
    for i, message in enumerate([*messages, {"role": "user"}]):
        role = message.get("role")
        if role == "user":
            if called:
                keep.update(turn)
            turn, called = [], False
        elif role == "assistant":
            turn.append(i)
            called = called or bool(message.get("tool_calls") or message.get("function_call"))
    return keep


def _assistant(message: dict[str, Any], profile: Profile, keep_reasoning: bool) -> dict[str, Any]:
    refusal_as_text = not profile.refusal and "refusal" in message
    if not refusal_as_text and not any(k in message for k in _OUTPUT_ONLY):
        return message
    out = {k: v for k, v in message.items() if k not in _OUTPUT_ONLY}
    if refusal_as_text:
        refusal = out.pop("refusal")
        # A refusal-only turn stays a turn: its text becomes the content (the server has no refusal field).
        # OpenAI never sends both; when a caller did, the content already says it.
        if refusal and not out.get("content"):
            out["content"] = refusal
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and keep_reasoning:
        _put_reasoning_back(out, reasoning, profile)
    return out


def _put_reasoning_back(out: dict[str, Any], reasoning: str, profile: Profile) -> None:
    how = profile.reasoning_back
    if how in ("reasoning_content", "tool_turns"):
        # Even empty: DeepSeek wants the field on a tool turn whether or not the model reasoned.
        out["reasoning_content"] = reasoning
    elif not reasoning:
        return
    elif how == "reasoning":
        out.setdefault("reasoning", reasoning)  # a caller's own ``reasoning`` wins
    elif how == "thinking_chunks":
        content = out.get("content")
        parts: list[Any] = [{"type": "thinking", "thinking": [{"type": "text", "text": reasoning}]}]
        if isinstance(content, str) and content:
            parts.append({"type": "text", "text": content})
        elif isinstance(content, list):
            parts.extend(content)
        out["content"] = parts
