"""Validation and the unsupported-parameter rule, before anything is sent."""

from __future__ import annotations

import logging
import warnings

import httpx
import pytest

import modelmux

MSG = [{"role": "user", "content": "x"}]


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


T = httpx.MockTransport(never)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"n": 0}, "n"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"stop": 3}, "stop"),
        ({"tools": [{"type": "function"}]}, "tools"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
    ],
)
def test_bad_values_are_clear_errors(kwargs: dict[str, object], param: str) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=T, **kwargs)  # type: ignore[arg-type]
    assert info.value.param == param


@pytest.mark.parametrize(
    "messages",
    [[], "hello", [{"content": "no role"}], [{"role": "robot", "content": "x"}], [42]],
)
def test_bad_messages(messages: object) -> None:
    with pytest.raises(modelmux.BadRequestError, match="messages"):
        modelmux.completion("openai/gpt-4o", messages, api_key="k", transport=T)  # type: ignore[arg-type]


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(modelmux.AuthenticationError, match="OPENAI_API_KEY"):
        modelmux.completion("openai/gpt-4o", MSG, transport=T)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def ok(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(
            200, json={"id": "1", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
        )

    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
    modelmux.completion("openai/gpt-4o", MSG, transport=httpx.MockTransport(ok))
    assert seen == ["Bearer sk-env-key"]


def test_unsupported_param_raises_then_drops_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    # Anthropic has no seed.
    with pytest.raises(modelmux.UnsupportedParamsError) as info:
        modelmux.completion("anthropic/claude-sonnet-4-5", MSG, api_key="k", transport=T, seed=1)
    assert info.value.param == "seed" and "anthropic" in str(info.value) and "drop_params" in str(info.value)

    sent: list[bytes] = []

    def ok(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [{"type": "text", "text": "hi"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        )

    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, "modelmux"):
        warnings.simplefilter("always")
        out = modelmux.completion(
            "anthropic/claude-sonnet-4-5", MSG, api_key="k", transport=httpx.MockTransport(ok), seed=1, drop_params=True
        )
    assert out.choices[0].message.content == "hi"
    assert b"seed" not in sent[0]
    assert any(issubclass(w.category, modelmux.DroppedParamWarning) and "seed" in str(w.message) for w in caught)
    assert any("seed" in r.getMessage() for r in caplog.records)


def test_pydantic_message_from_a_previous_answer_is_accepted() -> None:
    first = modelmux.completion("mock/x", MSG)
    second = modelmux.completion("mock/echo", [*MSG, first.choices[0].message, {"role": "user", "content": "again"}])
    assert second.choices[0].message.content == "again"
