"""Chat chunks → Responses stream events: each checked with the ``openai`` SDK's event types, numbered and ordered
as the API does, and accumulated by the SDK's own stream state into the final response."""

from __future__ import annotations

from typing import Any

from openai import NOT_GIVEN
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from modelmux._responses.convert_output import skeleton
from modelmux._responses.stream_events import EventTranslator
from modelmux._responses.streams import _Tracker
from modelmux.types import ChatCompletionChunk

EVENT = TypeAdapter(ResponseStreamEvent)


def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, Any] | None = None) -> ChatCompletionChunk:
    choices = [{"index": 0, "delta": delta, "finish_reason": finish}] if delta or finish else []
    return ChatCompletionChunk.model_validate({"id": "c", "model": "x", "choices": choices, "usage": usage})


def run(chunks: list[ChatCompletionChunk], body: dict[str, Any] | None = None) -> tuple[list[Any], EventTranslator]:
    translator = EventTranslator(skeleton(body or {"input": "x"}, model="m"))
    events = translator.start()
    for c in chunks:
        events += translator.feed(c)
    events += translator.finish()
    return events, translator


def check(events: list[dict[str, Any]]) -> Response:
    """Each event valid, numbered 0, 1, 2…; the SDK accumulates them into the final response without error."""
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    state: ResponseStreamState[Any] = ResponseStreamState(input_tools=[], text_format=NOT_GIVEN)
    final = None
    for raw in events:
        event = EVENT.validate_python(raw)
        state.handle_event(event)
        if raw["type"] in ("response.completed", "response.incomplete"):
            final = Response.model_validate(raw["response"])
    assert final is not None
    return final


USAGE = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def test_text() -> None:
    events, translator = run(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, "stop"),
            chunk({}, usage=USAGE),
        ]
    )
    kinds = [e["type"] for e in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = check(events)
    assert final.output_text == "Hello" and final.status == "completed"
    assert final.usage is not None and final.usage.output_tokens == 4
    assert translator.response is not None and translator.response["output"][0]["content"][0]["text"] == "Hello"
    message_id = events[2]["item"]["id"]
    assert all(e.get("item_id", message_id) == message_id for e in events)


def test_reasoning_then_text_then_parallel_tool_calls() -> None:
    events, _ = run(
        [
            chunk({"reasoning_content": "Let me "}),
            chunk({"reasoning_content": "think."}),
            chunk({"thinking_blocks": [{"type": "thinking", "thinking": "", "signature": "sig"}]}),
            chunk({"content": "Checking."}),
            chunk({"tool_calls": [{"index": 0, "id": "call_a", "function": {"name": "f", "arguments": ""}}]}),
            chunk({"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "g", "arguments": '{"x"'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"y":2}'}}]}),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": ":1}"}}]}),
            chunk({}, "tool_calls", usage=USAGE),
        ]
    )
    final = check(events)
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call", "function_call"]
    reasoning, message, first, second = final.output
    assert reasoning.summary[0].text == "Let me think."
    assert reasoning.encrypted_content and reasoning.encrypted_content.startswith("modelmux:thinking:")
    assert message.content[0].text == "Checking."
    assert (first.call_id, first.name, first.arguments) == ("call_a", "f", '{"y":2}')
    assert (second.call_id, second.name, second.arguments) == ("call_b", "g", '{"x":1}')
    added = [e["output_index"] for e in events if e["type"] == "response.output_item.added"]
    assert added == [0, 1, 2, 3]
    kinds = [e["type"] for e in events]
    assert kinds.index("response.reasoning_summary_part.done") < kinds.index("response.content_part.added")
    done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    assert [e["arguments"] for e in done] == ['{"y":2}', '{"x":1}']


def test_a_new_id_at_a_known_index_is_a_new_call() -> None:
    events, _ = run(
        [
            chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}),
            chunk({"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}}]}),
            chunk({}, "tool_calls"),
        ]
    )
    assert [item.call_id for item in check(events).output] == ["a", "b"]  # type: ignore[union-attr]


def test_length_ends_in_response_incomplete() -> None:
    events, _ = run([chunk({"content": "Hel"}), chunk({}, "length")])
    assert events[-1]["type"] == "response.incomplete"
    final = check(events)
    assert final.status == "incomplete" and final.incomplete_details is not None
    assert final.incomplete_details.reason == "max_output_tokens"


def test_failure_events_continue_the_numbering() -> None:
    translator = EventTranslator(skeleton({"input": "x"}, model="m"))
    tracker = _Tracker()
    events = translator.start() + translator.feed(chunk({"content": "Hi"}))
    for event in events:
        tracker.see(event)
    failure = tracker.failure_events("The upstream failed.", "server_error")
    assert [e["sequence_number"] for e in failure] == [len(events), len(events) + 1]
    assert [e["type"] for e in failure] == ["error", "response.failed"]
    for event in failure:
        EVENT.validate_python(event)
    assert failure[1]["response"]["status"] == "failed"
    assert failure[1]["response"]["error"]["message"] == "The upstream failed."


def test_a_refusal_streams_as_its_own_part() -> None:
    events, _ = run(
        [chunk({"content": "Well"}), chunk({"refusal": "I can't"}), chunk({"refusal": " help."}), chunk({}, "stop")]
    )
    final = check(events)
    (message,) = final.output
    assert [(p.type, getattr(p, "text", None) or getattr(p, "refusal", None)) for p in message.content] == [  # type: ignore[union-attr]
        ("output_text", "Well"),
        ("refusal", "I can't help."),
    ]
    done = next(e for e in events if e["type"] == "response.refusal.done")
    assert (done["content_index"], done["refusal"]) == (1, "I can't help.")


def test_citations_on_the_last_delta_become_annotation_events() -> None:
    cite = {
        "type": "url_citation",
        "url_citation": {"url": "https://a", "title": "A", "start_index": 0, "end_index": 3},
    }
    events, _ = run([chunk({"content": "See [1]"}), chunk({"annotations": [cite]}, "stop")])
    added = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert [(e["annotation_index"], e["annotation"]["url"]) for e in added] == [(0, "https://a")]
    final = check(events)
    assert final.output[0].content[0].annotations[0].url == "https://a"  # type: ignore[union-attr]
