"""modelmux's own HTTP client: TLS verification against a throwaway CA, and HTTP proxies from the environment
(absolute form for http:// targets, CONNECT tunnels for https:// ones) — all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
from pathlib import Path

import httpx
import pytest
import trustme
from fastclient_helpers import Seen, answer, keep_answering, pool_of, read_request, server_tls, serving

import modelmux
from modelmux import _http
from modelmux._fastclient import FastTransport
from modelmux.errors import APIConnectionError

pytestmark = pytest.mark.anyio
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "MODELMUX_HTTP_CLIENT")
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
}


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def completion_server(seen: Seen) -> object:
    return keep_answering(seen, lambda h, b: answer(json.dumps(COMPLETION).encode()))


async def test_tls_is_verified_kept_alive_and_asks_for_http_1_1(ca: trustme.CA) -> None:
    seen = Seen()
    alpn: list[str | None] = []

    async def recording(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        alpn.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        await keep_answering(seen)(reader, writer)

    tls = server_tls(ca, "127.0.0.1")
    tls.set_alpn_protocols(["h2", "http/1.1"])
    async with serving(recording, tls) as port:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with httpx.AsyncClient(transport=FastTransport(ssl_context=trusting, trust_env=False)) as http:
            for _ in range(3):
                assert (await http.get(f"https://127.0.0.1:{port}/")).content == b"ok"
            assert pool_of(http) == (1, 1)
        async with httpx.AsyncClient(transport=FastTransport(trust_env=False)) as http:  # default roots: not our CA
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(f"https://127.0.0.1:{port}/")
            assert pool_of(http) == (0, 0)
    assert seen.connections == 1 and alpn == ["http/1.1"]


async def test_a_certificate_for_another_name_is_refused(ca: trustme.CA) -> None:
    async with serving(keep_answering(Seen()), server_tls(ca, "elsewhere.example")) as port:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with httpx.AsyncClient(transport=FastTransport(ssl_context=trusting, trust_env=False)) as http:
            with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
                await http.get(f"https://127.0.0.1:{port}/")


async def test_modelmux_trusts_ssl_cert_file_and_fails_without_it(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    msgs = [{"role": "user", "content": "ping"}]
    async with serving(completion_server(Seen()), server_tls(ca, "127.0.0.1")) as port:
        base = f"https://127.0.0.1:{port}/v1"
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await modelmux.acompletion("openai/gpt-4o-mini", msgs, api_base=base)
        assert isinstance(_http._async_pooled(base), FastTransport)
        _http._async_clients.pop(asyncio.get_running_loop())  # a new pool reads SSL_CERT_FILE again
        bundle = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
        reply = await modelmux.acompletion("openai/gpt-4o-mini", msgs, api_base=base)
    assert reply.choices[0].message.content == "pong"


class Proxy:
    """A tiny HTTP proxy: CONNECT tunnels and absolute-form requests, recording request lines and credentials."""

    def __init__(self, refuse: bool = False) -> None:
        self.lines: list[bytes] = []
        self.auth: list[bytes | None] = []
        self.refuse = refuse

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            line, *headers = head.split(b"\r\n")
            self.lines.append(line)
            auth = [h.split(b":", 1)[1].strip() for h in headers if h.lower().startswith(b"proxy-authorization:")]
            self.auth.append(auth[0] if auth else None)
            if self.refuse:
                writer.write(answer(b"no", status=b"407 Proxy Authentication Required"))
                await writer.drain()
                continue
            method, target, _ = line.split(b" ")
            if method == b"CONNECT":
                host, port = target.rsplit(b":", 1)
                up_reader, up_writer = await asyncio.open_connection(host.decode(), int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
                return
            url = httpx.URL(target.decode())
            up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
            kept = [h for h in headers if h and not h.lower().startswith(b"proxy-authorization:")]
            up_writer.write(b"%s %s HTTP/1.1\r\n%s\r\n\r\n%s" % (method, url.raw_path, b"\r\n".join(kept), body))
            reply_head = await up_reader.readuntil(b"\r\n\r\n")
            length = int(reply_head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            writer.write(reply_head + await up_reader.readexactly(length))
            await writer.drain()
            up_writer.close()


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def test_an_http_target_goes_through_the_proxy_in_absolute_form_with_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen, proxy = Seen(), Proxy()
    async with serving(completion_server(seen)) as port, serving(proxy) as proxy_port:
        monkeypatch.setenv("HTTP_PROXY", f"http://us%40er:p%3Ass@127.0.0.1:{proxy_port}")
        for _ in range(2):
            reply = await modelmux.acompletion(
                "openai/gpt-4o-mini", [{"role": "user", "content": "x"}], api_base=f"http://127.0.0.1:{port}/v1"
            )
            assert reply.choices[0].message.content == "pong"
        assert isinstance(_http._async_pooled(f"http://127.0.0.1:{port}/v1"), FastTransport)
    target = f"POST http://127.0.0.1:{port}/v1/chat/completions HTTP/1.1".encode()
    assert proxy.lines == [target, target]  # one kept-alive connection to the proxy, absolute form
    assert proxy.auth == [b"Basic " + base64.b64encode(b"us@er:p:ss")] * 2
    assert b"proxy-authorization" not in seen.heads[0].lower()


async def test_an_https_target_goes_through_a_connect_tunnel(ca: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, proxy = Seen(), Proxy()
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with serving(keep_answering(seen), server_tls(ca, "127.0.0.1")) as port, serving(proxy) as proxy_port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:pw@127.0.0.1:{proxy_port}")
        transport = FastTransport(ssl_context=trusting)
        async with httpx.AsyncClient(transport=transport) as http:
            for _ in range(3):
                assert (await http.get(f"https://127.0.0.1:{port}/x")).content == b"ok"
            assert pool_of(http) == (1, 1)
    assert proxy.lines == [f"CONNECT 127.0.0.1:{port} HTTP/1.1".encode()]
    assert proxy.auth == [b"Basic " + base64.b64encode(b"user:pw")]
    assert seen.connections == 1 and seen.heads[0].startswith(b"GET /x HTTP/1.1\r\n")


async def test_a_refused_tunnel_is_a_proxy_error_without_the_credentials(
    ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(Proxy(refuse=True)) as proxy_port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:hunter2secret@127.0.0.1:{proxy_port}")
        async with httpx.AsyncClient(transport=FastTransport()) as http:
            with pytest.raises(httpx.ProxyError, match="407") as info:
                await http.get("https://127.0.0.1:9/")
            assert "hunter2secret" not in str(info.value) and pool_of(http) == (0, 0)
        with pytest.raises(APIConnectionError) as error:
            await modelmux.acompletion(
                "openai/gpt-4o-mini", [{"role": "user", "content": "x"}], api_base="https://upstream.invalid/v1"
            )
        assert "hunter2secret" not in str(error.value) and "hunter2secret" not in repr(vars(error.value))


async def test_no_proxy_exempts_a_host(monkeypatch: pytest.MonkeyPatch) -> None:
    seen, proxy = Seen(), Proxy()
    async with serving(keep_answering(seen)) as port, serving(proxy) as proxy_port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        async with httpx.AsyncClient(transport=FastTransport()) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/")).content == b"ok"
    assert proxy.lines == [] and seen.connections == 1
