"""A Responses request body → ``acompletion`` messages and parameters (pure).

https://platform.openai.com/docs/api-reference/responses/create, mapped onto the chat format:

==============================  ===================================================================
Responses                       chat
==============================  ===================================================================
instructions                    a first ``system`` message (not carried over from a previous response)
input (+ the stored             messages (:mod:`.convert_input`); a ``previous_response_id``'s items come
conversation)                   first, then this request's
tools, tool_choice              :mod:`.convert_tools`
text.format                     ``response_format``: ``json_schema`` (name, schema, strict, description),
                                ``json_object``; ``text`` is the default
text.verbosity                  ``verbosity``
reasoning.effort                ``reasoning_effort``; ``summary`` needs nothing: a summary is returned
                                wherever the provider gives thinking text
max_output_tokens               ``max_tokens``
temperature, top_p, user,       the same names (the provider takes or refuses each)
parallel_tool_calls,
service_tier, prompt_cache_key,
safety_identifier
metadata, store, stream,        kept by modelmux itself (echoed on the response / the store / events)
previous_response_id
include                         ``reasoning.encrypted_content`` is always filled; asking for logprobs is
                                unsupported, the other values name built-in tools' outputs (none here)
==============================  ===================================================================

The other fields of the API (:data:`UNSUPPORTED`) have no chat form: :class:`UnsupportedParamsError` unless
``drop_params``. A name the API does not have is :class:`UnknownParameterError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UnknownParameterError
from .convert_input import convert_input
from .convert_tools import convert_tool_choice, convert_tools
from .errors import bad_item, unsupported

__all__ = ["FIELDS", "UNSUPPORTED", "Translated", "check_types", "convert_request"]

#: Every request field this API takes, with its JSON types.
FIELDS: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "input": (str, list),
    "instructions": (str,),
    "tools": (list,),
    "tool_choice": (str, dict),
    "text": (dict,),
    "reasoning": (dict,),
    "max_output_tokens": (int,),
    "temperature": (int, float),
    "top_p": (int, float),
    "metadata": (dict,),
    "parallel_tool_calls": (bool,),
    "user": (str,),
    "store": (bool,),
    "previous_response_id": (str,),
    "stream": (bool,),
    "include": (list,),
    "stream_options": (dict,),
    "service_tier": (str,),
    "prompt_cache_key": (str,),
    "safety_identifier": (str,),
    "truncation": (str,),
    "background": (bool,),
    "conversation": (str, dict),
    "max_tool_calls": (int,),
    "prompt": (dict,),
    "prompt_cache_retention": (str,),
    "top_logprobs": (int,),
    "context_management": (list, dict),
}
#: Fields of the API that a translated call cannot honour (only the values that change something count).
UNSUPPORTED = frozenset(
    {"background", "conversation", "max_tool_calls", "prompt", "prompt_cache_retention", "top_logprobs", "truncation"}
)
_SAME = ("temperature", "top_p", "user", "parallel_tool_calls", "service_tier", "prompt_cache_key", "safety_identifier")
_TOOL_INCLUDES = frozenset(
    {
        "reasoning.encrypted_content",
        "file_search_call.results",
        "web_search_call.results",
        "web_search_call.action.sources",
        "code_interpreter_call.outputs",
        "computer_call_output.output.image_url",
        "message.input_image.image_url",
    }
)
#: The keys of the object fields a translated call reads, with the JSON types of their values (OpenAI refuses any
#: other key as an unknown parameter; silently ignoring a misspelt one would change the answer unnoticed).
_NESTED: dict[str, dict[str, tuple[type, ...]]] = {
    "text": {"format": (dict,), "verbosity": (str,)},
    "text.format": {"type": (str,), "name": (str,), "schema": (dict,), "strict": (bool,), "description": (str,)},
    "reasoning": {"effort": (str,), "summary": (str,), "generate_summary": (str,)},
    "stream_options": {"include_obfuscation": (bool,)},
}
_HISTORY_TYPES = frozenset({"message", "function_call", "function_call_output", "reasoning"})
_MAX_METADATA = 16  # OpenAI: up to 16 pairs, keys up to 64 characters, values up to 512


@dataclass(slots=True)
class Translated:
    messages: list[dict[str, Any]]
    params: dict[str, Any]


def _name(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def check_types(body: Mapping[str, Any]) -> None:
    """:class:`UnknownParameterError` for a field the API lacks; a 400 for one of the wrong JSON type."""
    for name, value in body.items():
        kinds = FIELDS.get(name)
        if kinds is None:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownParameterError(
                f"Unrecognized request argument supplied: {name[:100]}{hint}",
                param=name[:100],
                code="unknown_parameter",
                status_code=400,
            )
        if value is None:
            continue
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if wrong_bool or not isinstance(value, kinds):
            raise bad_item(f"Invalid type for '{name}': got {_name(value)}.", name)
    metadata = body.get("metadata")
    if metadata is not None and (
        len(metadata) > _MAX_METADATA
        or not all(
            isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 512 for k, v in metadata.items()
        )
    ):
        raise bad_item("'metadata' takes up to 16 string pairs (keys up to 64, values up to 512 chars).", "metadata")


def _check_nested(body: Mapping[str, Any]) -> None:
    text = body.get("text")
    objects = [(name, body.get(name)) for name in ("text", "reasoning", "stream_options")]
    if isinstance(text, Mapping):
        objects.append(("text.format", text.get("format")))
    for at, value in objects:
        if not isinstance(value, Mapping):
            continue
        known = _NESTED[at]
        for key, item in value.items():
            kinds = known.get(key)
            if kinds is None:
                raise UnknownParameterError(
                    f"Unknown parameter: '{at}.{str(key)[:100]}'.",
                    param=f"{at}.{str(key)[:100]}",
                    code="unknown_parameter",
                    status_code=400,
                )
            if item is not None and (not isinstance(item, kinds) or (isinstance(item, bool) and bool not in kinds)):
                raise bad_item(f"Invalid type for '{at}.{key}': got {_name(item)}.", f"{at}.{key}")


def _unsupported_fields(body: Mapping[str, Any], model: str, drop: bool) -> None:
    for name in sorted(UNSUPPORTED & body.keys()):
        value = body[name]
        if value is None or (name == "background" and value is False) or (name == "truncation" and value == "disabled"):
            continue
        unsupported(name, "the Responses API is translated to chat for this model", model=model, drop=drop)
    for value in body.get("include") or ():
        if value == "message.output_text.logprobs":
            unsupported("include", "logprobs are not returned for this model", model=model, drop=drop)
        elif not isinstance(value, str) or value not in _TOOL_INCLUDES:  # a list or dict is unhashable
            raise bad_item(f"'include' does not take {str(value)[:80]!r}.", "include")


def _text_format(text: Mapping[str, Any], params: dict[str, Any]) -> None:
    fmt = text.get("format")
    if isinstance(text.get("verbosity"), str):
        params["verbosity"] = text["verbosity"]
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "text":
        return
    if kind == "json_object":
        params["response_format"] = {"type": "json_object"}
        return
    if kind != "json_schema":
        raise bad_item("'text.format.type' must be 'text', 'json_object' or 'json_schema'.", "text.format.type")
    schema = fmt.get("schema")
    if not isinstance(schema, Mapping):
        raise bad_item("'text.format.schema' must be an object.", "text.format.schema")
    spec: dict[str, Any] = {
        "name": fmt.get("name") if isinstance(fmt.get("name"), str) else "response",
        "schema": schema,
    }
    for key in ("strict", "description"):
        if fmt.get(key) is not None:
            spec[key] = fmt[key]
    params["response_format"] = {"type": "json_schema", "json_schema": spec}


def convert_request(
    body: Mapping[str, Any], history: list[Any], *, provider: str, model: str, drop: bool = False
) -> Translated:
    """Chat messages and ``acompletion`` parameters for ``body`` (its types checked by :func:`check_types`).

    Args:
        history: the input and output items of the conversation so far (``previous_response_id``), oldest first.
        provider: the target's provider (which built-in tools it has).
        model: the name to report in errors.
        drop: drop what the target cannot express, with a warning (``drop_params``).
    """
    if body.get("input") is None:
        raise bad_item("Missing required parameter: 'input'.", "input")
    _check_nested(body)
    _unsupported_fields(body, model, drop)
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    kept = [item for item in history if item.get("type", "message") in _HISTORY_TYPES]
    if kept:  # built-in tool items (web searches made at OpenAI) are the record of a step, not a message
        messages.extend(convert_input(kept, "previous_response_id"))
    messages.extend(convert_input(body["input"]))
    if not messages:
        raise bad_item("'input' must not be empty.", "input")
    params: dict[str, Any] = {k: body[k] for k in _SAME if body.get(k) is not None}
    if body.get("max_output_tokens") is not None:
        params["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        params["tools"] = convert_tools(body["tools"], provider)
    if body.get("tool_choice") is not None:
        params["tool_choice"] = convert_tool_choice(body["tool_choice"])
    if body.get("text") is not None:
        _text_format(body["text"], params)
    effort = (body.get("reasoning") or {}).get("effort")
    if isinstance(effort, str):
        params["reasoning_effort"] = effort
    return Translated(messages, params)
