"""``with_structured_output`` for ``ChatModelmux``: a schema → the model bound to ask for it, piped into a parser.

Methods (as LangChain's OpenAI integration names them):

* ``"function_calling"`` (default: every provider modelmux speaks has tools) — the schema as the one tool, forced
  with ``tool_choice``; parsed from the tool call's arguments;
* ``"json_schema"`` — ``response_format={"type": "json_schema", ...}`` (modelmux maps it to each provider's native
  structured output); parsed from the text;
* ``"json_mode"`` — ``response_format={"type": "json_object"}``; the prompt must describe the shape.

A pydantic class (v1 or v2) comes back as an instance, anything else (TypedDict, JSON schema, OpenAI tool) as a
dict. ``include_raw=True`` returns ``{"raw", "parsed", "parsing_error"}`` and never raises a parsing error.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["Method", "structured_runnable"]

Method = Literal["function_calling", "json_schema", "json_mode"]


def _response_format(schema: Any, strict: bool | None) -> dict[str, Any]:
    json_schema = convert_to_json_schema(schema, strict=strict)
    spec: dict[str, Any] = {"name": json_schema.get("title") or "output", "schema": json_schema}
    if json_schema.get("description"):
        spec["description"] = json_schema["description"]
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def structured_runnable(
    model: BaseChatModel,
    schema: Mapping[str, Any] | type,
    method: Method,
    include_raw: bool,
    strict: bool | None,
    kwargs: Mapping[str, Any],
) -> Runnable[Any, Any]:
    """The runnable ``with_structured_output`` returns (see the module docstring)."""
    if kwargs:
        raise ValueError(f"with_structured_output got unexpected arguments: {', '.join(kwargs)}")
    if schema is None:
        raise ValueError("with_structured_output needs a schema")
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    llm: Runnable[Any, Any]
    parser: Runnable[Any, Any]
    if method == "function_calling":
        tool = convert_to_openai_tool(schema, strict=strict)
        name = tool["function"]["name"]
        llm = model.bind_tools(
            [tool],
            tool_choice=name,
            strict=strict,
            ls_structured_output_format={"kwargs": {"method": method, "strict": strict}, "schema": tool},
        )
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method in ("json_schema", "json_mode"):
        response_format = _response_format(schema, strict) if method == "json_schema" else {"type": "json_object"}
        llm = model.bind(
            response_format=response_format,
            ls_structured_output_format={"kwargs": {"method": method, "strict": strict}, "schema": schema},
        )
        parser = (
            PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
            if is_pydantic
            else JsonOutputParser()
        )
    else:
        raise ValueError(f"method must be 'function_calling', 'json_schema' or 'json_mode', not {method!r}")
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([no_parse], exception_key="parsing_error")
