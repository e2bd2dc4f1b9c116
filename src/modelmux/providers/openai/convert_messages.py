"""The conversation as an OpenAI-format server takes it back: our output-only fields reshaped per :class:`Profile`.

Our answers carry ``reasoning_content`` (and, from Anthropic, ``thinking_blocks``); a caller sends those
messages back as they came. Each server wants its reasoning back in its own way (``Profile.reasoning_back``)
or not at all, some refuse an assistant ``refusal`` or the ``developer`` role (sent as ``system``), and Mistral
takes only its own shape of tool-call id.
Nothing else in a message is touched, the order is kept, and the caller's list and dicts are never mutated.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .profile import Profile

__all__ = ["alnum9_id", "convert_messages"]

#: Fields modelmux adds to assistant messages on output; no OpenAI-format server takes them as they are.
_OUTPUT_ONLY = ("reasoning_content", "thinking_blocks")


def convert_messages(messages: list[dict[str, Any]], profile: Profile) -> list[dict[str, Any]]:
    """``messages`` as ``profile``'s server accepts them (the same list when nothing needs to change)."""
    keep = _turns_keeping_reasoning(messages) if profile.reasoning_back == "tool_turns" else None
    alnum9 = profile.tool_call_ids == "alnum9"
    out: list[dict[str, Any]] | None = None
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "assistant":
            converted = _assistant(message, profile, keep is None or i in keep)
            if alnum9:
                converted = _assistant_call_ids(converted, message)
        elif role == "tool" and alnum9 and _needs_new_id(message.get("tool_call_id")):
            converted = {**message, "tool_call_id": alnum9_id(message["tool_call_id"])}
        elif role == "developer" and not profile.developer_role:
            converted = {**message, "role": "system"}
        else:
            continue
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
    elif how == "think_tags":
        content = out.get("content")
        if content is None or isinstance(content, str):
            text = content or ""
            if not text.lstrip().startswith("<think>"):  # not already there as the server wrote it
                out["content"] = f"<think>{reasoning}</think>\n\n{text}"
    elif how == "thinking_chunks":
        content = out.get("content")
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "thinking" for p in content):
            return  # the caller already sent the native chunks
        parts: list[Any] = [{"type": "thinking", "thinking": [{"type": "text", "text": reasoning}]}]
        if isinstance(content, str) and content:
            parts.append({"type": "text", "text": content})
        elif isinstance(content, list):
            parts.extend(content)
        out["content"] = parts


_ALNUM9 = re.compile(r"[A-Za-z0-9]{9}")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _needs_new_id(call_id: Any) -> bool:
    return isinstance(call_id, str) and _ALNUM9.fullmatch(call_id) is None


def alnum9_id(call_id: str) -> str:
    """Nine letters and digits derived from ``call_id`` (Mistral: "Tool call id ... must be a-z, A-Z, 0-9,
    with a length of 9"); a hash, so a call and its result map alike on every request, with no state."""
    number = int.from_bytes(hashlib.sha256(call_id.encode("utf-8", "surrogatepass")).digest()[:8], "big")
    chars = []
    for _ in range(9):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def _assistant_call_ids(converted: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    calls = converted.get("tool_calls")
    if not isinstance(calls, list) or not any(isinstance(c, dict) and _needs_new_id(c.get("id")) for c in calls):
        return converted
    out = dict(converted) if converted is original else converted
    out["tool_calls"] = [
        {**c, "id": alnum9_id(c["id"])} if isinstance(c, dict) and _needs_new_id(c.get("id")) else c for c in calls
    ]
    return out
