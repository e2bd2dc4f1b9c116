"""The overall deadline with real time (short), and a real HTTP server on loopback failing in scripted ways."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from reliability_fakes import HANG, MSG, Upstream, openai_sse

import modelmux
from modelmux._retry import Pacer, pacing
from modelmux.errors import APITimeoutError

GPT = "openai/gpt-4o"
Action = Callable[[BaseHTTPRequestHandler], None]


def test_a_hang_uses_up_the_deadline_and_nothing_is_retried_after_it() -> None:
    up = Upstream().script("gpt-4o", HANG)

    async def main() -> None:
        await modelmux.acompletion(
            GPT, MSG, api_key="k", transport=up.atransport, timeout=0.3, num_retries=3, fallbacks=["openai/b"]
        )

    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        asyncio.run(main())
    assert time.monotonic() - started < 2.0  # one deadline for everything, not 0.3 s per attempt
    assert up.models == ["gpt-4o"]


def _reply_429(h: BaseHTTPRequestHandler) -> None:
    body = b'{"error": {"message": "slow down", "type": "rate_limit_error"}}'
    h.send_response(429)
    h.send_header("retry-after-ms", "20")
    h.send_header("content-length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _reset(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    h.connection.close()  # no answer at all: the client sees the connection dropped


def _stream(h: BaseHTTPRequestHandler) -> None:
    body = openai_sse("from ", "loopback")
    h.send_response(200)
    h.send_header("content-type", "text/event-stream")
    h.send_header("content-length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@contextmanager
def server(actions: list[Action], stop: threading.Event) -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            seen.append(self.path)
            action = actions.pop(0) if actions else _stream
            action(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()


def test_loopback_429_then_reset_then_a_stream() -> None:
    stop = threading.Event()
    with server([_reply_429, _reset], stop) as (url, seen), pacing(Pacer(random=lambda: 0.01)):
        stream = modelmux.completion(GPT, MSG, api_key="k", api_base=url, stream=True, num_retries=2, timeout=10)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "from loopback" and len(seen) == 3
    hidden = stream._hidden_params  # type: ignore[attr-defined]
    assert [f["error"] for f in hidden["failures"]] == ["RateLimitError", "APIConnectionError"]
    assert hidden["attempts"] == 3 and hidden["elapsed_s"] < 5


def test_loopback_hang_is_bounded_by_the_one_deadline() -> None:
    stop = threading.Event()

    def hang(h: BaseHTTPRequestHandler) -> None:
        stop.wait(10)

    with server([hang, hang, hang], stop) as (url, seen):
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            modelmux.completion(GPT, MSG, api_key="k", api_base=url, timeout=0.4, num_retries=3)
        elapsed = time.monotonic() - started
    assert 0.3 < elapsed < 2.0 and len(seen) == 1


@pytest.mark.parametrize("timeout", [1e308, 10**400, 1e10], ids=["1e308", "10**400", "1e10"])
@pytest.mark.parametrize("use_async", [False, True])
def test_an_absurdly_long_timeout_is_no_limit_in_practice_not_a_crash(timeout: float, use_async: bool) -> None:
    import httpx

    with server([], threading.Event()) as (url, seen):
        for options in ({"timeout": timeout}, {"timeout": httpx.Timeout(timeout)}, {"first_chunk_timeout": timeout}):
            kwargs = {"api_key": "k", "api_base": url, "stream": True, "num_retries": 1, **options}
            if use_async:

                async def main(kwargs: dict[str, object]) -> list[object]:
                    return [c async for c in await modelmux.acompletion(GPT, MSG, **kwargs)]

                chunks = asyncio.run(main(kwargs))
            else:
                chunks = list(modelmux.completion(GPT, MSG, **kwargs))
            assert chunks, options
    assert len(seen) == 3


def test_an_infinite_timeout_is_a_clear_error_before_anything_is_sent() -> None:
    import httpx

    up = Upstream()
    for options in ({"timeout": float("inf")}, {"timeout": httpx.Timeout(float("inf"))}):
        with pytest.raises(modelmux.BadRequestError, match="finite"):
            modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, **options)
        with pytest.raises(modelmux.BadRequestError, match="finite"):
            modelmux.Router([{"group": "g", "model": GPT, "api_key": "k"}], **options)
    with pytest.raises(modelmux.BadRequestError, match="first_chunk_timeout"):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, stream=True, first_chunk_timeout=1e999)
    assert up.sent == []
