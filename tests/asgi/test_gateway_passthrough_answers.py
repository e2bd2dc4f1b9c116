"""Non-streamed pass-through: an OpenAI-format answer already in OpenAI's own shape goes to the client as the
upstream's bytes; every other answer (rewritten by the parser, or an error) ends exactly as on the parsed path.

The parsed path is the same gateway given a callback that may read the response (so it cannot pass through)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_helpers import ENV

from conformance.cassette import Interaction, chat_interactions, iter_cassettes
from conformance.replay import ReplayServer
from modelmux import acompletion
from modelmux._raw_answer import RawAnswer, araw_chat_completion, plain_answer
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.callbacks import Callback
from modelmux.errors import APIError, UpstreamError

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]
SHARED = Path(__file__).resolve().parents[3] / "shared" / "conformance"


class Reads(Callback):
    """A callback that may read ``event.response``: its route keeps the parsed path."""

    def on_success(self, event: Any) -> None:
        pass


def _recorded_answers() -> list[Interaction]:
    """Every recorded non-streamed OpenAI chat interaction (answers and error statuses), from the project's
    cassettes and the shared corpus (a file in both counted once)."""
    found: list[Interaction] = []
    seen: set[bytes] = set()
    for root in (None, SHARED):
        paths = iter_cassettes(provider_classes={"openai-chat"}) if root is None else []
        if root is not None and root.is_dir():
            paths = iter_cassettes(root, provider_classes={"openai-chat"})
        for path in paths:
            for interaction in chat_interactions(path):
                body = interaction.decoded_body()
                key = interaction.url.encode() + b"\0" + body
                if interaction.is_stream or key in seen:
                    continue
                seen.add(key)
                found.append(interaction)
    return found


ANSWERS = _recorded_answers()


def config(api_base: str | None = None, model: str = "openai/gpt-4o-mini") -> Any:
    route: dict[str, Any] = {"model": model, "api_key_env": "UPSTREAM_KEY"}
    if api_base is not None:
        route["api_base"] = api_base
    return parse_config({"models": {"up": route}}, environ=ENV)


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


async def both(make: Callable[[], Any], body: dict[str, Any] | None = None) -> tuple[httpx.Response, httpx.Response]:
    """The same request through a pass-through gateway and a parsed one (``make(callbacks)`` builds each)."""
    body = body or {"model": "up", "messages": USER}
    out = []
    for callbacks in ((), (Reads(),)):
        async with client(make()(callbacks)) as http:
            out.append(await http.post("/v1/chat/completions", json=body))
    return out[0], out[1]


def without_nulls(value: Any) -> Any:
    """JSON as a client reads it: a null field is an absent one (the parsed path leaves nulls out)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


_GATEWAY_HEADERS = ("content-type", "x-request-id")


def assert_same_answer(passed: httpx.Response, parsed: httpx.Response) -> None:
    assert passed.status_code == parsed.status_code, (passed.text, parsed.text)
    assert without_nulls(passed.json()) == without_nulls(parsed.json())
    for name in {*_GATEWAY_HEADERS, *(k for k in parsed.headers if k.startswith("x-modelmux-"))}:
        assert (name in passed.headers) == (name in parsed.headers), name
    assert passed.headers["content-type"] == parsed.headers["content-type"]


def test_the_corpus_has_openai_answers() -> None:
    assert sum(1 for i in ANSWERS if i.status == 200) >= 20 and any(i.status >= 400 for i in ANSWERS)


@pytest.mark.parametrize("interaction", ANSWERS, ids=lambda i: f"{i.cassette.stem if i.cassette else ''}#{i.index}")
async def test_a_recorded_answer_is_the_same_through_both_paths(interaction: Interaction) -> None:
    out = []
    for callbacks in ((), (Reads(),)):
        with ReplayServer(interaction) as upstream:
            app = create_app(config(upstream.url + "/v1"), limiter=MemoryLimiter(), callbacks=callbacks)
            async with client(app) as http:
                out.append(await http.post("/v1/chat/completions", json={"model": "up", "messages": USER}))
    passed, parsed = out
    assert_same_answer(passed, parsed)
    recorded = interaction.decoded_body()
    if interaction.status == 200:
        assert plain_answer(json.loads(recorded))  # OpenAI's own answers all qualify...
        assert passed.content == recorded  # ...and go out as they came, OpenAI's spacing and nulls included
        assert passed.content != parsed.content


# ---------------------------------------------------------------- answers that are not plain, and broken ones

MESSAGE = {"role": "assistant", "content": "Hello", "refusal": None}
PLAIN = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": MESSAGE, "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    "system_fingerprint": "fp_1",
}


def _with(**changes: Any) -> bytes:
    doc = json.loads(json.dumps(PLAIN))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
    return json.dumps(doc).encode()


_DROP = object()
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}

#: Bodies the parser rewrites (the pass-through must hand them to it) or rejects (the same error must result).
BODIES: dict[str, tuple[int, bytes]] = {
    "vendor finish_reason": (200, _with(choices__0__finish_reason="eos")),
    "broken-off finish_reason": (200, _with(choices__0__finish_reason="error")),
    "broken off with its error": (
        200,
        _with(choices__0__finish_reason="error", choices__0__error={"message": "upstream died", "code": 502}),
    ),
    "reasoning spelling": (200, _with(choices__0__message__reasoning="thought")),
    "list content": (200, _with(choices__0__message__content=[{"type": "text", "text": "Hi"}])),
    "vendor service tier": (200, _with(service_tier="on_demand")),
    "missing id": (200, _with(id=_DROP)),
    "missing model": (200, _with(model="")),
    "missing object": (200, _with(object=_DROP)),
    "missing role": (200, _with(choices__0__message__role=_DROP)),
    "missing index": (200, _with(choices__0__index=_DROP)),
    "null counts": (200, _with(usage__completion_tokens=None)),
    "float created": (200, _with(created=1700000000.0)),
    "null arguments": (
        200,
        _with(choices__0__message__tool_calls=[{**CALL, "function": {"name": "f", "arguments": None}}]),
    ),
    "tool call without type": (
        200,
        _with(choices__0__message__tool_calls=[{k: v for k, v in CALL.items() if k != "type"}]),
    ),
    "bad content type": (200, _with(choices__0__message__content=5)),
    "bad usage": (200, _with(usage={"prompt_tokens": "many"})),
    "no choices key": (200, _with(choices=_DROP)),
    "error object": (200, b'{"error":{"message":"Rate limit reached","type":"requests","code":429}}'),
    "error and choices": (200, _with(error={"message": "partial", "type": "server_error"})),
    "vllm error": (200, b'{"object":"error","message":"bad","type":"BadRequestError","code":400}'),
    "truncated": (200, _with()[:-40]),
    "not json": (200, b"upstream exploded"),
    "html": (200, b"<html><body>502 Bad Gateway</body></html>"),
    "empty": (200, b""),
    "a list": (200, b"[1, 2]"),
    "empty object": (200, b"{}"),
    "error status": (500, b'{"error":{"message":"The server had an error","type":"server_error"}}'),
    "rate limited": (429, b'{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}'),
    "bad request": (400, b'{"error":{"message":"bad messages","type":"invalid_request_error","param":"messages"}}'),
}

#: Plain answers with fields beyond the model's (kept as they came on both paths).
PLAIN_BODIES: dict[str, bytes] = {
    "plain": _with(),
    "tool calls": _with(choices__0__message__tool_calls=[CALL], choices__0__finish_reason="tool_calls"),
    "custom tool call": _with(
        choices__0__message__tool_calls=[{"id": "c", "type": "custom", "custom": {"name": "g", "input": "x"}}]
    ),
    "extras and details": _with(
        choices__0__message__annotations=[],
        usage__prompt_tokens_details={"cached_tokens": 0, "audio_tokens": None},
        usage__completion_tokens_details={"reasoning_tokens": 0},
        service_tier="default",
        choices__0__content_filter_results={"hate": {"filtered": False}},
    ),
    "no usage": _with(usage=_DROP),
    "no choices": _with(choices=[]),
    "reasoning_content": _with(choices__0__message__reasoning_content="thought"),
    "null finish": _with(choices__0__finish_reason=None),
}


def answering(status: int, content: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=content, headers={"content-type": "application/json"})
    )


def gateway_on(transport: Any, model: str = "openai/gpt-4o-mini") -> Callable[[], Any]:
    return lambda: (
        lambda callbacks: create_app(
            config(model=model), transport=transport, limiter=MemoryLimiter(), callbacks=callbacks
        )
    )


@pytest.mark.parametrize(("status", "content"), BODIES.values(), ids=list(BODIES))
async def test_an_answer_the_parser_rewrites_or_rejects_ends_as_on_the_parsed_path(status: int, content: bytes) -> None:
    if status == 200:
        try:
            doc = json.loads(content)
        except ValueError:
            doc = None
        assert not plain_answer(doc)
    passed, parsed = await both(gateway_on(answering(status, content)))
    assert_same_answer(passed, parsed)
    assert passed.content == parsed.content  # both made by the parsed path: the same bytes


@pytest.mark.parametrize("content", PLAIN_BODIES.values(), ids=list(PLAIN_BODIES))
async def test_a_plain_answer_goes_out_as_it_came(content: bytes) -> None:
    assert plain_answer(json.loads(content))
    passed, parsed = await both(gateway_on(answering(200, content)))
    assert passed.content == content
    assert_same_answer(passed, parsed)


async def test_a_broken_answer_is_an_error_never_an_empty_success() -> None:
    for name in ("truncated", "not json", "empty", "a list", "html"):
        passed, _ = await both(gateway_on(answering(*BODIES[name])))
        assert passed.status_code == 502, name
        assert "failed" in passed.json()["error"]["message"] and "choices" not in passed.text


@pytest.mark.parametrize(
    ("model", "raw"),
    [
        ("groq/llama-3.3-70b-versatile", True),  # a compatible vendor: answers checked, then passed on
        ("deepseek/deepseek-chat", True),
        ("mistral/mistral-large-latest", True),
        ("perplexity/sonar", False),  # citations: the text is rewritten, never passed on
    ],
)
async def test_compatible_vendors_pass_plain_answers_through_as_their_profile_allows(model: str, raw: bool) -> None:
    content = _with()
    passed, parsed = await both(gateway_on(answering(200, content), model))
    assert (passed.content == content) is raw
    assert_same_answer(passed, parsed)


# ---------------------------------------------------------------- the library function


async def test_the_raw_answer_keeps_the_bytes_and_reads_the_usage_as_the_parser_does() -> None:
    content = _with(service_tier="default")
    answer = await araw_chat_completion("openai/gpt-4o-mini", USER, api_key="sk-x", transport=answering(200, content))
    assert isinstance(answer, RawAnswer) and answer.body == content
    parsed = await acompletion("openai/gpt-4o-mini", USER, api_key="sk-x", transport=answering(200, content))
    assert answer.usage == parsed.usage and answer.model == parsed.model and answer.id == parsed.id
    assert answer.service_tier == parsed.service_tier
    assert [(c.index, c.finish_reason) for c in answer.choices] == [(c.index, c.finish_reason) for c in parsed.choices]


async def test_the_raw_answer_falls_back_to_the_parser() -> None:
    content = _with(choices__0__finish_reason="eos")
    answer = await araw_chat_completion("openai/gpt-4o-mini", USER, api_key="sk-x", transport=answering(200, content))
    assert not isinstance(answer, RawAnswer)
    assert answer.choices[0].finish_reason == "stop" and answer.choices[0].native_finish_reason == "eos"


async def test_max_response_bytes_still_bounds_the_answer() -> None:
    content = _with(choices__0__message__content="x" * 5000)
    errors: list[APIError] = []
    for call in (araw_chat_completion, acompletion):
        with pytest.raises(APIError) as caught:
            await call(
                "openai/gpt-4o-mini", USER, api_key="sk-x", transport=answering(200, content), max_response_bytes=1000
            )
        errors.append(caught.value)
    assert type(errors[0]) is type(errors[1]) and str(errors[0]) == str(errors[1])
    assert "max_response_bytes" in str(errors[0]) or "1000" in str(errors[0])


async def test_an_in_band_error_is_the_same_mapped_error() -> None:
    content = BODIES["error object"][1]
    errors = []
    for call in (araw_chat_completion, acompletion):
        with pytest.raises(APIError) as caught:
            await call("openai/gpt-4o-mini", USER, api_key="sk-x", transport=answering(200, content))
        errors.append(caught.value)
    assert type(errors[0]) is type(errors[1]) and errors[0].status_code == errors[1].status_code == 429
    assert not isinstance(errors[0], UpstreamError)
