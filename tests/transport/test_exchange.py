"""Whole answers through the own client without httpx's objects (``modelmux._exchange``): the same bytes, bounds,
decoding and errors as the httpx path, and the gateway's pass-through of answers uses it."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest
from fastclient_helpers import Seen, answer, keep_answering, read_request, serving

import modelmux
from modelmux import _http
from modelmux._exchange import RawReply, aexchange
from modelmux._raw_answer import RawAnswer, araw_chat_completion
from modelmux.providers._base import HttpRequest

pytestmark = pytest.mark.anyio

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
TIMEOUT = httpx.Timeout(5.0)


def _request(port: int, body: object = None) -> HttpRequest:
    return HttpRequest("POST", f"http://127.0.0.1:{port}/v1/x", {"Authorization": "Bearer k"}, json=body or {"a": 1})


async def test_the_answer_and_the_request_are_what_httpx_would_make() -> None:
    seen = Seen()
    async with serving(keep_answering(seen, lambda head, body: answer(b'{"ok": true}', b"x-a: 1"))) as port:
        reply = await aexchange(_request(port), TIMEOUT, None, 1000)
        assert isinstance(reply, RawReply)
        assert (reply.status_code, reply.content) == (200, b'{"ok": true}')
        assert (b"x-a", b"1") in reply.raw_headers
        again = await aexchange(_request(port), TIMEOUT, None, 1000)
        assert again is not None and again.content == reply.content
    assert seen.connections == 1  # the pooled connection is reused
    expected = httpx.Request(
        "POST", f"http://127.0.0.1:{port}/v1/x", headers={"Authorization": "Bearer k"}, content=b'{"a":1}'
    )
    head_lines = seen.heads[0].split(b"\r\n")[1:-2]
    assert head_lines == [b"%s: %s" % pair for pair in expected.headers.raw]
    assert seen.bodies[0] == b'{"a":1}'


async def test_an_answer_over_the_limit_is_refused_and_a_gzipped_one_decoded_within_it() -> None:
    big = b"x" * 5000
    packed = gzip.compress(b"y" * 100_000)  # small on the wire, large decoded

    def reply(head: bytes, body: bytes) -> bytes:
        if b"/big" in head:
            return answer(big)
        if b"/bomb" in head:
            return answer(packed, b"content-encoding: gzip")
        return answer(gzip.compress(b'{"z": 1}'), b"content-encoding: gzip")

    async with serving(keep_answering(Seen(), reply)) as port:
        url = f"http://127.0.0.1:{port}"
        with pytest.raises(modelmux.UpstreamError, match="max_response_bytes"):
            await aexchange(HttpRequest("GET", url + "/big", {}), TIMEOUT, None, 1000)
        with pytest.raises(modelmux.UpstreamError, match="max_response_bytes"):
            await aexchange(HttpRequest("GET", url + "/bomb", {}), TIMEOUT, None, 10_000)
        small = await aexchange(HttpRequest("GET", url + "/small", {}), TIMEOUT, None, 1000)
        assert small is not None and small.content == b'{"z": 1}'
        assert small.as_response().json() == {"z": 1}


async def test_silence_is_a_timeout_and_a_refused_connection_a_connection_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(10)

    async with serving(silent) as port:
        with pytest.raises(modelmux.APITimeoutError):
            await aexchange(_request(port), httpx.Timeout(0.2), None, 1000)
    with pytest.raises(modelmux.APIConnectionError, match=r"could not reach 127\.0\.0\.1"):
        await aexchange(_request(port), TIMEOUT, None, 1000)


async def test_multipart_bodies_are_left_to_httpx() -> None:
    req = HttpRequest("POST", "http://127.0.0.1:9/x", {}, files={"file": ("a.wav", b"RIFF", "audio/wav")})
    assert await aexchange(req, TIMEOUT, None, 1000) is None


async def test_the_gateways_answer_pass_through_builds_no_httpx_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("an httpx.Request was built for a whole answer through the own client")

    monkeypatch.setattr(_http, "to_httpx_request", refuse)
    body = json.dumps(COMPLETION).encode()
    async with serving(keep_answering(Seen(), lambda head, _: answer(body, b"content-type: application/json"))) as port:
        got = await araw_chat_completion(
            "openai/gpt-4o-mini",
            [{"role": "user", "content": "hi"}],
            api_key="k",
            api_base=f"http://127.0.0.1:{port}/v1",
        )
    assert isinstance(got, RawAnswer) and got.body == body


async def test_an_error_status_is_mapped_as_the_httpx_path_maps_it() -> None:
    error = json.dumps({"error": {"message": "slow down", "type": "rate_limit", "code": None}}).encode()

    def reply(head: bytes, body: bytes) -> bytes:
        return answer(error, b"retry-after: 7", status=b"429 Too Many Requests")

    async with serving(keep_answering(Seen(), reply)) as port:
        with pytest.raises(modelmux.RateLimitError, match="slow down") as caught:
            await araw_chat_completion(
                "openai/gpt-4o-mini",
                [{"role": "user", "content": "hi"}],
                api_key="sk-secret-123456",
                api_base=f"http://127.0.0.1:{port}/v1",
            )
    assert caught.value.retry_after == 7


async def test_with_httpx_as_the_pooled_client_whole_answers_go_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELMUX_HTTP_CLIENT", "httpx")
    body = json.dumps(COMPLETION).encode()
    async with serving(keep_answering(Seen(), lambda head, _: answer(body, b"content-type: application/json"))) as port:
        url = f"http://127.0.0.1:{port}/v1"
        assert await aexchange(_request(port), TIMEOUT, None, 1000) is None  # not the own client: the caller's httpx
        reply = await modelmux.acompletion(
            "openai/gpt-4o-mini", [{"role": "user", "content": "hi"}], api_key="k", api_base=url
        )
        raw = await araw_chat_completion(
            "openai/gpt-4o-mini", [{"role": "user", "content": "hi"}], api_key="k", api_base=url
        )
    assert reply.choices[0].message.content == "hi"
    assert isinstance(raw, RawAnswer) and raw.body == body
