"""Router overhead per call when nothing fails: ``Router.completion`` / ``acompletion`` against a plain
``modelmux.completion`` / ``acompletion`` to the same fast local fake upstream (``fake_upstream.py``).

Paired and interleaved: each round times one plain call and one router call, alternating which goes first, so
drift (CPU frequency, noisy neighbours) hits both alike; the overhead is the median of the per-round differences
over the median plain call. Warm-up rounds are not recorded. The router has two deployments of the group (both on
the fake upstream), the default weighted shuffle, memory state.

On a busy machine wall-clock times swing by milliseconds; ``--clock cpu`` times each call by this thread's CPU
time instead (the work the router adds, whatever the scheduler does), and ``--upstream mock`` answers in-process
(an ``httpx.MockTransport``), leaving only client-side work.

    python benchmarks/bench_router.py                              # loopback, wall clock, 2,000 rounds per mode
    python benchmarks/bench_router.py --clock cpu --upstream mock  # the CPU the router adds, in isolation
    python benchmarks/bench_router.py --alone                      # the router's own work, warm, no call at all

``--alone`` replaces the deployment call by a stub that returns a prepared answer and times the router alone in
tight loops (the minimum of 5 loops of 20,000 calls, minus the same loops calling the stub directly): the router's
own work with warm caches, a lower bound for what it adds between real calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_upstream import start_in_subprocess

import modelmux

MESSAGES = [{"role": "user", "content": "Say hello."}]
CLOCK = time.perf_counter
_ANSWER = (
    b'{"id":"1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}'
)


def _report(name: str, plain: list[float], routed: list[float]) -> None:
    diffs = [r - p for p, r in zip(plain, routed, strict=True)]
    base = statistics.median(plain)
    extra = statistics.median(diffs)
    q1, _, q3 = statistics.quantiles(diffs, n=4)
    print(
        f"{name:6s} plain {base * 1e6:8.1f} us   router {statistics.median(routed) * 1e6:8.1f} us   "
        f"overhead {extra * 1e6:+7.1f} us ({100 * extra / base:+.1f}%)   "
        f"[diff p25..p75 {q1 * 1e6:+.1f}..{q3 * 1e6:+.1f} us]"
    )


def _pair(
    rounds: int, warmup: int, plain: Callable[[], Any], routed: Callable[[], Any]
) -> tuple[list[float], list[float]]:
    a: list[float] = []
    b: list[float] = []
    clock = CLOCK
    for i in range(warmup + rounds):
        order = (plain, routed) if i % 2 == 0 else (routed, plain)
        times = []
        for fn in order:
            t0 = clock()
            fn()
            times.append(clock() - t0)
        p, r = times if i % 2 == 0 else times[::-1]
        if i >= warmup:
            a.append(p)
            b.append(r)
    return a, b


async def _apair(
    rounds: int, warmup: int, plain: Callable[[], Awaitable[Any]], routed: Callable[[], Awaitable[Any]]
) -> tuple[list[float], list[float]]:
    a: list[float] = []
    b: list[float] = []
    clock = CLOCK
    for i in range(warmup + rounds):
        order = (plain, routed) if i % 2 == 0 else (routed, plain)
        times = []
        for fn in order:
            t0 = clock()
            await fn()
            times.append(clock() - t0)
        p, r = times if i % 2 == 0 else times[::-1]
        if i >= warmup:
            a.append(p)
            b.append(r)
    return a, b


def _alone(loops: int = 5, calls: int = 20_000) -> None:
    """The router's own work: ``Router.completion`` over a stub operation, minus the stub called directly."""
    from modelmux.router import operations
    from modelmux.types import ChatCompletion

    answer = ChatCompletion.model_validate_json(_ANSWER)

    def stub(**kwargs: Any) -> Any:
        return answer

    async def astub(**kwargs: Any) -> Any:
        return answer

    operations.OPERATIONS["completion"] = operations.Operation("completion", stub, astub, streams=True)
    call = {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-bench"}
    router = modelmux.Router([{"model_name": "g", "litellm_params": call}] * 2)

    def best(fn: Callable[[], Any]) -> float:
        times = []
        for _ in range(loops):
            t0 = CLOCK()
            for _ in range(calls):
                fn()
            times.append((CLOCK() - t0) / calls)
        return min(times)

    async def abest(fn: Callable[[], Awaitable[Any]]) -> float:
        times = []
        for _ in range(loops):
            t0 = CLOCK()
            for _ in range(calls):
                await fn()
            times.append((CLOCK() - t0) / calls)
        return min(times)

    sync = best(lambda: router.completion("g", MESSAGES)) - best(lambda: stub(messages=MESSAGES, **call))
    routed = asyncio.run(abest(lambda: router.acompletion("g", MESSAGES)))
    direct = asyncio.run(abest(lambda: astub(messages=MESSAGES, **call)))
    print(
        f"router alone (stub operation, min of {loops} x {calls:,}): sync {sync * 1e6:.2f} us, "
        f"async {(routed - direct) * 1e6:.2f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--upstream", choices=("loopback", "mock"), default="loopback")
    parser.add_argument("--alone", action="store_true", help="time the router's own work only (see above)")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.thread_time
    print(f"modelmux from {os.path.dirname(modelmux.__file__)}")
    if args.alone:
        _alone()
        return
    url, proc = start_in_subprocess()
    try:
        call: dict[str, Any] = {"model": "openai/gpt-4o-mini", "api_base": url + "/v1", "api_key": "sk-bench"}
        if args.upstream == "mock":
            import httpx

            def answer(request: httpx.Request) -> httpx.Response:
                return httpx.Response(200, content=_ANSWER, headers={"content-type": "application/json"})

            call["transport"] = httpx.MockTransport(answer)
        acall = dict(call)
        if args.upstream == "mock":
            acall["transport"] = httpx.MockTransport(answer)
        deployment = {"model_name": "g", "litellm_params": call}
        router = modelmux.Router([deployment, {"model_name": "g", "litellm_params": dict(call)}])
        arouter = modelmux.Router([{"model_name": "g", "litellm_params": acall}] * 2)
        print(
            f"python {sys.version.split()[0]}, {args.rounds} paired rounds (+{args.warmup} warm-up) per mode, "
            f"{args.upstream} upstream, {args.clock} clock"
        )
        plain, routed = _pair(
            args.rounds,
            args.warmup,
            lambda: modelmux.completion(messages=MESSAGES, **call),
            lambda: router.completion("g", MESSAGES),
        )
        _report("sync", plain, routed)

        async def run_async() -> None:
            plain, routed = await _apair(
                args.rounds,
                args.warmup,
                lambda: modelmux.acompletion(messages=MESSAGES, **acall),
                lambda: arouter.acompletion("g", MESSAGES),
            )
            _report("async", plain, routed)

        asyncio.run(run_async())
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
