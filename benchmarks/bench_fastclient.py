"""Interleaved A/B of the pooled async upstream client, in one process: modelmux's own (``_fastclient``,
asyncio + httptools) against httpx/httpcore on modelmux's asyncio backend (``MODELMUX_HTTP_CLIENT=httpx``).

CPU time (``time.process_time``, this process only: the fake upstream runs in a child) per ``acompletion``
against ``fake_upstream.py``: a non-streamed chat, and a 200-event stream (one HTTP chunk per event, as providers
send them). Rounds alternate old/new so a shared machine's load falls on both alike; medians are reported.

    python benchmarks/bench_fastclient.py [--rounds 10] [--calls 300] [--stream-calls 40] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_upstream import start_in_subprocess

import modelmux
from modelmux import _http

MSGS = [{"role": "user", "content": "hi"}]


async def _chat(base: str) -> None:
    await modelmux.acompletion("openai/gpt-4o-mini", MSGS, api_base=base, api_key="k")


async def _stream(base: str) -> None:
    stream = await modelmux.acompletion("openai/gpt-4o-mini", MSGS, api_base=base, api_key="k", stream=True)
    async for _ in stream:
        pass


async def _round(client: str, work: object, base: str, calls: int, concurrency: int) -> float:
    os.environ["MODELMUX_HTTP_CLIENT"] = client
    _http._async_clients.pop(asyncio.get_running_loop(), None)  # a fresh pool of that kind
    for _ in range(5):  # warm: connections open, caches filled
        await work(base)  # type: ignore[operator]
    started = time.process_time()
    for _ in range(calls // concurrency):
        await asyncio.gather(*(work(base) for _ in range(concurrency)))  # type: ignore[operator]
    return (time.process_time() - started) / (calls // concurrency * concurrency) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--stream-calls", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    url, proc = start_in_subprocess()
    base = url + "/v1"
    try:
        for name, work, calls in (("chat", _chat, args.calls), ("stream (200 events)", _stream, args.stream_calls)):
            results: dict[str, list[float]] = {"httpx": [], "fast": []}
            for i in range(args.rounds):
                for client in ("httpx", "fast") if i % 2 == 0 else ("fast", "httpx"):
                    results[client].append(await _round(client, work, base, calls, args.concurrency))
            old, new = statistics.median(results["httpx"]), statistics.median(results["fast"])
            ratios = sorted(o / n for o, n in zip(results["httpx"], results["fast"], strict=True))
            print(
                f"{name:20s} concurrency {args.concurrency}: httpcore {old:8.0f} us/call  fastclient {new:8.0f} us/call"
                f"  old/new {old / new:.2f}x (per round {ratios[0]:.2f}-{ratios[-1]:.2f})"
            )
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
