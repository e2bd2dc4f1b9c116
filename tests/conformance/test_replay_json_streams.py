"""Stream requests answered with one JSON document instead of SSE (Gemini's ``streamGenerateContent``
without ``alt=sse`` answers a JSON array of chunks) must still stream the same answer."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

import modelmux
from modelmux.errors import UpstreamError

from .cassette import CASSETTES_ROOT, chat_interactions, iter_cassettes
from .checks import assert_chunks_valid, assert_matches
from .expected import expected_for
from .replay import ReplayServer, ReplayTransport

CASES = [
    pytest.param(it, id=f"{path.stem}#{i}")
    for path in iter_cassettes(CASSETTES_ROOT, {"gemini"})
    for i, it in enumerate(chat_interactions(path))
    if it.stream_format == "json-array" and it.status == 200
]


HI = [{"role": "user", "content": "hi"}]


def model_of(it: Any) -> str:
    return "gemini/" + it.path.split("/models/")[1].split(":")[0]


def test_there_are_such_recordings() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("it", CASES)
def test_json_array_answer_to_a_stream_request(it: Any) -> None:
    stream = modelmux.completion(
        model_of(it),
        [{"role": "user", "content": "hi"}],
        api_key="k",
        transport=ReplayTransport(it),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert_chunks_valid(chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert_matches(modelmux.stream_chunk_builder(chunks), expected_for(it), check_ids=False)


@pytest.mark.parametrize("it", CASES[:2])
def test_json_array_stream_over_http(it: Any) -> None:
    with ReplayServer([it]) as server:
        chunks = list(
            modelmux.completion(
                model_of(it), [{"role": "user", "content": "hi"}], api_key="k", api_base=server.url, stream=True
            )
        )
    assert (modelmux.stream_chunk_builder(chunks).choices[0].message.content or "") == expected_for(it).text


@pytest.mark.parametrize("it", CASES)
def test_json_array_without_its_finish_is_an_upstream_error(it: Any) -> None:
    """The recorded array cut before its first item with a finishReason: an error, not a short success."""
    items = json.loads(it.decoded_body())
    cut = next(i for i, item in enumerate(items) if any(c.get("finishReason") for c in item.get("candidates", [])))
    headers = [(k, v) for k, v in it.response_headers if k not in {"content-encoding", "content-length"}]
    truncated = dataclasses.replace(it, response_body=json.dumps(items[:cut]).encode(), response_headers=headers)
    with pytest.raises(UpstreamError):
        list(modelmux.completion(model_of(it), HI, api_key="k", transport=ReplayTransport(truncated), stream=True))
    with pytest.raises(UpstreamError):  # the same body read as a non-streamed answer
        modelmux.completion(model_of(it), HI, api_key="k", transport=ReplayTransport(truncated))
