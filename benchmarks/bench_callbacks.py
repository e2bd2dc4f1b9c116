"""Per-call overhead of callbacks: ``completion()`` with no handler, with one no-op handler (and, streamed, the same
handler saying ``rebuild_stream = True``, so the chunks are kept for ``event.response``), and with the
OpenTelemetry handler (SDK with a no-op exporter), against an in-process OpenAI-format answer (no network, so the
client's own work is all there is to measure: the worst case for a relative overhead).

Interleaved rounds (each round calls every variant once, rotating which goes first), warm-up not recorded; median
and minimum per call, and the paired overhead: the median of each round's difference to the round's call without a
handler (drift and noisy neighbours hit both alike). Streams (200 chunks) and non-streamed answers. ``--clock cpu``
times each call by this thread's CPU time instead of the wall clock.

    python benchmarks/bench_callbacks.py              # full run
    python benchmarks/bench_callbacks.py --quick      # smoke run
    PYTHONPATH=/other/checkout/src python benchmarks/bench_callbacks.py   # time another source tree
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

if not os.environ.get("PYTHONPATH"):  # this checkout's source, unless told otherwise
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import httpx

import modelmux
from modelmux.callbacks import Callback, CallEvent

MSG = [{"role": "user", "content": "hi"}]
WORDS = [f"w{i} " for i in range(200)]
_BASE = {"id": "c", "created": 1, "model": "gpt-4o-2024-08-06"}
_JSON = json.dumps(
    {
        **_BASE,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(WORDS)}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 200, "total_tokens": 210},
    }
).encode()
_SSE = (
    b"".join(
        b"data: %s\n\n"
        % json.dumps(
            {**_BASE, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": w}}]}
        ).encode()
        for w in WORDS
    )
    + b"data: %s\n\ndata: [DONE]\n\n"
    % json.dumps(
        {**_BASE, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    ).encode()
)


def _answer(request: httpx.Request) -> httpx.Response:
    if b'"stream":true' in request.content:
        return httpx.Response(200, content=_SSE, headers={"content-type": "text/event-stream"})
    return httpx.Response(200, content=_JSON, headers={"content-type": "application/json"})


TRANSPORT = httpx.MockTransport(_answer)


class NoOp(Callback):
    def on_success(self, event: CallEvent) -> None:
        pass

    def on_stream_end(self, event: CallEvent) -> None:
        pass


class KeepsChunks(NoOp):
    """The same no-op, saying it reads the rebuilt response (so a stream's chunks are kept until its end)."""

    rebuild_stream = True


def _call(stream: bool, callbacks: list[Any] | None) -> Callable[[], None]:
    kwargs: dict[str, Any] = {"api_key": "sk-bench", "transport": TRANSPORT}
    if callbacks is not None:
        kwargs["callbacks"] = callbacks

    if stream:

        def run() -> None:
            for _ in modelmux.completion("openai/gpt-4o", MSG, stream=True, **kwargs):
                pass
    else:

        def run() -> None:
            modelmux.completion("openai/gpt-4o", MSG, **kwargs)

    return run


def _otel() -> Any:
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.trace import TracerProvider

        from modelmux.observability.otel import OpenTelemetry
    except ImportError:
        return None
    return OpenTelemetry(tracer_provider=TracerProvider(), meter_provider=MeterProvider())


CLOCK = time.perf_counter


def measure(variants: dict[str, Callable[[], None]], rounds: int, warmup: int) -> dict[str, tuple[float, float, float]]:
    """Median and minimum microseconds per call (the minimum is the steadier figure on a busy machine), and the
    median per-round difference to the first variant (the paired overhead)."""
    names = list(variants)
    times: dict[str, list[float]] = {n: [] for n in names}
    clock = CLOCK
    for r in range(warmup + rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            start = clock()
            variants[name]()
            if r >= warmup:
                times[name].append(clock() - start)
    base = times[names[0]]
    return {
        n: (
            statistics.median(t) * 1e6,
            min(t) * 1e6,
            statistics.median([x - b for x, b in zip(t, base, strict=True)]) * 1e6,
        )
        for n, t in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.thread_time
    print(f"python {sys.version.split()[0]}, {modelmux.__file__}, {args.clock} clock")
    rounds, warmup = (200, 20) if args.quick else (2000, 200)
    otel = _otel()
    for stream in (False, True):
        variants = {"none": _call(stream, None), "one no-op": _call(stream, [NoOp()])}
        if stream:
            variants["no-op keeping chunks"] = _call(stream, [KeepsChunks()])
        if otel is not None:
            variants["opentelemetry"] = _call(stream, [otel])
        result = measure(variants, rounds, warmup)
        base_median, base_min, _ = result["none"]
        label = "stream (200 chunks)" if stream else "non-streamed"
        shown = [f"none median {base_median:.1f} us, min {base_min:.1f} us"] + [
            f"{n} {med:.1f} us ({(med / base_median - 1) * 100:+.1f}%), min {low:.1f} us"
            f" ({(low / base_min - 1) * 100:+.1f}%), paired {diff:+.1f} us ({diff / base_median * 100:+.1f}%)"
            for n, (med, low, diff) in list(result.items())[1:]
        ]
        print(f"{label}: " + "; ".join(shown))


if __name__ == "__main__":
    main()
