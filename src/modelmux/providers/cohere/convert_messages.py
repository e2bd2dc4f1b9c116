"""OpenAI ``messages`` → Cohere v2 ``messages``.

Cohere v2 takes the roles ``system``, ``user``, ``assistant`` and ``tool`` in one list
(https://docs.cohere.com/reference/chat, request ``messages``):

* ``system`` / ``developer`` → ``system`` (a string, or text parts as text blocks), kept in place;
* ``user`` → ``user``: a string stays a string; parts become ``{"type": "text"}`` and
  ``{"type": "image_url", "image_url": {"url", "detail"}}`` (Cohere's vision models take URLs and data URLs);
* ``assistant`` → ``assistant``: text as a text block; ``tool_calls`` as Cohere's (OpenAI-shaped) calls;
  its ``reasoning_content`` (where modelmux puts Cohere's ``tool_plan`` and ``thinking``) goes back as
  ``tool_plan`` on a turn with tool calls (Cohere's documented multi-step tool-use pattern,
  https://docs.cohere.com/docs/tool-use-overview) and otherwise as a ``thinking`` block before the text
  (what a reasoning model wrote, https://docs.cohere.com/docs/reasoning);
* ``tool`` → ``tool`` with ``tool_call_id``; a string result stays a string, text parts become text blocks
  (Cohere cites them as ``tool`` sources); Cohere's own ``document`` parts are kept.

A history already in Cohere's shape (assistant ``thinking`` parts, ``tool_plan``) is kept as it is.

Other content (audio, files, a legacy ``function`` role) cannot be expressed: :class:`BadRequestError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext

__all__ = ["convert_messages"]


def _refuse(ctx: CallContext, detail: str) -> BadRequestError:
    return BadRequestError(f"cohere cannot take {detail}", provider=ctx.provider, model=ctx.model, param="messages")


def _system_content(content: Any, where: str, ctx: CallContext) -> str | list[dict[str, Any]]:
    if content is None or isinstance(content, str):
        return content or ""
    blocks = []
    for part in content:
        if not isinstance(part, Mapping) or part.get("type") != "text":
            raise _refuse(ctx, f"a {part.get('type') if isinstance(part, Mapping) else 'non-object'} part in {where}")
        blocks.append({"type": "text", "text": str(part.get("text") or "")})
    return blocks


def _user_parts(content: Any, where: str, ctx: CallContext) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content or ():
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            parts.append({"type": "text", "text": str(part.get("text") or "")})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            if not isinstance(url, str) or not url:
                raise _refuse(ctx, f"an image_url part without a url in {where}")
            native: dict[str, Any] = {"url": url}
            if isinstance(image, Mapping) and image.get("detail") in ("auto", "low", "high"):
                native["detail"] = image["detail"]
            parts.append({"type": "image_url", "image_url": native})
        else:
            raise _refuse(ctx, f"a {kind!r} part in {where} (text and image_url only)")
    return parts


def _tool_calls(calls: Any, where: str, ctx: CallContext) -> list[dict[str, Any]]:
    out = []
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping) or not function.get("name"):
            raise _refuse(ctx, f"a tool call without a function name in {where}")
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
        out.append(
            {
                "id": str(call.get("id") or ""),
                "type": "function",
                "function": {"name": function["name"], "arguments": arguments},
            }
        )
    return out


def _assistant_blocks(content: Any, where: str, ctx: CallContext) -> list[dict[str, Any]]:
    """Text parts (and ``refusal`` parts, as text) as text blocks; Cohere-native ``thinking`` parts kept."""
    if content is None or isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("text", "refusal"):
            blocks.append({"type": "text", "text": str(part.get(kind) or "")})
        elif kind == "thinking" and isinstance(part.get("thinking"), str):
            blocks.append({"type": "thinking", "thinking": part["thinking"]})
        else:
            raise _refuse(ctx, f"a {kind!r} part in {where} (text only)")
    return blocks


def _assistant(message: Mapping[str, Any], where: str, ctx: CallContext) -> dict[str, Any]:
    native: dict[str, Any] = {"role": "assistant"}
    blocks = _assistant_blocks(message.get("content"), where, ctx)
    calls = message.get("tool_calls") or []
    reasoning = message.get("reasoning_content")
    reasoning = reasoning if isinstance(reasoning, str) else ""
    plan = message.get("tool_plan")  # a Cohere-native history may carry it as is
    plan = plan if isinstance(plan, str) and plan else reasoning
    if calls:
        native["tool_calls"] = _tool_calls(calls, where, ctx)
        if plan:
            native["tool_plan"] = plan
        blocks = [b for b in blocks if b.get("text") != ""]  # an empty text block says nothing
    elif reasoning and not any(b["type"] == "thinking" for b in blocks):
        blocks.insert(0, {"type": "thinking", "thinking": reasoning})
    if not calls and not any(b["type"] == "text" for b in blocks):
        blocks.append({"type": "text", "text": ""})
    if blocks:
        native["content"] = blocks
    return native


def _tool(message: Mapping[str, Any], where: str, ctx: CallContext) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise _refuse(ctx, f"a tool message without tool_call_id ({where})")
    content = message.get("content")
    if isinstance(content, str) or content is None:
        return {"role": "tool", "tool_call_id": call_id, "content": content or ""}
    result: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            result.append({"type": "text", "text": str(part.get("text") or "")})
        elif kind == "document" and isinstance(part.get("document"), Mapping):  # Cohere's own, cited by id
            result.append({"type": "document", "document": dict(part["document"])})
        else:
            raise _refuse(ctx, f"a {kind!r} part in {where} (text and Cohere document parts only)")
    return {"role": "tool", "tool_call_id": call_id, "content": result or ""}


def convert_messages(messages: list[Any], ctx: CallContext) -> list[dict[str, Any]]:
    """Cohere's ``messages`` for OpenAI ``messages`` (order kept)."""
    out: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role")
        if role in ("system", "developer"):
            out.append({"role": "system", "content": _system_content(message.get("content"), where, ctx)})
        elif role == "user":
            out.append({"role": "user", "content": _user_parts(message.get("content"), where, ctx)})
        elif role == "assistant":
            out.append(_assistant(message, where, ctx))
        elif role == "tool":
            out.append(_tool(message, where, ctx))
        else:
            raise _refuse(ctx, f"the role {role!r} ({where})")
    return out
