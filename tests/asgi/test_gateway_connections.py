"""Hostile connections against a real ``modelmux serve`` on loopback, over raw sockets, with both HTTP parsers:
slow and idle connections are closed, huge heads are refused while they arrive, a half-sent body gives its key's
slot back, and a flood of idle connections does not lock real clients out. Every test is bounded in time."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from gateway_helpers import ALICE, BOB, sha256
from test_gateway_serve import Server, _env, _start, _stop

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 2.0
MAX_CONNECTIONS = 40


def _config() -> str:
    return f"""
[limits]
rpm = "unlimited"
max_concurrent = "unlimited"

[server]
header_timeout = {HEADER_TIMEOUT}
body_timeout = {BODY_TIMEOUT}
keep_alive_timeout = 1
max_connections = {MAX_CONNECTIONS}
max_header_bytes = 16384
max_headers = 50

[models."mock/echo"]
model = "mock/echo"

[keys.alice]
key_env = "ALICE_KEY"

[keys.bob]
key_sha256 = "{sha256(BOB)}"
max_concurrent = 1
"""


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"conn-{request.param}")
    config = folder / "gateway.toml"
    config.write_text(_config())
    running = _start(
        ["--config", str(config), "--log-level", "warning", "--http", request.param], _env(), folder / "log"
    )
    yield running
    _stop(running.process)


def _connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(10)
    return sock


def _read_all(sock: socket.socket, limit: float = 10) -> bytes:
    """Everything until the server closes (bounded by ``limit`` seconds)."""
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _healthy(server: Server) -> bool:
    with httpx.Client(trust_env=False, timeout=5) as http:
        return http.get(f"http://127.0.0.1:{server.port}/health").status_code == 200


def _chat(server: Server, key: str = ALICE) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as http:
        return http.post(
            f"{server.base_url}/chat/completions",
            json={"model": "mock/echo", "messages": [{"role": "user", "content": "hi"}]},
            headers={"authorization": f"Bearer {key}"},
        )


HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def test_an_idle_connection_is_closed(server: Server) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        assert _read_all(sock) == b""  # closed without a word
        assert time.monotonic() - started < HEADER_TIMEOUT + 3


def test_slowloris_headers_are_cut_off(server: Server) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        sock.sendall(HEAD)
        answer = b""
        for i in range(40):  # a header line every 0.2 s would last 8 s
            if select.select([sock], [], [], 0.2)[0]:  # the server spoke (or closed): stop sending
                answer = _read_all(sock)
                break
            sock.sendall(b"x-drip-%d: y\r\n" % i)
        elapsed = time.monotonic() - started
    assert elapsed < HEADER_TIMEOUT + 4
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert b'"request_timeout"' in answer
    assert _healthy(server)


def test_a_hundred_megabytes_of_headers_are_refused_early(server: Server) -> None:
    sent = 0
    started = time.monotonic()
    with _connect(server) as sock:
        sock.sendall(HEAD + b"x-big: ")
        chunk = b"a" * 65536
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, socket.timeout):
            while sent < 100 * 1024 * 1024 and time.monotonic() - started < 20:
                sock.sendall(chunk)
                sent += len(chunk)
        answer = _read_all(sock, 5)
    assert sent < 10 * 1024 * 1024  # the server stopped reading long before
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert b'"headers_too_large"' in answer
    assert _healthy(server)


def test_too_many_headers_are_refused(server: Server) -> None:
    with _connect(server) as sock:
        sock.sendall(HEAD + b"".join(b"x-h%d: v\r\n" % i for i in range(60)) + b"content-length: 2\r\n\r\n{}")
        answer = _read_all(sock, 5)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]  # by the parser (httptools) or the app (h11)


def test_a_half_sent_body_gives_the_slot_back(server: Server) -> None:
    body = b'{"model": "mock/echo", "messages": [{"role": "user", "content": "hi"}]}'
    head = HEAD + b"authorization: Bearer " + BOB.encode() + b"\r\ncontent-type: application/json\r\n"
    with _connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head + b"content-length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.3)
        held = _chat(server, BOB)  # bob may have one request in flight: the stalled one holds it...
        assert held.status_code == 429, held.text
        answer = _read_all(sock, BODY_TIMEOUT + 5)  # ...until the body deadline gives it back
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert b'"request_timeout"' in answer
    assert elapsed < BODY_TIMEOUT + 3
    assert _chat(server, BOB).status_code == 200


def test_a_flood_of_idle_connections_leaves_room_for_real_clients(server: Server) -> None:
    flood = [_connect(server) for _ in range(MAX_CONNECTIONS * 2)]
    try:
        time.sleep(0.2)
        started = time.monotonic()
        assert _chat(server).status_code == 200  # without room made, a new connection would be refused (503)
        assert time.monotonic() - started < HEADER_TIMEOUT + 2
        closed = 0
        for sock in flood:
            sock.settimeout(0.05)
            with contextlib.suppress(socket.timeout):
                closed += sock.recv(1) == b""
        assert closed >= MAX_CONNECTIONS  # the oldest idle ones made room
    finally:
        for sock in flood:
            sock.close()
    assert _healthy(server)


def test_a_body_nobody_reads_cannot_keep_the_connection(server: Server) -> None:
    head = HEAD + b"authorization: Bearer wrong-key\r\ncontent-type: application/json\r\n"
    with _connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head + b"content-length: 100000000\r\n\r\n" + b"x" * 1000)
        answer = b""
        while time.monotonic() - started < 10:  # keep trickling the announced 100 MB
            if select.select([sock], [], [], 0.2)[0]:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
                continue
            try:
                sock.sendall(b"x" * 100)
            except (BrokenPipeError, ConnectionResetError):
                break
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 401"), answer[:100]  # answered at once, without reading the body...
    assert elapsed < HEADER_TIMEOUT + 4  # ...and the unread rest may not hold the connection


def test_a_good_client_on_a_keep_alive_connection_is_unaffected(server: Server) -> None:
    with httpx.Client(trust_env=False, timeout=10) as http:
        for _ in range(3):
            reply = http.post(
                f"{server.base_url}/chat/completions",
                json={"model": "mock/echo", "messages": [{"role": "user", "content": "again"}]},
                headers={"authorization": f"Bearer {ALICE}"},
            )
            assert reply.status_code == 200
            time.sleep(0.3)


def test_a_slow_but_steady_upload_within_the_deadline_passes(server: Server) -> None:
    body = b'{"model": "mock/echo", "messages": [{"role": "user", "content": "' + b"z" * 500 + b'"}]}'
    head = HEAD + b"authorization: Bearer " + ALICE.encode() + b"\r\ncontent-type: application/json\r\n"
    with _connect(server) as sock:
        sock.sendall(head + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        for i in range(0, len(body), len(body) // 4 + 1):
            time.sleep(0.2)
            sock.sendall(body[i : i + len(body) // 4 + 1])
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_pipelined_requests_are_answered_in_order(server: Server) -> None:
    def request(text: str, stream: bool = False) -> bytes:
        body = json.dumps(
            {"model": "mock/echo", "messages": [{"role": "user", "content": text}], "stream": stream}
        ).encode()
        head = HEAD + b"authorization: Bearer " + ALICE.encode() + b"\r\ncontent-type: application/json\r\n"
        return head + b"content-length: %d\r\n\r\n" % len(body) + body

    with _connect(server) as sock:
        sock.sendall(request("first") + request("second", stream=True) + request("third"))  # one write, three heads
        answer = b""
        deadline = time.monotonic() + 10
        while answer.count(b"HTTP/1.1 200") < 3 or b"third" not in answer:
            assert time.monotonic() < deadline, answer[-300:]
            chunk = sock.recv(65536)
            assert chunk, answer[-300:]
            answer += chunk
    assert answer.count(b"HTTP/1.1 200") == 3
    assert answer.index(b"first") < answer.index(b"second") < answer.index(b"third")
    assert b"data: [DONE]" in answer  # the streamed one, whole, between the two others
