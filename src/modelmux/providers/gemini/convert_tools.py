"""OpenAI ``tools``/``tool_choice``/``parallel_tool_calls`` → Gemini ``tools`` + ``toolConfig``.

https://ai.google.dev/api/caching#Tool and
https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes: ``AUTO`` (model decides),
``ANY`` (must call; ``allowedFunctionNames`` narrows the choice), ``NONE`` (no calls), ``VALIDATED``
(calls limited to ``allowedFunctionNames``, or text).

* Function tools become one ``functionDeclarations`` tool. Their ``parameters`` go as
  ``parametersJsonSchema`` (JSON Schema kept as written, see :mod:`.convert_json_schema`), or for
  Gemini 1.x as the converted ``parameters`` subset. ``{}``, a missing schema or an object schema
  without properties declare no parameters; a schema without ``type`` is an object.
* Gemini's own tools (:data:`NATIVE_TOOLS`: Google Search grounding, code execution, URL context…) may
  be given in ``tools=`` natively, ``{"googleSearch": {}}`` (or ``google_search``), or typed,
  ``{"type": "google_search"}``; they are sent as they are.
* Other typed tools (OpenAI ``custom`` tools with free-form input, another provider's server tools) have
  no Gemini equivalent: :meth:`CallContext.unsupported` (a 400 unless ``drop_params``). A malformed
  function tool is a :class:`BadRequestError`.
* ``strict`` has no Gemini equivalent and is ignored: Gemini follows the declared schema anyway.
"""

from __future__ import annotations

from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .convert_json_schema import prepare_parameters_schema, uses_json_schema_fields
from .convert_schema import convert_schema

__all__ = ["NATIVE_TOOLS", "convert_tool_choice", "convert_tools"]

_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}

#: Gemini's built-in tools, by their wire name (https://ai.google.dev/api/caching#Tool).
NATIVE_TOOLS = frozenset(
    {
        "googleSearch",
        "googleSearchRetrieval",
        "codeExecution",
        "urlContext",
        "fileSearch",
        "googleMaps",
        "computerUse",
        "retrieval",
        "enterpriseWebSearch",
    }
)


def convert_tools(tools: list[dict[str, Any]], ctx: CallContext) -> list[dict[str, Any]]:
    """Gemini ``tools``: one holding a ``functionDeclaration`` per function tool, then native tools.

    Raises:
        BadRequestError: a tool that is not an object, or a function tool without a name or with
            parameters that are not a JSON Schema object.
        UnsupportedParamsError: a typed tool Gemini has no equivalent for (unless ``drop_params``).
    """
    json_fields = uses_json_schema_fields(ctx.model)
    declarations: list[dict[str, Any]] = []
    native: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _error(f"tools[{i}] must be an object, got {type(tool).__name__}")
        kind = tool.get("type")
        builtin = _native_tool(tool)
        if builtin is not None:
            native.append(builtin)
        elif kind in (None, "function"):
            declarations.append(_declaration(tool, i, json_fields))
        elif kind == "custom":
            ctx.unsupported(
                "tools", f"tools[{i}] is an OpenAI custom tool (free-form input); Gemini has function tools"
            )
        else:
            ctx.unsupported(
                "tools", f"tools[{i}] has type {str(kind)[:64]!r}; Gemini takes function tools and its own tools"
            )
    return ([{"functionDeclarations": declarations}] if declarations else []) + native


def _native_tool(tool: dict[str, Any]) -> dict[str, Any] | None:
    kind = tool.get("type")
    if isinstance(kind, str):
        name = _camel(kind)
        if name not in NATIVE_TOOLS:
            return None
        config = tool.get(kind, tool.get(name))
        return {name: config if isinstance(config, dict) else {}}
    if kind is None and len(tool) == 1:
        key, config = next(iter(tool.items()))
        name = _camel(key)
        if name in NATIVE_TOOLS and isinstance(config, dict):
            return {name: config}
    return None


def _declaration(tool: dict[str, Any], index: int, json_fields: bool) -> dict[str, Any]:
    fn = tool.get("function")
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(fn, dict) or not isinstance(name, str) or not name:
        raise _error(f"tools[{index}] must be {{'type': 'function', 'function': {{'name': ..., 'parameters': ...}}}}")
    declaration: dict[str, Any] = {"name": name}
    description = fn.get("description")
    if isinstance(description, str) and description:
        declaration["description"] = description
    parameters = fn.get("parameters")
    what = f"tools[{index}].function.parameters"
    if parameters is not None and not isinstance(parameters, dict):
        raise _error(f"{what} must be a JSON Schema object, got {type(parameters).__name__}")
    if json_fields:
        schema = prepare_parameters_schema(parameters, what)
        if schema is not None:
            declaration["parametersJsonSchema"] = schema
    elif parameters:
        converted = convert_schema(parameters)
        if converted.get("properties") or converted.get("type") not in (None, "OBJECT"):
            declaration["parameters"] = converted
    return declaration


def convert_tool_choice(tool_choice: Any, parallel_tool_calls: Any, ctx: CallContext) -> dict[str, Any] | None:
    """Gemini ``toolConfig`` for an OpenAI ``tool_choice``; ``None`` when the default (AUTO) fits.

    ``parallel_tool_calls=False`` cannot be expressed (Gemini decides how many calls to make), so it goes
    through ``ctx.unsupported``; ``True`` is Gemini's behaviour anyway. ``{"type": "allowed_tools",
    "allowed_tools": {"mode": "required"|"auto", "tools": [...]}}`` becomes ``ANY`` or ``VALIDATED``
    with ``allowedFunctionNames``.
    """
    if parallel_tool_calls is False:
        ctx.unsupported("parallel_tool_calls", "Gemini cannot be limited to one tool call per turn")
    if tool_choice is None:
        return None
    if isinstance(tool_choice, str):
        mode = _MODES.get(tool_choice)
        if mode is None:
            raise _error(
                f"tool_choice must be 'auto', 'none', 'required' or a function, got {tool_choice!r:.80}", "tool_choice"
            )
        return {"functionCallingConfig": {"mode": mode}}
    if isinstance(tool_choice, dict) and tool_choice.get("type") == "allowed_tools":
        return _allowed_tools(tool_choice.get("allowed_tools"))
    fn = tool_choice.get("function") if isinstance(tool_choice, dict) else None
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str) or not name:
        raise _error("tool_choice must be {'type': 'function', 'function': {'name': ...}}", "tool_choice")
    return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}


def _allowed_tools(spec: Any) -> dict[str, Any]:
    mode = spec.get("mode") if isinstance(spec, dict) else None
    tools = spec.get("tools") if isinstance(spec, dict) else None
    names = [
        t["function"]["name"]
        for t in tools or ()
        if isinstance(t, dict) and isinstance(t.get("function"), dict) and isinstance(t["function"].get("name"), str)
    ]
    if mode not in ("auto", "required") or not isinstance(tools, list) or len(names) != len(tools) or not names:
        raise _error(
            "tool_choice allowed_tools must be {'mode': 'auto'|'required', 'tools': [{'type': 'function', "
            "'function': {'name': ...}}, ...]}",
            "tool_choice",
        )
    return {
        "functionCallingConfig": {"mode": "ANY" if mode == "required" else "VALIDATED", "allowedFunctionNames": names}
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _error(message: str, param: str = "tools") -> BadRequestError:
    return BadRequestError(message, provider="gemini", param=param)
