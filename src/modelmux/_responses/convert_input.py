"""Responses ``input`` items → OpenAI chat messages (pure).

https://platform.openai.com/docs/api-reference/responses/create (``input``), item by item:

=================================  ==========================================================================
Responses item                     chat message
=================================  ==========================================================================
a string ``input``                 one ``user`` message
``message`` (``type`` optional)    a message of its role (``system`` / ``developer`` / ``user`` /
role user/system/developer         ``assistant``); parts: ``input_text`` → text, ``input_image`` → an
                                   ``image_url`` part (``detail`` kept), ``input_file`` with ``file_data``
                                   → a ``file`` part; a ``file_id`` names OpenAI's file storage: 400
``message`` role assistant         an ``assistant`` message whose text is its ``output_text`` parts (a
                                   ``refusal`` part becomes ``refusal``)
``function_call``                  a tool call on the assistant message before it (one is opened when the
                                   previous message is not an assistant's), ``call_id`` as its id
``function_call_output``           a ``tool`` message (text, or the text of its ``input_text`` parts)
``reasoning``                      the next assistant message's ``reasoning_content`` (its summary text) and
                                   ``thinking_blocks`` when they were kept (:func:`thinking_from_reasoning`)
=================================  ==========================================================================

Any other item type (built-in tool calls, ``item_reference``…) is a 400: only OpenAI can replay those.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from .errors import bad_item

__all__ = ["REASONING_PREFIX", "convert_input", "reasoning_payload", "thinking_from_reasoning"]

#: ``encrypted_content`` of the reasoning items modelmux makes from a provider's thinking blocks (Anthropic's carry
#: a signature the provider wants back): this prefix, then their JSON in base64. Other values are OpenAI's own.
REASONING_PREFIX = "modelmux:thinking:"
_ROLES = frozenset({"user", "system", "developer", "assistant"})


def reasoning_payload(blocks: list[Any]) -> str:
    """The ``encrypted_content`` that carries ``blocks`` (thinking blocks with their signatures) to the next turn."""
    return REASONING_PREFIX + base64.b64encode(json.dumps(blocks, ensure_ascii=False).encode()).decode()


def thinking_from_reasoning(item: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    payload = item.get("encrypted_content")
    if not isinstance(payload, str) or not payload.startswith(REASONING_PREFIX):
        return None
    try:
        blocks = json.loads(base64.b64decode(payload[len(REASONING_PREFIX) :], validate=True))
    except ValueError:
        return None
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else None


def _text(value: Any, at: str) -> str:
    if not isinstance(value, str):
        raise bad_item(f"'{at}' must be a string.", at)
    return value


def _image(part: Mapping[str, Any], at: str) -> dict[str, Any]:
    url = part.get("image_url")
    if not isinstance(url, str) or not url:
        if part.get("file_id") is not None:
            raise bad_item(f"'{at}.file_id': files stored at OpenAI can only be sent to OpenAI models.", at)
        raise bad_item(f"'{at}' needs an 'image_url' (a URL or a data: URL).", at)
    image: dict[str, Any] = {"url": url}
    if isinstance(part.get("detail"), str):
        image["detail"] = part["detail"]
    return {"type": "image_url", "image_url": image}


def _file(part: Mapping[str, Any], at: str) -> dict[str, Any]:
    data = part.get("file_data")
    if not isinstance(data, str) or not data:
        if part.get("file_id") is not None or part.get("file_url") is not None:
            raise bad_item(f"'{at}': only inline 'file_data' can be sent to this model (no file_id or file_url).", at)
        raise bad_item(f"'{at}' needs 'file_data'.", at)
    if not data.startswith("data:"):  # Responses takes bare base64 with a filename; chat's file parts a data: URL
        data = f"data:application/pdf;base64,{data}"
    file: dict[str, Any] = {"file_data": data}
    if isinstance(part.get("filename"), str):
        file["filename"] = part["filename"]
    return {"type": "file", "file": file}


def _parts(content: Any, at: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise bad_item(f"'{at}' must be a string or a list of content parts.", at)
    parts: list[dict[str, Any]] = []
    for j, part in enumerate(content):
        here = f"{at}[{j}]"
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": _text(part.get("text"), f"{here}.text")})
        elif kind == "input_image":
            parts.append(_image(part, here))
        elif kind == "input_file":
            parts.append(_file(part, here))
        else:
            raise bad_item(f"'{here}': a {str(kind)[:40]} content part cannot be sent to this model.", here)
    return parts


def _assistant_text(content: Any, at: str) -> tuple[str | None, str | None]:
    """An assistant message's text and refusal."""
    if isinstance(content, str):
        return content, None
    if not isinstance(content, list):
        raise bad_item(f"'{at}' must be a string or a list of content parts.", at)
    texts: list[str] = []
    refusals: list[str] = []
    for j, part in enumerate(content):
        here = f"{at}[{j}]"
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("output_text", "input_text", "text"):
            texts.append(_text(part.get("text"), f"{here}.text"))
        elif kind == "refusal":
            refusals.append(_text(part.get("refusal"), f"{here}.refusal"))
        else:
            raise bad_item(f"'{here}': an assistant message takes output_text and refusal parts.", here)
    return ("".join(texts) if texts else None), ("".join(refusals) if refusals else None)


def _tool_output(output: Any, at: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        texts = [p.get("text") for p in output if isinstance(p, Mapping) and p.get("type") in ("input_text", "text")]
        if len(texts) == len(output) and all(isinstance(t, str) for t in texts):
            return "".join(texts)  # type: ignore[arg-type]
        raise bad_item(f"'{at}': only text tool outputs can be sent to this model.", at)
    raise bad_item(f"'{at}' must be a string or a list of content parts.", at)


class _Builder:
    """Messages in order; function calls and reasoning join the assistant message they belong to."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._reasoning: list[str] = []
        self._thinking: list[dict[str, Any]] = []

    def _assistant(self) -> dict[str, Any]:
        last = self.messages[-1] if self.messages else None
        if last is not None and last["role"] == "assistant" and not self._reasoning and not self._thinking:
            return last
        message: dict[str, Any] = {"role": "assistant", "content": None}
        self._attach(message)
        self.messages.append(message)
        return message

    def _attach(self, message: dict[str, Any]) -> None:
        if self._reasoning:
            message["reasoning_content"] = "\n\n".join(self._reasoning)
        if self._thinking:
            message["thinking_blocks"] = self._thinking
        self._reasoning, self._thinking = [], []

    def message(self, item: Mapping[str, Any], at: str) -> None:
        role = item.get("role")
        if role not in _ROLES:
            raise bad_item(f"'{at}.role' must be one of user, system, developer, assistant.", f"{at}.role")
        if role != "assistant":
            self.messages.append({"role": role, "content": _parts(item.get("content"), f"{at}.content")})
            return
        text, refusal = _assistant_text(item.get("content"), f"{at}.content")
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if refusal is not None:
            message["refusal"] = refusal
        self._attach(message)
        self.messages.append(message)

    def function_call(self, item: Mapping[str, Any], at: str) -> None:
        call_id = _text(item.get("call_id"), f"{at}.call_id")
        name = _text(item.get("name"), f"{at}.name")
        arguments = _text(item.get("arguments"), f"{at}.arguments")
        message = self._assistant()
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        message.setdefault("tool_calls", []).append(call)

    def function_call_output(self, item: Mapping[str, Any], at: str) -> None:
        call_id = _text(item.get("call_id"), f"{at}.call_id")
        output = _tool_output(item.get("output"), f"{at}.output")
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": output})

    def reasoning(self, item: Mapping[str, Any], at: str) -> None:
        summary = item.get("summary")
        if summary is not None and not isinstance(summary, list):
            raise bad_item(f"'{at}.summary' must be a list.", f"{at}.summary")
        texts = [s.get("text") for s in summary or () if isinstance(s, Mapping) and isinstance(s.get("text"), str)]
        if texts:
            self._reasoning.append("\n\n".join(texts))  # type: ignore[arg-type]
        blocks = thinking_from_reasoning(item)
        if blocks:
            self._thinking.extend(blocks)


def convert_input(items: Any, at: str = "input") -> list[dict[str, Any]]:
    """Chat messages for a Responses ``input`` (a string or a list of items)."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list):
        raise bad_item(f"'{at}' must be a string or a list of items.", at)
    builder = _Builder()
    for i, item in enumerate(items):
        here = f"{at}[{i}]"
        if not isinstance(item, Mapping):
            raise bad_item(f"'{here}' must be an object.", here)
        kind = item.get("type", "message")
        if kind == "message":
            builder.message(item, here)
        elif kind == "function_call":
            builder.function_call(item, here)
        elif kind == "function_call_output":
            builder.function_call_output(item, here)
        elif kind == "reasoning":
            builder.reasoning(item, here)
        else:
            raise bad_item(f"'{here}': a {str(kind)[:60]} item cannot be sent to this model.", f"{here}.type")
    return builder.messages
