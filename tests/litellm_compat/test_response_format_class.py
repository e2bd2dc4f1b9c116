"""``response_format=<pydantic model class>``: the strict json_schema it becomes, and that every provider sends it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic
import pytest

import modelmux
from modelmux._response_format import convert_response_format

KEY = "sk-test-0123456789abcdefghij"


class Step(pydantic.BaseModel):
    explanation: str
    output: str = "none"


class MathReasoning(pydantic.BaseModel):
    """A worked answer."""

    steps: list[Step]
    final_answer: str
    note: str | None = None


class WithDict(pydantic.BaseModel):
    scores: dict[str, int]


def test_nested_models_get_every_object_closed_and_every_property_required() -> None:
    fmt = convert_response_format(MathReasoning)
    spec = fmt["json_schema"]
    assert fmt["type"] == "json_schema" and spec["name"] == "MathReasoning" and spec["strict"] is True
    assert spec["description"] == "A worked answer."
    schema = spec["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["steps", "final_answer", "note"]  # the optional field too (it may be null)
    assert "default" not in schema["properties"]["note"]
    step = schema["$defs"]["Step"]
    assert step["additionalProperties"] is False and step["required"] == ["explanation", "output"]
    assert "default" not in step["properties"]["output"]
    # What a strict model produces is still valid for the class.
    assert MathReasoning.model_validate(
        {"steps": [{"explanation": "e", "output": "o"}], "final_answer": "1", "note": None}
    )


def test_an_open_object_is_sent_non_strict() -> None:
    spec = convert_response_format(WithDict)["json_schema"]
    assert spec["strict"] is False
    assert spec["schema"]["properties"]["scores"]["additionalProperties"] == {"type": "integer"}  # kept: its meaning
    assert spec["schema"]["additionalProperties"] is False


def test_the_name_follows_openais_pattern() -> None:
    generic = pydantic.create_model("Pair[int, str]", a=(int, ...))
    assert convert_response_format(generic)["json_schema"]["name"] == "Pair_int_str_"


def test_anything_else_is_left_alone() -> None:
    fmt = {"type": "json_object"}
    assert convert_response_format(fmt) is fmt
    assert convert_response_format(dict) is dict  # not a pydantic model: the provider's checks decide


def test_the_callers_class_schema_is_not_altered() -> None:
    convert_response_format(MathReasoning)
    assert "additionalProperties" not in MathReasoning.model_json_schema()


MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "gemini/gemini-2.5-flash",
    "mistral/mistral-large-latest",
    "groq/llama-3.3-70b-versatile",
    "ollama/llama3.1",
    "cohere/command-r-plus",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_provider_sends_the_class_schema(model: str) -> None:
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(400, json={"error": {"message": "stop here"}})

    with pytest.raises(modelmux.APIError):
        modelmux.completion(
            model,
            [{"role": "user", "content": "solve 8x + 7 = -23"}],
            response_format=MathReasoning,
            api_key=KEY,
            transport=httpx.MockTransport(handler),
        )
    assert sent, "nothing was sent"
    text = json.dumps(sent[0])
    assert '"final_answer"' in text and '"explanation"' in text  # the class's schema reached the native body


class Opaque:
    pass


class NoSchema(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    thing: Opaque


def test_a_class_without_json_schema_is_a_bad_request() -> None:
    with pytest.raises(modelmux.BadRequestError, match="NoSchema has no JSON Schema") as caught:
        modelmux.completion("mock/demo", [{"role": "user", "content": "x"}], response_format=NoSchema)
    assert caught.value.param == "response_format"


class Described(pydantic.BaseModel):
    step: Step = pydantic.Field(description="the first step")
    other: Step


def test_a_ref_with_a_description_beside_it_is_inlined() -> None:
    schema = convert_response_format(Described)["json_schema"]["schema"]
    step = schema["properties"]["step"]
    assert "$ref" not in step and step["description"] == "the first step"
    assert step["additionalProperties"] is False and step["required"] == ["explanation", "output"]
    assert schema["properties"]["other"] == {"$ref": "#/$defs/Step"}  # a bare reference stays a reference


class Node(pydantic.BaseModel):
    label: str
    child: Node | None = pydantic.Field(default=None, description="the next node")
    first: list[Node] = pydantic.Field(default_factory=list, description="children")


class Tree(pydantic.BaseModel):
    root: Node = pydantic.Field(description="the root")


def test_recursive_models_keep_bare_references() -> None:
    spec = convert_response_format(Tree)["json_schema"]
    node = spec["schema"]["$defs"]["Node"]
    assert node["required"] == ["label", "child", "first"] and node["additionalProperties"] is False
    assert spec["schema"]["properties"]["root"] == {"$ref": "#/$defs/Node"}  # recursive: the description is dropped
    assert spec["strict"] is True
