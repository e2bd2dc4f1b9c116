"""``ChunkFactory`` builds text chunks without validating: each must equal the validated chunk in every respect,
and anything it cannot vouch for must still go through validation (and fail there when malformed)."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk as SDKChunk
from pydantic import ValidationError

from modelmux.providers._shapes import ChunkFactory
from modelmux.types import ChatCompletionChunk


def validated(factory: ChunkFactory, delta: dict[str, Any], finish: Any = None, native: Any = None) -> Any:
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
    if native is not None:
        choice["native_finish_reason"] = native
    raw = {"id": factory.id, "object": "chat.completion.chunk", "created": factory.created, "model": factory.model}
    return ChatCompletionChunk.model_validate({**raw, "choices": [choice]})


def same(a: Any, b: Any) -> None:
    """Equal as pydantic sees it, and equal in the parts ``==`` does not compare."""
    assert type(a) is type(b)
    assert a == b
    assert a.__dict__ == b.__dict__
    assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__
    assert a.__pydantic_extra__ == b.__pydantic_extra__
    assert a.__pydantic_private__ == b.__pydantic_private__


CASES: list[tuple[dict[str, Any], Any, Any]] = [
    ({"role": "assistant", "content": ""}, None, None),
    ({"content": " word"}, None, None),
    ({"reasoning_content": "thinking…"}, None, None),
    ({"refusal": "no"}, None, None),
    ({"role": "assistant", "content": "x", "reasoning_content": "y"}, None, None),
    ({}, "stop", "end_turn"),
    ({}, "length", None),
    ({"role": "assistant"}, "stop", "COMPLETE"),
    ({}, None, None),
]


@pytest.mark.parametrize(("delta", "finish", "native"), CASES)
def test_constructed_chunk_equals_the_validated_one(delta: dict[str, Any], finish: Any, native: Any) -> None:
    factory = ChunkFactory("msg_1", "claude-x", 1_700_000_000)
    built = factory.delta(dict(delta), finish, native)
    expected = validated(factory, dict(delta), finish, native)
    same(built, expected)
    same(built.choices[0], expected.choices[0])
    same(built.choices[0].delta, expected.choices[0].delta)
    assert built.model_dump() == expected.model_dump()
    assert built.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert built.model_dump_json() == expected.model_dump_json()
    SDKChunk.model_validate(built.model_dump())  # still a chunk the openai SDK accepts


def test_constructed_chunks_do_not_share_mutable_state() -> None:
    factory = ChunkFactory("msg_1", "m", 1)
    a, b = factory.delta({"content": "a"}), factory.delta({"content": "b"})
    a.choices[0].delta.content = "changed"
    a.choices[0].delta.tool_calls = []
    a.system_fingerprint = "fp"
    assert b.choices[0].delta.content == "b"
    assert b.choices[0].delta.__pydantic_fields_set__ == {"content"}
    assert b.__pydantic_fields_set__ == {"id", "object", "created", "model", "choices"}
    assert b.choices is not a.choices


@pytest.mark.parametrize(
    ("delta", "finish", "native"),
    [
        ({"content": 5}, None, None),  # upstream sent a number as text
        ({"content": ["a"]}, None, None),
        ({"role": "robot"}, None, None),  # not one of the role literal's values
        ({}, 7, None),
    ],
)
def test_a_malformed_value_is_still_validated_and_rejected(delta: dict[str, Any], finish: Any, native: Any) -> None:
    with pytest.raises(ValidationError):
        ChunkFactory("msg_1", "m", 1).delta(delta, finish, native)


def test_a_malformed_stamp_is_still_validated_and_rejected() -> None:
    with pytest.raises(ValidationError):
        ChunkFactory({"not": "an id"}, "m", 1).delta({"content": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ChunkFactory("id", None, 1).delta({"content": "x"})  # type: ignore[arg-type]


def test_other_deltas_take_the_validated_path_unchanged() -> None:
    factory = ChunkFactory("msg_1", "m", 1)
    tool = {"tool_calls": [{"index": 0, "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}]}
    for delta in (tool, {"thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s"}]}):
        same(factory.delta(delta), validated(factory, delta))


def test_a_stamp_changed_later_is_checked_again() -> None:
    factory = ChunkFactory("msg_1", "m", 1)
    factory.model = 5  # type: ignore[assignment]  # a translator learning the model from a malformed answer
    with pytest.raises(ValidationError):
        factory.delta({"content": "x"})
    factory.model = "llama3.1"
    same(factory.delta({"content": "x"}), validated(factory, {"content": "x"}))


@pytest.mark.parametrize("field", ["content", "reasoning_content", "refusal"])
@pytest.mark.parametrize("text", ["", " word", "é\n"])
def test_one_field_text_chunk_equals_the_validated_one(field: str, text: str) -> None:
    factory = ChunkFactory("msg_1", "claude-x", 1_700_000_000)
    built, expected = factory.text(field, text), validated(factory, {field: text})
    same(built, expected)
    same(built.choices[0], expected.choices[0])
    same(built.choices[0].delta, expected.choices[0].delta)
    assert built.model_dump_json() == expected.model_dump_json()
    assert built.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)


def test_one_field_text_chunks_do_not_share_mutable_state() -> None:
    factory = ChunkFactory("msg_1", "m", 1)
    a, b = factory.text("content", "a"), factory.text("content", "b")
    a.choices[0].delta.refusal = "changed"
    a.choices[0].finish_reason = "stop"
    a.model = "other"
    a.extra_field = 1  # type: ignore[attr-defined]  # an extra (the models allow them)
    assert b.choices[0].delta.__pydantic_fields_set__ == {"content"}
    assert b.choices[0].__pydantic_fields_set__ == {"index", "delta", "finish_reason", "logprobs"}
    assert b.__pydantic_fields_set__ == {"id", "object", "created", "model", "choices"}
    assert b.model == "m" and b.__pydantic_extra__ == {} and b.choices[0].finish_reason is None
    assert factory.text("content", "c").model == "m"


def test_one_field_text_chunk_validates_what_it_cannot_vouch_for() -> None:
    factory = ChunkFactory("msg_1", "m", 1)
    with pytest.raises(ValidationError):
        factory.text("content", 5)  # type: ignore[arg-type]
    same(
        factory.text("thinking_blocks", [{"type": "thinking"}]),
        validated(factory, {"thinking_blocks": [{"type": "thinking"}]}),
    )  # type: ignore[arg-type]
    factory.model = 5  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        factory.text("content", "x")
    factory.model = "late"  # a translator learning the model from the answer: the stamp follows
    same(factory.text("content", "x"), validated(factory, {"content": "x"}))
