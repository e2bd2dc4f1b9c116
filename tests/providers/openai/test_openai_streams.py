"""Streams of OpenAI and the compatible vendors: the translator fed event by event (pure), and whole streams
replayed through an injected transport. Tool-call indexes, reasoning spellings, honest ends, in-band errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai.types.chat as oa
import pytest

import modelmux
from modelmux._registry import get_provider
from modelmux.providers._base import CallContext
from modelmux.providers.openai.stream import OpenAIStreamTranslator

KEY = "sk-test-0123456789abcdefghijkl"


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": choices, **extra}


def translator(name: str = "openai") -> OpenAIStreamTranslator:
    provider: Any = get_provider(name)
    return provider.chat_stream_translator(CallContext(name, "m", "http://h", api_key=KEY, stream=True))


def feed_all(t: OpenAIStreamTranslator, *events: dict[str, Any] | str) -> list[modelmux.ChatCompletionChunk]:
    out: list[modelmux.ChatCompletionChunk] = []
    for e in events:
        out += t.feed("", e if isinstance(e, str) else json.dumps(e))
    return out + t.finish()


def sse(*events: dict[str, Any] | str, done: bool = True) -> bytes:
    body = b"".join(b"data: " + (e if isinstance(e, str) else json.dumps(e)).encode() + b"\n\n" for e in events)
    return body + (b"data: [DONE]\n\n" if done else b"")


def stream(name: str, body: bytes | list[bytes]) -> modelmux.ChatStream:
    pieces = body if isinstance(body, list) else [body]

    class Body(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield from pieces

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Body()))
    model = f"{name}/m"
    return modelmux.completion(model, [{"role": "user", "content": "x"}], api_key=KEY, transport=transport, stream=True)


def check_tool_deltas(chunks: list[modelmux.ChatCompletionChunk]) -> dict[int, str]:
    """The first delta of each call has its id and type; later ones keep them; indexes are 0..n-1."""
    seen: dict[int, str] = {}
    for c in chunks:
        for choice in c.choices:
            for tc in choice.delta.tool_calls or []:
                if tc.index not in seen:
                    assert tc.id and tc.type in ("function", "custom")
                    seen[tc.index] = tc.id
                else:
                    assert tc.id in (None, seen[tc.index])
    assert sorted(seen) == list(range(len(seen)))
    return seen


def rebuilt_calls(chunks: list[modelmux.ChatCompletionChunk]) -> list[tuple[str, str, str]]:
    full = modelmux.stream_chunk_builder(chunks)
    oa.ChatCompletion.model_validate(full.model_dump())
    calls = full.choices[0].message.tool_calls or []
    return [(c.id, c.function.name, c.function.arguments) for c in calls if c.function]


# ---------------------------------------------------------------- tool-call indexes


def call(index: int | None = None, id: str | None = None, name: str | None = None, args: str | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    out: dict[str, Any] = {**kw}
    if index is not None:
        out["index"] = index
    if id is not None:
        out["id"] = id
    fn = {k: v for k, v in (("name", name), ("arguments", args)) if v is not None}
    if fn:
        out["function"] = fn
    return out


def test_openai_fragments_keep_their_indexes() -> None:
    chunks = feed_all(
        translator(),
        chunk({"tool_calls": [call(0, "a", "f", "", type="function")]}),
        chunk({"tool_calls": [call(0, args='{"x"')]}),
        chunk({"tool_calls": [call(1, "b", "g", "", type="function")]}),
        chunk({"tool_calls": [call(0, args=": 1}")]}),
        chunk({"tool_calls": [call(1, args="{}")]}),
        chunk({}, "tool_calls"),
    )
    assert check_tool_deltas(chunks) == {0: "a", 1: "b"}
    assert rebuilt_calls(chunks) == [("a", "f", '{"x": 1}'), ("b", "g", "{}")]


@pytest.mark.parametrize("name", ["ollama", "hosted_vllm", "openrouter", "openai"])
def test_whole_calls_without_index_or_type_never_merge(name: str) -> None:
    chunks = feed_all(
        translator(name),
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [call(None, "call_a", "weather", '{"city": "Paris"}')]}),
        chunk({"tool_calls": [call(None, "call_b", "weather", '{"city": "Rome"}')]}),
        chunk({"tool_calls": [call(None, "call_c", "time", "{}"), call(None, "call_d", "time", '{"tz": 1}')]}),
        chunk({}, "tool_calls"),
    )
    assert check_tool_deltas(chunks) == {0: "call_a", 1: "call_b", 2: "call_c", 3: "call_d"}
    assert rebuilt_calls(chunks) == [
        ("call_a", "weather", '{"city": "Paris"}'),
        ("call_b", "weather", '{"city": "Rome"}'),
        ("call_c", "time", "{}"),
        ("call_d", "time", '{"tz": 1}'),
    ]
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())


def test_every_call_at_index_zero_with_its_own_id_never_merges() -> None:
    chunks = feed_all(
        translator("ollama"),
        chunk({"tool_calls": [call(0, "a", "f", '{"n": 1}')]}),
        chunk({"tool_calls": [call(0, "b", "f", "")]}),
        chunk({"tool_calls": [call(0, args='{"n": 2}')]}),  # continues the latest call at that index
        chunk({"tool_calls": [call(1, "c", "g", "{}")]}),  # a native index already taken: the next free one
        chunk({}, "tool_calls"),
    )
    assert check_tool_deltas(chunks) == {0: "a", 1: "b", 2: "c"}
    assert rebuilt_calls(chunks) == [("a", "f", '{"n": 1}'), ("b", "f", '{"n": 2}'), ("c", "g", "{}")]


def test_index_less_calls_without_ids_are_told_apart_by_their_name() -> None:
    chunks = feed_all(
        translator("hosted_vllm"),
        chunk({"tool_calls": [call(None, None, "f", '{"a"')]}),
        chunk({"tool_calls": [call(None, None, None, ": 1}")]}),  # no name: the same call goes on
        chunk({"tool_calls": [call(None, None, "g", "{}")]}),
        chunk({}, "tool_calls"),
    )
    ids = check_tool_deltas(chunks)
    assert len(ids) == 2 and len(set(ids.values())) == 2
    assert [(n, a) for _, n, a in rebuilt_calls(chunks)] == [("f", '{"a": 1}'), ("g", "{}")]


def test_an_id_sent_after_the_first_delta_does_not_start_a_call() -> None:
    chunks = feed_all(
        translator("hosted_vllm"),
        chunk({"tool_calls": [call(0, None, "f", "")]}),
        chunk({"tool_calls": [call(0, "late_id", None, '{"a": 1}')]}),
        chunk({"tool_calls": [call(0, "late_id", None, "")]}),
        chunk({}, "tool_calls"),
    )
    ids = check_tool_deltas(chunks)
    assert list(ids) == [0]
    assert [(n, a) for _, n, a in rebuilt_calls(chunks)] == [("f", '{"a": 1}')]


def test_indexes_are_per_choice() -> None:
    t = translator()
    first = {"index": 0, "delta": {"tool_calls": [call(None, "a", "f", "{}")]}, "finish_reason": None}
    second = {"index": 1, "delta": {"tool_calls": [call(None, "b", "g", "{}")]}, "finish_reason": None}
    out = t.feed("", json.dumps({**chunk(), "choices": [first, second]}))
    assert [c.delta.tool_calls[0].index for c in out[0].choices] == [0, 0]  # type: ignore[index]


def test_custom_tool_call_deltas() -> None:
    chunks = feed_all(
        translator(),
        chunk({"tool_calls": [{"index": 0, "id": "call_c", "type": "custom", "custom": {"name": "sh", "input": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "custom": {"input": "echo "}}]}),
        chunk({"tool_calls": [{"index": 0, "custom": {"input": "hi"}}]}),
        chunk({}, "tool_calls"),
    )
    first = chunks[0].choices[0].delta.tool_calls[0]  # type: ignore[index]
    assert first.type == "custom" and first.model_extra == {"custom": {"name": "sh", "input": ""}}
    inputs = [c.choices[0].delta.tool_calls[0].model_extra["custom"]["input"] for c in chunks[1:3]]  # type: ignore[index]
    assert inputs == ["echo ", "hi"]
    assert check_tool_deltas(chunks) == {0: "call_c"}


def test_a_custom_call_without_type_is_typed_custom() -> None:
    out = feed_all(
        translator(), chunk({"tool_calls": [{"id": "x", "custom": {"name": "sh", "input": "ls"}}]}), "[DONE]"
    )
    assert out[0].choices[0].delta.tool_calls[0].type == "custom"  # type: ignore[index]


# ---------------------------------------------------------------- reasoning spellings


@pytest.mark.parametrize("name", ["groq", "ollama", "openrouter", "hosted_vllm", "together_ai"])
def test_streamed_reasoning_field_becomes_reasoning_content(name: str) -> None:
    chunks = feed_all(
        translator(name),
        chunk({"role": "assistant", "content": "", "reasoning": "Let"}),
        chunk({"reasoning": " me see", "channel": "analysis"}),
        chunk({"content": "4"}, "stop"),
    )
    assert [c.choices[0].delta.reasoning_content for c in chunks] == ["Let", " me see", None]
    assert all("reasoning" not in (c.choices[0].delta.model_extra or {}) for c in chunks)
    full = modelmux.stream_chunk_builder(chunks)
    assert full.choices[0].message.reasoning_content == "Let me see" and full.choices[0].message.content == "4"


def test_streamed_mistral_thinking_chunks() -> None:
    think = lambda text: [{"type": "thinking", "thinking": [{"type": "text", "text": text}]}]  # noqa: E731
    chunks = feed_all(
        translator("mistral"),
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": think("Okay")}),
        chunk({"content": think(", so")}),
        chunk({"content": [{"type": "thinking", "thinking": []}]}),
        chunk({"content": "To"}),
        chunk({"content": [{"type": "text", "text": " cross"}]}, "stop"),
    )
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())
    full = modelmux.stream_chunk_builder(chunks)
    assert full.choices[0].message.reasoning_content == "Okay, so"
    assert full.choices[0].message.content == "To cross"


# ---------------------------------------------------------------- finish reasons and honest ends


def test_vendor_finish_reason_in_a_stream() -> None:
    chunks = feed_all(translator("deepseek"), chunk({"content": "x"}), chunk({}, "insufficient_system_resource"))
    last = chunks[-1].choices[0]
    assert last.finish_reason == "length" and last.native_finish_reason == "insufficient_system_resource"  # type: ignore[attr-defined]


def test_several_stop_events_the_last_wins() -> None:
    chunks = feed_all(translator(), chunk({"content": "x"}, "stop"), chunk({"content": "y"}), chunk({}, "length"))
    full = modelmux.stream_chunk_builder(chunks)
    assert full.choices[0].finish_reason == "length" and full.choices[0].message.content == "xy"


@pytest.mark.parametrize("native", ["error", "abort"])
def test_a_broken_off_stream_raises_after_what_came_before(native: str) -> None:
    body = [sse(chunk({"role": "assistant", "content": "par"}), done=False), sse(chunk({"content": "t"}, native))]
    got: list[modelmux.ChatCompletionChunk] = []
    with pytest.raises(modelmux.UpstreamError, match="broke off"):
        for c in stream("hosted_vllm", body):
            got.append(c)
    assert got and got[0].choices[0].delta.content == "par"


@pytest.mark.parametrize("name", ["openai", "groq", "mistral"])
def test_a_stream_cut_before_its_end_is_an_upstream_error(name: str) -> None:
    t = translator(name)
    t.feed("", json.dumps(chunk({"content": "Hel"})))
    with pytest.raises(modelmux.UpstreamError, match="ended before"):
        t.finish()
    with pytest.raises(modelmux.UpstreamError):
        list(stream(name, sse(chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), done=False)))


def test_an_empty_stream_is_an_upstream_error() -> None:
    with pytest.raises(modelmux.UpstreamError):
        translator().finish()


def test_a_finish_reason_without_done_is_a_whole_stream() -> None:
    chunks = list(stream("mistral", sse(chunk({"content": "Hi"}), chunk({}, "stop"), done=False)))
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "Hi"


def test_done_without_a_finish_reason_is_a_whole_stream() -> None:
    chunks = list(stream("openai", sse(chunk({"content": "Hi"}))))
    assert chunks[0].choices[0].delta.content == "Hi"


def test_usage_in_the_last_content_chunk_is_kept() -> None:
    """Mistral sends usage unasked (no stream_options) on its last chunk."""
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    chunks = feed_all(translator("mistral"), chunk({"content": "Hi"}), chunk({}, "stop", usage=usage))
    assert modelmux.stream_chunk_builder(chunks).usage.total_tokens == 5  # type: ignore[union-attr]


def test_chunks_without_delta_or_with_null_choices() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    chunks = feed_all(
        translator("hosted_vllm"),
        chunk({"content": "a"}),
        {**chunk(), "choices": [{"index": 0, "message": {"role": "assistant", "content": "b"}, "finish_reason": None}]},
        {**chunk(), "choices": [{"index": 0, "finish_reason": "stop"}]},
        {**chunk(), "choices": None, "usage": usage},
    )
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())
    full = modelmux.stream_chunk_builder(chunks)
    assert full.choices[0].message.content == "ab" and full.choices[0].finish_reason == "stop"
    assert full.usage is not None and full.usage.total_tokens == 2


def test_vendor_service_tier_in_chunks() -> None:
    out = feed_all(translator("groq"), chunk({"content": "x"}, "stop", service_tier="on_demand"))
    assert out[0].model_extra == {"native_service_tier": "on_demand"}
    oa.ChatCompletionChunk.model_validate(out[0].model_dump())


# ---------------------------------------------------------------- in-band errors


@pytest.mark.parametrize(
    ("event", "data", "cls"),
    [
        ("", {"error": {"message": "The server had an error", "type": "server_error"}}, modelmux.InternalServerError),
        (  # OpenRouter: the error object on a chunk whose choice ends with finish_reason "error"
            "",
            chunk({"content": ""}, "error", error={"code": 429, "message": "Rate limited upstream"}),
            modelmux.RateLimitError,
        ),
        (
            "",
            {"object": "error", "message": "bad input", "type": "BadRequestError", "code": 400},
            modelmux.BadRequestError,
        ),
        ("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}}, modelmux.ServiceUnavailableError),
        ("error", {"message": "boom"}, modelmux.InternalServerError),
        (
            "",
            {"error": {"message": "Invalid tool call", "type": "invalid_request_error", "code": "tool_use_failed"}},
            modelmux.BadRequestError,
        ),
        ("", {"error": "plain text error"}, modelmux.InternalServerError),
    ],
)
def test_in_band_errors_map_to_the_error_tree(event: str, data: dict[str, Any], cls: type[Exception]) -> None:
    t = translator("openrouter")
    assert t.feed("", json.dumps(chunk({"content": "a"})))
    with pytest.raises(cls) as info:
        t.feed(event, json.dumps(data))
    assert type(info.value) is cls
    assert info.value.provider == "openrouter"  # type: ignore[attr-defined]


def test_an_error_event_that_is_not_json_is_still_that_error() -> None:
    t = translator()
    with pytest.raises(modelmux.InternalServerError, match="upstream exploded"):
        t.feed("error", "upstream exploded")


def test_empty_keep_alive_events_are_skipped() -> None:
    chunks = feed_all(translator(), "", "  ", chunk({"content": "x"}, "stop"))
    assert len(chunks) == 1


def test_chunks_before_an_error_event_are_delivered_first() -> None:
    body = [
        sse(chunk({"role": "assistant", "content": "a"}), done=False),
        sse({"error": {"message": "late"}}, done=False),
    ]
    got: list[modelmux.ChatCompletionChunk] = []
    with pytest.raises(modelmux.InternalServerError, match="late"):
        for c in stream("openai", body):
            got.append(c)
    assert [c.choices[0].delta.content for c in got] == ["a"]


def test_an_echoed_key_in_an_error_event_is_redacted() -> None:
    with pytest.raises(modelmux.AuthenticationError) as info:
        list(stream("groq", sse({"error": {"message": f"bad key {KEY}", "code": 401}})))
    assert KEY not in str(info.value) + repr(info.value.body)  # type: ignore[attr-defined]


def test_garbage_events_are_upstream_errors() -> None:
    for data in ("[1, 2]", '"text"', '{"choices": "no"}'):
        with pytest.raises(modelmux.UpstreamError):
            list(stream("openai", f"data: {data}\n\n".encode()))
