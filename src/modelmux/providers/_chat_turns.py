"""OpenAI ``messages`` → alternating native turns: the walk shared by the Claude dialects.

Anthropic's Messages API and Bedrock's Converse API take the conversation the same way (system text apart,
then strictly alternating ``user`` / ``assistant`` turns, tool results inside user turns), so they read the
OpenAI messages the same way; each provider keeps its own block shapes. Errors are made by the provider's
``bad_request`` so they carry its name.

* :func:`walk_messages` checks the list and each message and refuses legacy ``function`` and unknown roles.
* :func:`assemble_turns` merges consecutive blocks of one native role into one turn (in place: linear in the
  number of blocks), puts the blocks the provider says must lead a merged turn first (a stable partition, so
  the order is otherwise kept), drops trailing whitespace from a final assistant turn (prefill), which both
  reject, and refuses a conversation left without a turn.
* :func:`refusals_as_text` makes an assistant's ``refusal`` parts text parts (no refusal block in either).
* :func:`tool_call_input` reads an assistant ``tool_calls`` entry: id, name and the parsed JSON arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..errors import BadRequestError

__all__ = ["BadRequest", "assemble_turns", "refusals_as_text", "tool_call_input", "walk_messages"]

#: The provider's ``bad_request(message, param)``.
BadRequest = Callable[[str, str], BadRequestError]
Block = dict[str, Any]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def walk_messages(messages: Any, bad_request: BadRequest) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``(where, role, message)`` for each message, ``where`` naming it in errors (``"messages[2]"``)."""
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list", "messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, Mapping):
            raise bad_request(f"{where} must be an object", "messages")
        role = message.get("role")
        if role == "function":
            raise bad_request(
                f"{where}: legacy 'function' messages are not supported; use tools and 'tool' messages", "messages"
            )
        if role not in _ROLES:
            raise bad_request(
                f"{where}: unknown role {role!r} (expected system, developer, user, assistant or tool)", "messages"
            )
        yield where, role, message


def assemble_turns(
    messages: Iterable[tuple[str, list[Block]]],
    bad_request: BadRequest,
    *,
    leads: Callable[[str, Block], bool],
    is_text: Callable[[Block], bool],
) -> list[dict[str, Any]]:
    """The native turns for ``(native role, blocks)`` in order; see the module docstring.

    Args:
        leads: whether a block must open a merged turn of that role (tool results, thinking).
        is_text: whether a block is a text block (``{"text": ...}`` in both dialects).
    """
    turns: list[dict[str, Any]] = []
    merged: list[int] = []  # indexes of turns made of several messages
    for role, blocks in messages:
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
            if not merged or merged[-1] != len(turns) - 1:
                merged.append(len(turns) - 1)
        else:
            turns.append({"role": role, "content": blocks})
    for index in merged:
        turn = turns[index]
        content = turn["content"]
        turn["content"] = [b for b in content if leads(turn["role"], b)] + [
            b for b in content if not leads(turn["role"], b)
        ]
    _strip_prefill(turns, is_text)
    if not turns:
        raise bad_request("at least one user or assistant message with content is required", "messages")
    return turns


def _strip_prefill(turns: list[dict[str, Any]], is_text: Callable[[Block], bool]) -> None:
    """A final assistant turn may not end in whitespace."""
    if not turns or turns[-1]["role"] != "assistant":
        return
    content = turns[-1]["content"]
    while content and is_text(content[-1]):
        text = content[-1]["text"].rstrip()
        if text:
            content[-1]["text"] = text
            return
        content.pop()
    if not content:
        turns.pop()


def refusals_as_text(content: Any) -> Any:
    """An assistant ``content`` with its ``refusal`` parts as text parts (other values unchanged)."""
    if not isinstance(content, list):
        return content
    return [
        {"type": "text", "text": p.get("refusal", "")} if isinstance(p, Mapping) and p.get("type") == "refusal" else p
        for p in content
    ]


def tool_call_input(call: Any, where: str, bad_request: BadRequest) -> tuple[str, str, dict[str, Any]]:
    """``(id, name, input)`` of an OpenAI tool call; ``input`` is the parsed ``arguments`` (``{}`` when blank)."""
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        raise bad_request(f"{where} must be an object with a 'function'", "messages")
    function = call["function"]
    call_id, name = call.get("id"), function.get("name")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise bad_request(f"{where} needs a non-empty 'id' and 'function.name'", "messages")
    arguments = function.get("arguments")
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        tool_input: Any = {}
    elif isinstance(arguments, str):
        try:
            tool_input = json.loads(arguments)
        except ValueError as exc:
            raise bad_request(
                f"{where} (id {call_id!r}, function {name!r}): arguments are not valid JSON: {exc}", "messages"
            ) from None
    else:
        tool_input = arguments
    if not isinstance(tool_input, dict):
        raise bad_request(
            f"{where} (id {call_id!r}, function {name!r}): arguments must be a JSON object, "
            f"got {type(tool_input).__name__}",
            "messages",
        )
    return call_id, name, tool_input
