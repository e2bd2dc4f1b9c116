"""Prompted output: with no ``response_format``, a system message that asks for JSON by a schema gets an instance
(as instructor's ANTHROPIC_JSON / MD_JSON modes, pydantic-ai's PromptedOutput and LangChain's parsers expect)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

import modelmux
from modelmux.providers.mock import DEFAULT_REPLY

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temperature_c": {"type": "integer"}},
    "required": ["city", "temperature_c"],
}
ASK = f"Answer in JSON that matches this json_schema:\n{json.dumps(SCHEMA, indent=2)}\nNo prose."
USER = {"role": "user", "content": "Weather in Oslo?"}


def _text(messages: list[dict[str, Any]], **kwargs: Any) -> str:
    return modelmux.completion(model="mock/demo", messages=messages, **kwargs).choices[0].message.content or ""


@pytest.mark.parametrize("role", ["system", "developer"])
def test_a_system_schema_that_asks_for_json_gets_an_instance(role: str) -> None:
    answer = json.loads(_text([{"role": role, "content": ASK}, USER]))
    jsonschema.validate(answer, SCHEMA)


def test_the_instance_varies_by_seed_and_is_never_cut() -> None:
    messages = [{"role": "system", "content": ASK}, USER]
    assert {_text(messages, seed=s) for s in range(5)} != {_text(messages, seed=0)}
    jsonschema.validate(json.loads(_text(messages, max_tokens=1)), SCHEMA)  # JSON is whole, whatever max_tokens


def test_the_last_schema_wins_and_text_parts_count() -> None:
    other = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    parts = [{"type": "text", "text": ASK}, {"type": "text", "text": f"JSON schema: {json.dumps(other)}"}]
    assert set(json.loads(_text([{"role": "system", "content": parts}, USER]))) == {"ok"}


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "system", "content": f"Here is a schema: {json.dumps(SCHEMA)}"}, USER],  # never says JSON
        [{"role": "system", "content": "Answer in JSON."}, USER],  # no schema
        [{"role": "user", "content": ASK}],  # a user's paste is not the application asking
        [{"role": "system", "content": 'Reply in JSON like {"a": 1}.'}, USER],  # an example, not a schema
    ],
)
def test_otherwise_the_mock_says_its_sentence(messages: list[dict[str, Any]]) -> None:
    assert _text(messages) == DEFAULT_REPLY


def test_echo_still_echoes() -> None:
    reply = modelmux.completion(model="mock/echo", messages=[{"role": "system", "content": ASK}, USER])
    assert reply.choices[0].message.content == "Weather in Oslo?"


def test_after_tool_results_the_prompted_answer_is_json_too() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    messages = [
        {"role": "system", "content": ASK},
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "12 degrees"},
    ]
    jsonschema.validate(json.loads(_text(messages)), SCHEMA)
