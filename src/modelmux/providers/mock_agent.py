"""The mock's default behaviour with tools: enough like a model that agent loops run and end.

* ``tool_choice`` ``"auto"`` (or absent) with tools: when the last message is not a tool result, call one tool;
  once tool results are in, answer in text (so a loop ends after one round of tools);
* ``"required"``: always call a tool, preferring one not called yet since the last user message (so a
  framework's "final result" output tool is reached after the others, in every run of a continued
  conversation); once each has been called, the output tool (pydantic-ai's ``final_result``/``final_result_*``)
  when there is one, so the run ends, else the least recently called tool; a named tool (``{"type":
  "function", "function": {"name": ...}}``) calls that one; ``"none"`` answers in text.

The tool is chosen deterministically: among the tools not yet called since the last user message, the one whose
name and description share the most words with that message; the first such on a tie. Its arguments are an
instance of its ``parameters`` schema (:func:`mock_json.schema_instance`), varied by the request's ``seed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .mock_json import schema_instance

__all__ = ["choose_tool", "default_arguments", "last_user_text", "text_of", "tool_results_text", "wants_tool"]

_WORD = re.compile(r"[a-z0-9]+")


def text_of(content: Any) -> str:
    """A message's text: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and "text" in p)
    return ""


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    user = [m for m in messages if m.get("role") == "user"]
    return text_of(user[-1].get("content")) if user else ""


def _functions(tools: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The function definitions among the tools (custom and server tools have no schema to fill)."""
    return [t["function"] for t in tools if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)]


def _since_last_user(messages: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The messages of the current turn: those after the last user message (all when there is none)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return messages[i + 1 :]
    return messages


def _last_called(messages: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Each tool called in these messages, with the position of its latest call."""
    order: dict[str, int] = {}
    position = 0
    for m in messages:
        for call in m.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
                order[fn["name"]] = position
                position += 1
    return order


def _is_output_tool(fn: Mapping[str, Any]) -> bool:
    """pydantic-ai names its output tools ``final_result`` (``final_result_<Type>`` when there are several)."""
    name = str(fn.get("name", ""))
    return name == "final_result" or name.startswith("final_result_")


def wants_tool(params: Mapping[str, Any]) -> bool:
    """Whether the default behaviour calls a tool for this request (see the module docstring)."""
    tools = params.get("tools")
    if not tools or not _functions(tools):
        return False
    choice = params.get("tool_choice")
    if choice == "none":
        return False
    if choice == "required" or (isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping)):
        return True
    messages = params["messages"]
    return not messages or messages[-1].get("role") not in ("tool", "function")


def choose_tool(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The function definition to call (``wants_tool`` said yes)."""
    functions = _functions(params["tools"])
    choice = params.get("tool_choice")
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        named = choice["function"].get("name")
        return next((f for f in functions if f.get("name") == named), {"name": str(named)})
    called = _last_called(_since_last_user(params["messages"]))
    candidates = [f for f in functions if f.get("name") not in called]
    if not candidates:  # every tool was called this turn: end the run if a tool can, else rotate
        output = [f for f in functions if _is_output_tool(f)]
        if output:
            return output[0]
        return min(functions, key=lambda f: called.get(str(f.get("name")), -1))
    words = set(_WORD.findall(last_user_text(params["messages"]).lower()))

    def score(fn: Mapping[str, Any]) -> int:
        about = f"{fn.get('name', '')} {fn.get('description', '')}".lower().replace("_", " ")
        return len(words & set(_WORD.findall(about)))

    return max(candidates, key=score)  # max keeps the first of equal scores


def default_arguments(fn: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Arguments for a call to ``fn``: an instance of its parameters schema (an object)."""
    value = schema_instance(fn.get("parameters") or {"type": "object"}, seed=seed)
    return value if isinstance(value, dict) else {}


def tool_results_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text answer after tool results: it quotes them (shortened), as a model would summarise them."""
    results: list[str] = []
    for m in reversed(messages):
        if m.get("role") not in ("tool", "function"):
            break
        results.append(text_of(m.get("content")))
    shown = "; ".join(r if len(r) <= 200 else r[:200] + "…" for r in reversed(results))
    return f"Here is what the tools returned: {shown}" if shown else "Done."
