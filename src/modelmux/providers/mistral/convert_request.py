"""An OpenAI-dialect body (already shaped by the Mistral :class:`Profile`) → what Mistral's closed schema takes.

Mistral answers 422 to any field it does not know (docs.mistral.ai/api, ``POST /v1/chat/completions``; the
``mistralai`` SDK's ``ChatCompletionRequest`` and message models are the schema). So:

* ``seed`` is ``random_seed``;
* messages: ``user``/``system`` take only ``role`` and ``content``, ``assistant`` also ``tool_calls`` and
  ``prefix``, ``tool`` also ``tool_call_id`` and ``name``: an OpenAI ``name`` on another role cannot be said
  (reported unsupported, or dropped with ``drop_params``);
* a function tool needs ``parameters`` (an empty object schema when the caller gave none);
* ``response_format.json_schema`` is ``{name, schema, description?, strict?}`` with ``name`` required
  (Mistral "Custom structured outputs"): a missing name becomes ``"response"``;
* ``service_tier``: Mistral knows ``auto`` and ``standard_only``; OpenAI's ``default`` (standard capacity)
  is ``standard_only``, others cannot be said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base import CallContext

__all__ = ["convert_mistral_body"]

#: Message fields per role beyond ``role``/``content`` (mistralai SDK models: UserMessage, SystemMessage,
#: AssistantMessage, ToolMessage).
_MESSAGE_FIELDS: dict[str, frozenset[str]] = {
    "user": frozenset(),
    "system": frozenset(),
    "assistant": frozenset({"tool_calls", "prefix"}),
    "tool": frozenset({"tool_call_id", "name"}),
}
_SERVICE_TIERS = {"auto": "auto", "standard_only": "standard_only", "default": "standard_only"}
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


def convert_mistral_body(body: dict[str, Any], ctx: CallContext) -> None:
    """Reshape ``body`` in place (its ``messages`` list is already a copy when anything changed in it)."""
    if "seed" in body:
        seed = body.pop("seed")
        body.setdefault("random_seed", seed)
    body["messages"] = _messages(body["messages"], ctx)
    if isinstance(body.get("tools"), list):
        body["tools"] = [_tool(t) for t in body["tools"]]
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        body["response_format"] = _json_schema_format(fmt)
    tier = body.get("service_tier")
    if tier is not None:
        if tier in _SERVICE_TIERS:
            body["service_tier"] = _SERVICE_TIERS[tier]
        else:
            ctx.unsupported("service_tier", f"Mistral takes 'auto' or 'default' (standard_only), not {tier!r}")
            del body["service_tier"]


def _messages(messages: list[Any], ctx: CallContext) -> list[Any]:
    out: list[Any] | None = None
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        allowed = _MESSAGE_FIELDS.get(str(message.get("role")))
        if allowed is None or "name" not in message or "name" in allowed:
            continue
        ctx.unsupported("messages", f"messages[{i}] is a {message['role']} message with a 'name'")
        if out is None:
            out = list(messages)
        out[i] = {k: v for k, v in message.items() if k != "name"}
    return messages if out is None else out


def _tool(tool: Any) -> Any:
    if not isinstance(tool, Mapping) or tool.get("type") != "function":
        return tool
    fn = tool.get("function")
    if isinstance(fn, Mapping) and fn.get("parameters") is None:
        return {**tool, "function": {**fn, "parameters": _EMPTY_SCHEMA}}
    return tool


def _json_schema_format(fmt: Mapping[str, Any]) -> dict[str, Any]:
    spec = fmt.get("json_schema")
    spec = dict(spec) if isinstance(spec, Mapping) else {}
    out: dict[str, Any] = {"name": spec.get("name") or "response", "schema": spec.get("schema") or {}}
    for key in ("description", "strict"):
        if spec.get(key) is not None:
            out[key] = spec[key]
    return {"type": "json_schema", "json_schema": out}
