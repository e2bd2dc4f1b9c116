"""Tests for the cassette loader and the replay transport / server."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from .cassette import (
    CASSETTES_ROOT,
    CHAT_PROVIDER_CLASSES,
    Interaction,
    chat_interactions,
    decode_content,
    is_chat_url,
    iter_cassettes,
    load_cassette,
    provider_class_for_url,
)
from .conftest import corpus_summary
from .expected import parse_sse
from .replay import ChunkedByteStream, ReplayError, ReplayServer, ReplayTransport, split_body

COPIED_CLASSES = {
    *CHAT_PROVIDER_CLASSES,
    "bedrock-converse",
    "cohere-v2",
    "openai-embeddings",
    "openai-images",
    "openai-moderations",
    "openai-audio-transcription",
    "vertex-gemini",
}
ALL_FILES = iter_cassettes(CASSETTES_ROOT)
CHAT_FILES = iter_cassettes(CASSETTES_ROOT, CHAT_PROVIDER_CLASSES)
LOADED = {p: load_cassette(p) for p in ALL_FILES}  # parsed once for parametrisation
CHAT = [i for p in CHAT_FILES for i in LOADED[p] if i.is_chat]
GZIPPED = [i for p in ALL_FILES for i in LOADED[p] if i.content_encoding]


def _id(obj: object) -> str:
    if isinstance(obj, Path):
        return str(obj.relative_to(CASSETTES_ROOT))
    assert isinstance(obj, Interaction) and obj.cassette is not None
    return f"{obj.cassette.relative_to(CASSETTES_ROOT)}#{obj.index}"


def _independent_decode(it: Interaction) -> bytes:
    """Decode with the stdlib gzip module only (no httpx, no cassette.decode_content)."""
    if it.content_encoding:
        assert it.content_encoding.strip().lower() == "gzip", it.content_encoding
        return gzip.decompress(it.response_body)
    return it.response_body


def _send_args(it: Interaction) -> tuple[dict[str, str], bytes]:
    """Headers and body to re-send a recorded request (only the content negotiation headers)."""
    headers = {k: v for k, v in it.request_headers.items() if k in {"content-type", "accept"}}
    return headers, it.request_body or b""


# ---------------------------------------------------------------------------------------------------------
# corpus layout
# ---------------------------------------------------------------------------------------------------------


def _index_rows() -> list[list[str]]:
    text = (CASSETTES_ROOT / "INDEX.md").read_text(encoding="utf-8")
    return [[c.strip() for c in line.split("|")[1:-1]] for line in text.splitlines() if line.startswith("| `")]


def test_index_lists_exactly_the_copied_files() -> None:
    rows = _index_rows()
    listed = {row[0].strip("`") for row in rows}
    on_disk = {str(p.relative_to(CASSETTES_ROOT)) for p in ALL_FILES}
    assert listed == on_disk
    for row in rows:  # the directory is the provider class column
        assert row[0].strip("`").split("/")[1] == row[6]
    assert {p.parent.name for p in ALL_FILES} == COPIED_CLASSES
    assert len(ALL_FILES) == 188


def test_iter_cassettes_filters_by_class() -> None:
    only = iter_cassettes(CASSETTES_ROOT, {"gemini"})
    assert only and all(p.parent.name == "gemini" for p in only)
    assert set(only) < set(ALL_FILES)
    assert iter_cassettes(CASSETTES_ROOT, set()) == []
    assert len(CHAT_FILES) == 44 + 34 + 24


def test_summary_counts_every_class() -> None:
    lines = corpus_summary()
    assert {line.split()[0] for line in lines[1:-1]} == COPIED_CLASSES
    total_files = int(lines[-1].split()[1])
    assert total_files == len(ALL_FILES)


# ---------------------------------------------------------------------------------------------------------
# loader
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=_id)
def test_every_cassette_loads(path: Path) -> None:
    interactions = load_cassette(path)
    assert interactions, "no interactions"
    for n, it in enumerate(interactions):
        assert it.index == n and it.cassette == path
        assert it.method in {"GET", "POST"}
        assert re.match(r"https?://", it.url)
        assert 100 <= it.status <= 599
        assert all(k == k.lower() for k in it.request_headers)
        names = [k for k, _ in it.response_headers]
        assert all(k == k.lower() for k in names)
        assert "content-length" not in names and "transfer-encoding" not in names
        assert isinstance(it.response_body, bytes)
        if it.content_encoding is not None:
            assert it.response_body[:2] == b"\x1f\x8b", "content-encoding kept on a decoded body"
        if it.request_json is not None:
            assert it.request_body is not None
            assert json.loads(it.request_body) == it.request_json


@pytest.mark.parametrize("it", CHAT, ids=_id)
def test_chat_interaction_body(it: Interaction) -> None:
    body = it.decoded_body()
    assert body.strip(), "empty response body"
    assert it.request_body and isinstance(it.request_json, dict)
    if it.stream_format == "sse":
        events = parse_sse(body.decode("utf-8"))
        assert len(events) >= 1
        payloads = [e.data for e in events if e.data.strip() != "[DONE]"]
        assert payloads and all(isinstance(json.loads(p), dict) for p in payloads)
    elif it.stream_format == "json-array":
        chunks = json.loads(body)
        assert isinstance(chunks, list) and len(chunks) >= 1
    else:
        assert isinstance(json.loads(body), dict)
    if it.status >= 400:
        assert "error" in it.json()


def test_chat_interactions_filter() -> None:
    path = CASSETTES_ROOT / "crewAI/openai-chat/test_llm_call_with_error.yaml"
    everything = load_cassette(path)
    assert [i.url for i in everything][1].startswith("http://localhost:3000/")
    chat = chat_interactions(path)
    assert [i.index for i in chat] == [0]
    mixed = chat_interactions(CASSETTES_ROOT / "pydantic-ai/gemini/test_multiple_agent_tool_calls.yaml")
    assert [i.provider_class for i in mixed] == ["gemini", "gemini", "openai-chat", "openai-chat"]
    assert all(i.cassette_class == "gemini" for i in mixed)
    responses = load_cassette(CASSETTES_ROOT / "pydantic-ai/openai-chat/test_openai_model_thinking_part.yaml")
    assert [i.provider_class for i in responses] == ["openai-responses", "openai-chat"]


@pytest.mark.parametrize(
    ("url", "cls", "chat"),
    [
        ("https://api.openai.com/v1/chat/completions", "openai-chat", True),
        ("https://api.anthropic.com/v1/messages?beta=true", "anthropic", True),
        ("https://api.anthropic.com/v1/messages/count_tokens", None, False),
        ("https://generativelanguage.googleapis.com/v1beta/models/g:generateContent", "gemini", True),
        ("https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse", "gemini", True),
        ("https://generativelanguage.googleapis.com/v1beta/models/g:countTokens", None, False),
        ("https://x-aiplatform.googleapis.com/v1/projects/p/models/g:generateContent", "vertex-gemini", True),
        ("https://api.openai.com/v1/embeddings", "openai-embeddings", False),
        ("https://api.openai.com/v1/responses", "openai-responses", False),
        ("https://t3.ftcdn.net/jpg/image.jpg", None, False),
    ],
)
def test_url_classification(url: str, cls: str | None, chat: bool) -> None:
    assert provider_class_for_url(url) == cls
    assert is_chat_url(url) is chat


def test_vcrpy_plain_string_body() -> None:
    [it] = load_cassette(CASSETTES_ROOT / "crewAI/openai-chat/test_o3_mini_reasoning_effort_low.yaml")
    assert it.method == "POST" and it.status == 200
    assert isinstance(it.request_json, dict) and it.request_json["model"] == "o3-mini"
    assert it.response_body.startswith(b"{")
    assert it.json()["object"] == "chat.completion"


def test_parsed_body_is_json_dumped_and_content_encoding_dropped(tmp_path: Path) -> None:
    src = tmp_path / "p" / "anthropic" / "c.yaml"
    src.parent.mkdir(parents=True)
    src.write_text(
        """interactions:
- request:
    headers:
      content-type:
      - application/json
    method: POST
    parsed_body:
      model: m
      stream: false
    uri: https://api.anthropic.com/v1/messages?beta=true
  response:
    headers:
      content-encoding:
      - gzip
      content-length:
      - '9'
      content-type:
      - application/json
      set-cookie:
      - a=1
      - b=2
    parsed_body:
      content:
      - text: hi
        type: text
    status:
      code: 200
      message: OK
version: 1
""",
        encoding="utf-8",
    )
    [it] = load_cassette(src)
    assert it.request_json == {"model": "m", "stream": False}
    assert it.request_body == json.dumps({"model": "m", "stream": False}).encode()
    assert it.response_body == json.dumps({"content": [{"text": "hi", "type": "text"}]}).encode()
    assert it.response_headers == [("content-type", "application/json"), ("set-cookie", "a=1"), ("set-cookie", "b=2")]
    assert it.cassette_class == "anthropic" and it.source == "p" and it.provider_class == "anthropic"
    assert not it.is_stream


def test_ruby_vcr_binary_tag_and_title_case(tmp_path: Path) -> None:
    import base64

    raw = gzip.compress(b'{"ok": true}')
    request_b64 = base64.b64encode(b"--b\r\n\xff\xfe").decode()
    response_b64 = base64.b64encode(raw).decode()
    src = tmp_path / "r.yml"
    src.write_text(
        f"""---
http_interactions:
- request:
    method: post
    uri: https://api.openai.com/v1/audio/transcriptions
    body:
      encoding: ASCII-8BIT
      string: !binary |-
        {request_b64}
    headers:
      Content-Type:
      - multipart/form-data; boundary=b
      X-Multi:
      - one
      - two
  response:
    status:
      code: 201
      message: Created
    headers:
      Content-Encoding:
      - gzip
      Transfer-Encoding:
      - chunked
    body:
      encoding: ASCII-8BIT
      string: !binary |-
        {response_b64}
  recorded_at: Wed, 19 Aug 2026 14:34:12 GMT
recorded_with: VCR 6.4.0
""",
        encoding="utf-8",
    )
    [it] = load_cassette(src)
    assert it.method == "POST" and it.status == 201
    assert it.request_body == b"--b\r\n\xff\xfe" and it.request_json is None
    assert it.request_headers == {"content-type": "multipart/form-data; boundary=b", "x-multi": "one, two"}
    assert it.response_headers == [("content-encoding", "gzip")]
    assert it.response_body == raw and it.decoded_body() == b'{"ok": true}'
    # The private loader must not leak the Ruby tag into PyYAML's global SafeLoader.
    import yaml

    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load("x: !binary aGk=")


def test_ruby_vcr_real_file() -> None:
    path = CASSETTES_ROOT / (
        "ruby_llm/anthropic/chat_streaming_responses_anthropic_claude-haiku-4-5_supports_streaming_responses.yml"
    )
    [it] = load_cassette(path)
    assert it.method == "POST" and it.request_headers["anthropic-version"] == "2023-06-01"
    assert it.is_stream and it.stream_format == "sse"
    assert it.response_header("content-type") == "text/event-stream; charset=utf-8"
    assert it.response_body.startswith(b"event: message_start\n")


def test_binary_non_gzip_body_kept_verbatim() -> None:
    image = load_cassette(CASSETTES_ROOT / "pydantic-ai/gemini/test_google_model_image_url_input.yaml")[0]
    assert image.method == "GET" and image.content_encoding is None
    assert image.response_body[:3] == b"\xff\xd8\xff"  # JPEG magic
    assert not image.is_chat


@pytest.mark.parametrize("it", GZIPPED, ids=_id)
def test_gzip_bodies_decode_via_httpx(it: Interaction) -> None:
    response = httpx.Response(it.status, headers=it.response_headers, content=it.response_body)
    decoded = response.read()
    assert decoded == _independent_decode(it) == decode_content(it.response_body, it.content_encoding)
    text = response.text.lstrip()
    assert text[:1] in {"{", "["} or text.startswith(("data:", "event:"))
    if text[:1] in {"{", "["}:
        json.loads(text)
    else:
        assert parse_sse(text)


def test_gzip_corpus_is_what_index_says() -> None:
    # all llm-gemini responses and several llm-anthropic / llm ones are raw gzip
    sources = {i.source for i in GZIPPED}
    assert sources == {"llm", "llm-anthropic", "llm-gemini"}
    assert all(i.content_encoding == "gzip" for i in GZIPPED)


def test_is_stream_rules() -> None:
    base = Interaction("POST", "https://h/v1/chat/completions", {}, None, {"stream": True}, 200, [], b"")
    assert base.is_stream
    assert not Interaction("POST", "https://h/v1/chat/completions", {}, None, {}, 200, [], b"{}").is_stream
    sse = Interaction("POST", "https://h/x", {}, None, None, 200, [("content-type", "text/event-stream")], b"")
    assert sse.is_stream and sse.stream_format == "sse"
    alt = Interaction("POST", "https://h/v1beta/models/m:streamGenerateContent?alt=sse", {}, None, {}, 200, [], b"")
    assert alt.is_stream


# ---------------------------------------------------------------------------------------------------------
# split_body / byte stream
# ---------------------------------------------------------------------------------------------------------


def test_split_body_cuts_at_event_boundaries_and_offsets() -> None:
    body = b"event: a\ndata: {}\n\ndata: x\r\n\r\ndata: \xc3\xa9\xc3\xa9\xc3\xa9\n\n"
    pieces = split_body(body, max_piece=3, seed=1)
    assert b"".join(pieces) == body and all(pieces)
    ends = {sum(len(p) for p in pieces[: i + 1]) for i in range(len(pieces))}
    for boundary in (body.index(b"\n\n") + 2, body.index(b"\r\n\r\n") + 4, len(body)):
        assert boundary in ends
    assert max(len(p) for p in pieces) <= 3
    assert split_body(body, max_piece=0) == [b"event: a\ndata: {}\n\n", b"data: x\r\n\r\n", body[30:]]
    assert split_body(body, max_piece=3, seed=1) == pieces  # deterministic


def test_chunked_byte_stream_sync_and_async() -> None:
    stream = ChunkedByteStream([b"a", b"bc"])
    assert list(stream) == [b"a", b"bc"]

    async def collect() -> list[bytes]:
        return [c async for c in stream]

    assert asyncio.run(collect()) == [b"a", b"bc"]
    assert stream.delivered == 4


# ---------------------------------------------------------------------------------------------------------
# ReplayTransport
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("it", CHAT, ids=_id)
def test_replay_transport_sync_delivers_recorded_bytes(it: Interaction) -> None:
    headers, content = _send_args(it)
    transport = ReplayTransport(it, max_piece=16)
    with (
        httpx.Client(transport=transport) as client,
        client.stream(it.method, it.url, headers=headers, content=content) as response,
    ):
        raw_pieces = list(response.iter_raw())
    assert response.status_code == it.status
    assert b"".join(raw_pieces) == it.response_body
    if it.is_stream and len(it.response_body) > 16:
        assert len(raw_pieces) > 1, "stream was not split"
    assert len(transport.requests) == 1
    sent = transport.requests[0]
    assert sent.method == it.method and sent.content == content
    assert transport.served == [it] and not transport.unused

    # decoded bytes, via a fresh transport with tiny pieces
    with httpx.Client(transport=ReplayTransport(it, max_piece=5, seed=7)) as client:
        if it.is_stream:
            with client.stream(it.method, it.url, headers=headers, content=content) as response:
                decoded = b"".join(response.iter_bytes())
        else:
            decoded = client.request(it.method, it.url, headers=headers, content=content).content
    assert decoded == _independent_decode(it)


@pytest.mark.parametrize("it", CHAT, ids=_id)
def test_replay_transport_async_delivers_recorded_bytes(it: Interaction) -> None:
    async def run() -> tuple[int, bytes, int, httpx.Request]:
        transport = ReplayTransport(it, max_piece=7)
        async with httpx.AsyncClient(transport=transport) as client:
            headers, content = _send_args(it)
            request = client.build_request(it.method, it.url, headers=headers, content=content)
            response = await client.send(request, stream=True)
            pieces = [p async for p in response.aiter_bytes()]
            await response.aclose()
        return response.status_code, b"".join(pieces), len(pieces), transport.requests[0]

    status, body, n_pieces, sent = asyncio.run(run())
    assert status == it.status
    assert body == _independent_decode(it)
    if it.is_stream and not it.content_encoding:
        assert n_pieces > 1
    assert sent.content == (it.request_body or b"")


def test_replay_transport_order_and_exhaustion() -> None:
    path = CASSETTES_ROOT / "llm/openai-chat/test_tool_use_chain_of_two_calls.yaml"
    interactions = load_cassette(path)
    assert len(interactions) == 3
    transport = ReplayTransport(interactions)
    with httpx.Client(transport=transport) as client:
        bodies = [client.post("http://anything/x", content=b"{}").json() for _ in interactions]
        with pytest.raises(ReplayError):
            client.post("http://anything/x")
    assert [b["id"] for b in bodies] == [i.json()["id"] for i in interactions]
    assert len(transport.requests) == 4


def test_replay_transport_match_by_path() -> None:
    interactions = load_cassette(CASSETTES_ROOT / "crewAI/openai-chat/test_llm_call_with_error.yaml")
    transport = ReplayTransport(interactions, match="path")
    with httpx.Client(transport=transport) as client:
        first = client.post("http://127.0.0.1:1/crewai_plus/api/v1/tracing/batches", content=b"{}")
        second = client.post("http://127.0.0.1:1/v1/chat/completions?x=1", content=b"{}")
        with pytest.raises(ReplayError):
            client.get("http://127.0.0.1:1/v1/chat/completions")
    assert first.status_code == 401 and first.json()["error"] == "bad_credentials"
    assert second.status_code == 404 and second.json()["error"]["code"] == "model_not_found"
    transport.assert_all_used()


# ---------------------------------------------------------------------------------------------------------
# ReplayServer
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHAT_FILES, ids=_id)
def test_replay_server_serves_cassette_in_order(path: Path) -> None:
    interactions = LOADED[path]
    with ReplayServer(interactions, max_piece=32) as server, httpx.Client(base_url=server.url) as client:
        for it in interactions:
            target = httpx.URL(it.url)
            headers, content = _send_args(it)
            request = client.build_request(it.method, target.raw_path.decode(), headers=headers, content=content)
            response = client.send(request, stream=True)
            try:
                raw = list(response.iter_raw())
            finally:
                response.close()
            assert response.status_code == it.status
            assert b"".join(raw) == it.response_body
            assert decode_content(b"".join(raw), response.headers.get("content-encoding")) == _independent_decode(it)
            if it.is_stream:
                assert response.headers.get("transfer-encoding") == "chunked"
                if len(it.response_body) > 64:
                    assert len(raw) > 1, "server did not stream"
            else:
                assert int(response.headers["content-length"]) == len(it.response_body)
            for name, value in it.response_headers:
                if name not in {"connection", "keep-alive"}:
                    assert value in response.headers.get_list(name)
        assert not server.unused and not server.errors
    assert [r.method for r in server.requests] == [i.method for i in interactions]
    assert [r.body for r in server.requests] == [i.request_body or b"" for i in interactions]
    assert [r.path for r in server.requests] == [httpx.URL(i.url).raw_path.decode() for i in interactions]


def test_replay_server_decodes_gzip_stream_with_httpx() -> None:
    [it] = load_cassette(CASSETTES_ROOT / "llm-gemini/gemini/test_prompt.yaml")
    assert it.content_encoding == "gzip" and it.is_stream
    with (
        ReplayServer(it, max_piece=8) as server,
        httpx.Client() as client,
        client.stream("POST", server.url + "/v1beta/models/m:streamGenerateContent", content=b"{}") as r,
    ):
        text = "".join(r.iter_text())
    assert text == gzip.decompress(it.response_body).decode("utf-8")
    assert json.loads(text)[0]["candidates"]


def test_replay_server_async_client_and_exhaustion() -> None:
    [it] = chat_interactions(
        CASSETTES_ROOT
        / "ruby_llm/anthropic/chat_streaming_responses_anthropic_claude-haiku-4-5_supports_streaming_responses.yml"
    )

    async def run(url: str) -> tuple[list[str], int]:
        async with httpx.AsyncClient(base_url=url) as client:
            async with client.stream("POST", "/v1/messages", json={"stream": True}) as response:
                lines = [line async for line in response.aiter_lines()]
            extra = await client.post("/v1/messages", json={})
        return lines, extra.status_code

    with ReplayServer(it, max_piece=5) as server:
        lines, extra_status = asyncio.run(run(server.url))
        assert server.requests[0].headers["content-type"] == "application/json"
        assert json.loads(server.requests[0].body) == {"stream": True}
        assert len(server.errors) == 1
    assert "\n".join(lines).strip() == it.text.strip()
    assert extra_status == 599


def test_replay_server_streams_over_time() -> None:
    """Pieces are really sent one by one: the first arrives long before the last one is written."""
    [it] = load_cassette(CASSETTES_ROOT / "llm-anthropic/anthropic/test_prompt.yaml")
    assert it.is_stream
    n_pieces = len(split_body(it.response_body, max_piece=0))
    assert n_pieces >= 5
    with ReplayServer(it, max_piece=0, delay=0.05) as server, httpx.Client() as client:
        arrivals: list[float] = []
        start = time.monotonic()
        with client.stream("POST", server.url + "/v1/messages", content=b"{}") as response:
            for _ in response.iter_raw():
                arrivals.append(time.monotonic() - start)
    assert len(arrivals) >= n_pieces - 1
    assert arrivals[-1] - arrivals[0] >= 0.05 * (n_pieces - 2)
