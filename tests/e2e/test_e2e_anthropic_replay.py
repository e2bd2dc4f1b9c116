"""Recorded answers of real providers, replayed as the gateway's upstream, read by the ``anthropic`` SDK through
``/v1/messages``: every successful chat interaction of the OpenAI, Gemini and Anthropic cassettes (an Anthropic
target passes through natively). Whatever the recorded model said (text, tool calls, thinking) reaches the SDK as
Anthropic content blocks, whole or streamed as the recording was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest
from gateway_server import KEY, RunningGateway, config, http_client, serve

from conformance.cassette import Interaction, chat_interactions, iter_cassettes
from conformance.expected import expected_for
from conformance.replay import ReplayTransport

UP = {"api_key_env": "UPSTREAM_KEY", "timeout": 5}
#: A gateway model per recorded dialect (the model names only need the right provider: the answer is recorded).
TARGETS = {
    "openai-chat": {"model": "openai/gpt-4o", "api_base": "http://openai.test/v1", **UP},
    "gemini": {"model": "gemini/gemini-2.5-flash", "api_base": "http://gemini.test", **UP},
    "anthropic": {"model": "anthropic/claude-sonnet-4-5", "api_base": "http://anthropic.test", **UP},
}


def _recorded() -> list[Interaction]:
    found = []
    for path in iter_cassettes(provider_classes=set(TARGETS)):
        for interaction in chat_interactions(path):
            if interaction.provider_class not in TARGETS or interaction.status != 200:
                continue
            body = interaction.request_json if isinstance(interaction.request_json, dict) else {}
            expected = expected_for(interaction)
            if expected.is_error or (body.get("n") or 1) > 1:
                continue
            found.append(interaction)
    return found


RECORDED = _recorded()


class Switch(httpx.AsyncBaseTransport):
    """The upstream of the module's gateway: the replay the running test put in place."""

    replay: ReplayTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.replay is not None
        return await self.replay.handle_async_request(request)


SWITCH = Switch()


@pytest.fixture(scope="module")
def replayed() -> Iterator[RunningGateway]:
    with serve(config(TARGETS), transport=SWITCH) as running:
        yield running


@pytest.fixture(scope="module")
def client(replayed: RunningGateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=replayed.url, api_key=KEY, max_retries=0, http_client=http_client())


def test_the_corpus_has_every_dialect_whole_and_streamed() -> None:
    kinds = {(i.provider_class, i.is_stream) for i in RECORDED}
    assert kinds == {(c, s) for c in TARGETS for s in (False, True)}, kinds
    assert len(RECORDED) >= 30


def _ids(interaction: Interaction) -> str:
    assert interaction.cassette is not None
    return f"{interaction.cassette.parent.parent.name}/{interaction.cassette.stem}#{interaction.index}"


@pytest.mark.parametrize("interaction", RECORDED, ids=_ids)
def test_recorded_answer_reaches_the_anthropic_sdk(client: anthropic.Anthropic, interaction: Interaction) -> None:
    SWITCH.replay = ReplayTransport(interaction)
    expected = expected_for(interaction)
    request: Any = {
        "model": interaction.provider_class,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hello"}],
    }
    if interaction.is_stream:
        with client.messages.stream(**request) as stream:
            message = stream.get_final_message()
    else:
        message = client.messages.create(**request)
    SWITCH.replay.assert_all_used()
    text = "".join(b.text for b in message.content if b.type == "text")
    thinking = "".join(b.thinking for b in message.content if b.type == "thinking")
    calls = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
    assert text == expected.text
    assert thinking == expected.reasoning
    assert calls == [
        (name, args if isinstance(args, dict) else json.loads(args)) for name, args, _ in expected.tool_calls
    ]
    assert message.stop_reason in ("end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal")
    if calls:
        assert message.stop_reason == "tool_use" or interaction.provider_class == "anthropic"
