"""The gateway's chat route in-process, parsed vs passed through, interleaved: CPU time per request.

The gateway app (``modelmux.asgi``) is called as an ASGI app directly (no server, no client library), its upstream
an in-memory transport answering ``fake_upstream.py``'s OpenAI bodies (the 30-word completion, or the 200-event
stream sent one HTTP chunk per event, as providers send them). Two variants of the same code, taking turns round
by round (which goes first alternates):

- **parsed**: the route's pass-through switched off (``passes_through`` answers False), i.e. what the gateway did
  before: every answer validated into models and serialised again, and with metrics on, streams parsed too;
- **pass-through**: as shipped.

Scenarios: ``chat`` (no metrics), ``chat+metrics`` and ``stream+metrics`` (``[metrics] enabled``: before, metrics
turned the pass-through off). CPU is ``time.process_time`` over each round's requests; medians over rounds, and
the median (with quartiles) of each round's pass-through/parsed ratio.

    python benchmarks/bench_passthrough_ab.py            # ~1 min
    python benchmarks/bench_passthrough_ab.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import httpx
from fake_upstream import _openai_completion, _openai_stream_events

import modelmux.asgi.routes.chat as chat_route
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

ANSWER = _openai_completion()
EVENTS = _openai_stream_events(include_usage=True)
ENV = {"UPSTREAM_KEY": "sk-upstream-bench"}
BODY = json.dumps({"model": "m", "messages": [{"role": "user", "content": "Say hello."}]}).encode()
STREAM_BODY = json.dumps(
    {"model": "m", "messages": [{"role": "user", "content": "Say hello."}], "stream": True}
).encode()
SHIPPED = chat_route.passes_through


class Upstream(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if b'"stream":true' in await request.aread():

            async def events() -> AsyncIterator[bytes]:
                for event in EVENTS:
                    yield event

            return httpx.Response(200, content=events(), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def make_app(metrics: bool) -> Any:
    data: dict[str, Any] = {
        "limits": {"rpm": "unlimited", "max_concurrent": "unlimited"},
        "models": {"m": {"model": "openai/gpt-4o-mini", "api_key_env": "UPSTREAM_KEY"}},
    }
    if metrics:
        data["metrics"] = {"enabled": True}
    return create_app(parse_config(data, environ=ENV), transport=Upstream(), limiter=MemoryLimiter())


async def call(app: Any, body: bytes) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client never leaves
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    out: list[bytes] = []
    status = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            out.append(message.get("body", b""))

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {b''.join(out)[:300]!r}")
    return b"".join(out)


def switch(passthrough: bool) -> None:
    chat_route.passes_through = SHIPPED if passthrough else (lambda *a, **k: False)  # type: ignore[assignment]


async def round_cpu(app: Any, body: bytes, passthrough: bool, n: int) -> float:
    switch(passthrough)
    start = time.process_time()
    for _ in range(n):
        await call(app, body)
    return (time.process_time() - start) / n * 1e6


async def main_async(rounds: int, n: int) -> dict[str, dict[str, float]]:
    scenarios = {
        "chat": (make_app(False), BODY, n),
        "chat+metrics": (make_app(True), BODY, n),
        "stream+metrics": (make_app(True), STREAM_BODY, max(n // 10, 5)),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (app, body, count) in scenarios.items():
        for passthrough in (False, True):  # warm-up, and a check that both variants answer
            switch(passthrough)
            first = await call(app, body)
            assert (first == ANSWER) is (passthrough and body is BODY), name
        samples: dict[bool, list[float]] = {False: [], True: []}
        for r in range(rounds):
            for passthrough in (r % 2 == 0, r % 2 != 0):
                samples[passthrough].append(await round_cpu(app, body, passthrough, count))
        parsed, passed = statistics.median(samples[False]), statistics.median(samples[True])
        # Each round's pair (run back to back) as a ratio: the machine's load drifts less within a pair.
        changes = sorted(b / a - 1 for a, b in zip(samples[False], samples[True], strict=True))
        quartiles = statistics.quantiles(changes, n=4) if len(changes) > 1 else [changes[0]] * 3
        results[name] = {
            "parsed_us": parsed,
            "passthrough_us": passed,
            "change_median_of_pairs": quartiles[1],
            "change_iqr": [quartiles[0], quartiles[2]],
        }
        print(
            f"{name:15} parsed {parsed:8,.0f} µs/req   pass-through {passed:8,.0f} µs/req   "
            f"change (median of pairs) {quartiles[1]:+.0%} [IQR {quartiles[0]:+.0%} .. {quartiles[2]:+.0%}]"
            f"   ({rounds} rounds x {count})",
            flush=True,
        )
    switch(True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="non-streamed requests per round (streams: /10)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests = 6, 50
    with open("/proc/loadavg") as fh:
        print(f"load average: {fh.read().split()[0]}")
    results = asyncio.run(main_async(args.rounds, args.requests))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
