"""Throughput and added latency of the modelmux gateway under uvicorn, against calling the upstream directly.

Starts ``fake_upstream.py`` and ``modelmux serve`` (and, with ``--litellm-proxy CMD``, LiteLLM's proxy) as
subprocesses on loopback, then drives each with an asyncio load generator (one ``httpx.AsyncClient`` per
contender and cell, keep-alive, its pool sized to the concurrency): ``N`` clients each send one chat completion
after another for a fixed time.  Every cell (scenario x concurrency) is measured for every contender in
slices that take turns, the starting contender rotating from slice to slice, so drift hits all of them alike.
Each slice starts with an unrecorded warm-up.

    python benchmarks/bench_gateway.py --quick                    # smoke run, about 20 s
    python benchmarks/bench_gateway.py --json gateway.json        # full run
    python benchmarks/bench_gateway.py --litellm-proxy /tmp/litellm-venv/bin/litellm

See benchmarks/README.md ("Gateway").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import httpx
from bench_common import json_safe, versions
from fake_upstream import STREAM_EVENTS, start_in_subprocess, words

HOST = "127.0.0.1"
PUBLIC_MODEL = "bench-model"
UPSTREAM_MODEL = "gpt-4o-mini"
# Throwaway values for a loopback-only benchmark; the gateway reads them from its environment.
UPSTREAM_KEY = "sk-bench-upstream"
CLIENT_KEY = "sk-bench-client-0123456789"
UPSTREAM_KEY_ENV = "MODELMUX_BENCH_UPSTREAM_KEY"
CLIENT_KEY_ENV = "MODELMUX_BENCH_CLIENT_KEY"
LITELLM_MASTER_KEY_ENV = "MODELMUX_BENCH_LITELLM_MASTER_KEY"
# Limits high enough never to refuse a benchmark request.
BENCH_RPM = 10_000_000
BENCH_MAX_CONCURRENT = 10_000

MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write about thirty words on benchmarking."},
]
EXPECTED_TEXT = "".join(words(30))
EXPECTED_STREAM_TEXT = "".join(words(STREAM_EVENTS))
DONE = b"data: [DONE]\n\n"

DIRECT = "direct"
GATEWAY = "modelmux gateway"
LITELLM = "litellm proxy"
CONTENDER_ORDER = {DIRECT: 0, GATEWAY: 1, LITELLM: 2}

CHAT = "chat"
STREAM = "chat stream"
SCENARIOS = (CHAT, STREAM)
SCENARIO_ALIASES = {"chat": CHAT, "stream": STREAM, "chat stream": STREAM}

AIM_CONCURRENCY = 16
AIM_ADDED_P50_MS = 1.0

START_TIMEOUT_S = 60.0
LITELLM_START_TIMEOUT_S = 240.0
REQUEST_TIMEOUT_S = 120.0
FAR_FUTURE_NS = 1 << 62

Requester = Callable[[], Awaitable[bool]]
"""One request; True when it succeeded (status 200 and a complete body)."""


# --------------------------------------------------------------------------- helpers


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


def wait_until_ready(url: str, proc: subprocess.Popen[bytes], log_path: str, timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"exited with status {proc.returncode} before serving:\n{_tail(log_path)}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- CPU accounting


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def process_tree(pid: int) -> tuple[int, ...]:
    """``pid`` and its descendants now (Linux; just ``pid`` elsewhere)."""
    if not os.path.isdir("/proc"):
        return (pid,)
    tree, todo = [pid], [pid]
    while todo:
        kids = _children(todo.pop())
        tree += kids
        todo += kids
    return tuple(tree)


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_ns(pids: tuple[int, ...]) -> int | None:
    """CPU time used so far by ``pids``: per-thread ``schedstat`` (ns), else ``stat`` ticks; None off Linux."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                    total += int(fh.read().split()[0])
                continue
            except (OSError, ValueError, IndexError):
                pass
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) * 1_000_000_000 // _CLK_TCK
    return total if os.path.isdir("/proc") else None


# --------------------------------------------------------------------------- servers


@dataclass(frozen=True)
class Target:
    """One contender: where its chat completions endpoint is, and how to ask it."""

    name: str
    url: str
    model: str
    headers: dict[str, str]
    pids: tuple[int, ...] = ()  # the server's processes, for CPU accounting
    server: str = ""  # what serves it, for the report


def gateway_config(upstream: str) -> str:
    return f"""\
# modelmux gateway config written by benchmarks/bench_gateway.py
[limits]
rpm = {BENCH_RPM}
max_concurrent = {BENCH_MAX_CONCURRENT}

[models."{PUBLIC_MODEL}"]
model = "openai/{UPSTREAM_MODEL}"
api_base = "{upstream}/v1"
api_key_env = "{UPSTREAM_KEY_ENV}"

[keys.bench]
key_env = "{CLIENT_KEY_ENV}"
rpm = {BENCH_RPM}
max_concurrent = {BENCH_MAX_CONCURRENT}
"""


def litellm_config(upstream: str) -> str:
    return f"""\
# LiteLLM proxy config written by benchmarks/bench_gateway.py
model_list:
  - model_name: {PUBLIC_MODEL}
    litellm_params:
      model: openai/{UPSTREAM_MODEL}
      api_base: {upstream}/v1
      api_key: os.environ/{UPSTREAM_KEY_ENV}
general_settings:
  master_key: os.environ/{LITELLM_MASTER_KEY_ENV}
litellm_settings:
  telemetry: false
"""


def _server_env() -> dict[str, str]:
    env = os.environ.copy()
    env[UPSTREAM_KEY_ENV] = UPSTREAM_KEY
    env[CLIENT_KEY_ENV] = CLIENT_KEY
    env[LITELLM_MASTER_KEY_ENV] = CLIENT_KEY
    return env


def _has_modules(python: str, *names: str) -> list[str]:
    code = "import importlib.util as u, sys; print(' '.join(n for n in sys.argv[1:] if u.find_spec(n)))"
    try:
        out = subprocess.run([python, "-c", code, *names], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return out.stdout.split()


def _uvicorn_stack(python: str, loop: str | None = None) -> str:
    """What uvicorn's ``auto`` settings pick in that interpreter."""
    found = _has_modules(python, "uvloop", "httptools")
    loop = loop or ("uvloop" if "uvloop" in found else "asyncio")
    http = "httptools" if "httptools" in found else "h11"
    return f"uvicorn, {loop} loop, {http}"


def start_gateway(upstream: str, tmp: str, workers: int) -> tuple[Target, subprocess.Popen[bytes]]:
    """``modelmux serve`` with a config mapping PUBLIC_MODEL to the fake upstream."""
    config = os.path.join(tmp, "gateway.toml")
    with open(config, "w") as fh:
        fh.write(gateway_config(upstream))
    port = free_port()
    log_path = os.path.join(tmp, "gateway.log")
    cmd = [
        sys.executable,
        "-m",
        "modelmux.cli",
        "serve",
        "--config",
        config,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",  # no access log line per request
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=_server_env())
    base = f"http://{HOST}:{port}"
    try:
        wait_until_ready(base + "/health", proc, log_path, START_TIMEOUT_S)
    except BaseException as exc:
        stop(proc)
        raise RuntimeError(f"modelmux serve: {exc}") from None
    target = Target(
        name=GATEWAY,
        url=base + "/v1/chat/completions",
        model=PUBLIC_MODEL,
        headers={"authorization": f"Bearer {CLIENT_KEY}", "content-type": "application/json"},
        pids=process_tree(proc.pid),
        server=f"modelmux serve --workers {workers} ({_uvicorn_stack(sys.executable)})",
    )
    return target, proc


def start_litellm(command: str, upstream: str, tmp: str) -> tuple[Target, subprocess.Popen[bytes]]:
    """LiteLLM's proxy: ``COMMAND --config cfg.yaml --host H --port P``, one worker, access log off."""
    config = os.path.join(tmp, "litellm.yaml")
    with open(config, "w") as fh:
        fh.write(litellm_config(upstream))
    port = free_port()
    log_path = os.path.join(tmp, "litellm.log")
    argv = [*shlex.split(command), "--config", config, "--host", HOST, "--port", str(port), "--num_workers", "1"]
    env = _server_env()
    env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-map download at start-up
    env.setdefault("LITELLM_LOG", "WARNING")  # also sets uvicorn's level: no access log line per request
    env.setdefault("LITELLM_TELEMETRY", "False")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_ready(base + "/health/liveliness", proc, log_path, LITELLM_START_TIMEOUT_S)
    except BaseException as exc:
        stop(proc)
        raise RuntimeError(f"litellm proxy ({command}): {exc}") from None
    python = os.path.join(os.path.dirname(shutil.which(argv[0]) or argv[0]), "python")
    loop = "asyncio" if env.get("LITELLM_EVENT_LOOP") == "asyncio" else "uvloop"
    stack = _uvicorn_stack(python, loop) if os.path.exists(python) else f"uvicorn, {loop} loop"
    target = Target(
        name=LITELLM,
        url=base + "/v1/chat/completions",
        model=PUBLIC_MODEL,
        headers={"authorization": f"Bearer {CLIENT_KEY}", "content-type": "application/json"},
        pids=process_tree(proc.pid),
        server=f"litellm {_litellm_version(python)} proxy, 1 worker ({stack})",
    )
    return target, proc


def _litellm_version(python: str) -> str:
    if not os.path.exists(python):
        return "?"
    code = "from importlib.metadata import version; print(version('litellm'))"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.stdout.strip() or "?"


def direct_target(upstream: str, upstream_pid: int) -> Target:
    return Target(
        name=DIRECT,
        url=upstream + "/v1/chat/completions",
        model=UPSTREAM_MODEL,
        headers={"authorization": f"Bearer {UPSTREAM_KEY}", "content-type": "application/json"},
        pids=(upstream_pid,),
        server="fake_upstream.py (asyncio.Protocol)",
    )


# --------------------------------------------------------------------------- requests


def request_body(target: Target, stream: bool) -> bytes:
    body: dict[str, Any] = {"model": target.model, "messages": MESSAGES}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def requester(client: httpx.AsyncClient, target: Target, scenario: str) -> Requester:
    """One simulated client's request: built once and sent again and again (saves the load generator about a
    quarter of its CPU per request), the response read whole, only a cheap completeness check."""
    stream = scenario == STREAM
    request = client.build_request("POST", target.url, content=request_body(target, stream), headers=target.headers)
    if not stream:

        async def call() -> bool:
            resp = await client.send(request)
            return resp.status_code == 200 and b"finish_reason" in resp.content

        return call

    async def call_stream() -> bool:
        resp = await client.send(request, stream=True)
        try:
            tail = b""
            async for chunk in resp.aiter_raw():
                tail = chunk[-32:] if len(chunk) >= 32 else (tail + chunk)[-32:]
        finally:
            await resp.aclose()
        return resp.status_code == 200 and tail.endswith(DONE)

    return call_stream


def _content(chunk: dict[str, Any]) -> str:
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    return str((choices[0].get("delta") or {}).get("content") or "")


async def sanity_check(target: Target, scenario: str) -> str | None:
    """One full request, parsed properly; None when the text is what the fake upstream sent, else why not."""
    expected = EXPECTED_STREAM_TEXT if scenario == STREAM else EXPECTED_TEXT
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        try:
            if scenario == CHAT:
                resp = await client.post(target.url, content=request_body(target, False), headers=target.headers)
                if resp.status_code != 200:
                    return f"status {resp.status_code}: {resp.text[:200]}"
                text = str(resp.json()["choices"][0]["message"]["content"])
            else:
                parts: list[str] = []
                body = request_body(target, True)
                async with client.stream("POST", target.url, content=body, headers=target.headers) as resp:
                    if resp.status_code != 200:
                        await resp.aread()
                        return f"status {resp.status_code}: {resp.text[:200]}"
                    async for line in resp.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        payload = line[5:].strip()
                        if payload == "[DONE]":
                            break
                        parts.append(_content(json.loads(payload)))
                    else:
                        return "the stream ended without data: [DONE]"
                text = "".join(parts)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            return f"{type(exc).__name__}: {exc}"
    if text != expected:
        return f"returned {len(text)} chars of text instead of {len(expected)} ({text[:60]!r}...)"
    return None


# --------------------------------------------------------------------------- load


@dataclass
class Cell:
    """Everything recorded for one contender in one scenario at one concurrency, over all its slices."""

    scenario: str
    concurrency: int
    target: Target
    latencies_ns: list[int] = field(default_factory=list)
    completed: int = 0  # requests that finished inside a recorded window
    window_ns: int = 0
    errors: int = 0
    cut: int = 0  # started in the window, still running at the cut-off: latency counted as a lower bound
    unfinished: int = 0  # still running at the cut-off, wherever they started
    cpu_window_ns: int = 0  # between the CPU snapshots
    cpu_completed: int = 0  # requests finished between the CPU snapshots
    client_cpu_ns: int = 0
    server_cpu_ns: int | None = 0
    upstream_cpu_ns: int | None = 0


def _add(total: int | None, before: int | None, after: int | None) -> int | None:
    if total is None or before is None or after is None:
        return None
    return total + after - before


async def run_slice(
    cell: Cell,
    calls: list[Requester],
    *,
    warmup_s: float,
    seconds: float,
    grace_s: float,
    upstream_pids: tuple[int, ...],
) -> None:
    """``len(calls)`` closed-loop clients: an unrecorded warm-up, then ``seconds`` recorded.

    The warm-up lasts ``warmup_s`` and then until every client has finished a request (at most ``grace_s``
    more), so a slow server is measured in its steady state too; the window is stretched to two such rounds
    when they take longer than ``seconds``.  A request counts for latency when it starts
    inside the recorded window (it may finish after it), and for throughput when it finishes inside it.
    Requests still running ``grace_s`` after the window are cancelled; those that started inside it count as
    *cut*, with the time they had run as their latency (a lower bound).
    """
    perf = time.perf_counter_ns
    n = len(calls)
    window = [FAR_FUTURE_NS, FAR_FUTURE_NS]  # [start, end): set once every client has finished a request
    samples: list[tuple[int, int]] = []
    failures: list[int] = []
    in_flight: dict[int, int] = {}
    warm: set[int] = set()
    warm_at: list[int] = []  # when the last client finished its first request
    all_warm = asyncio.Event()

    async def client(i: int) -> None:
        call = calls[i]
        while True:
            t0 = perf()
            if t0 >= window[1]:
                return
            in_flight[i] = t0
            try:
                ok = await call()
            except httpx.HTTPError:
                ok = False
            t1 = perf()
            del in_flight[i]
            if i not in warm:
                warm.add(i)
                if len(warm) == n:
                    warm_at.append(t1)
                    all_warm.set()
            if ok:
                samples.append((t0, t1))
            else:
                failures.append(t0)
                await asyncio.sleep(0.001)  # a refusing server must not turn this into a busy loop

    begin = perf()
    tasks = [asyncio.create_task(client(i)) for i in range(n)]
    # Warm-up: at least warmup_s, and until every client has been round once (at most grace_s more).
    await asyncio.sleep(warmup_s)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(all_warm.wait(), timeout=grace_s)
    start = perf()
    c0, s0, u0 = time.process_time_ns(), cpu_ns(cell.target.pids), cpu_ns(upstream_pids)
    # Closed-loop clients of a slow server move in step: a window shorter than one round could see no request
    # start or end at all, so it lasts two rounds if that is longer (at most grace_s longer than asked).
    first_round_s = ((warm_at[0] if warm_at else start) - begin) / 1e9
    length_s = min(max(seconds, 2 * first_round_s), seconds + grace_s)
    end = start + int(length_s * 1e9)
    window[:] = [start, end]
    await asyncio.sleep(length_s)
    # A step of a busy loop can take a while, so the CPU snapshots may land late: the CPU is divided by the
    # requests that finished between the snapshots, the rest uses the planned window.
    w1 = perf()
    c1, s1, u1 = time.process_time_ns(), cpu_ns(cell.target.pids), cpu_ns(upstream_pids)
    _, pending = await asyncio.wait(tasks, timeout=grace_s)
    cut_at = perf()
    cut = [t0 for t0 in in_flight.values() if start <= t0 < end]
    cell.unfinished += len(pending)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:  # a bug in the load generator must not pass for a quiet cell
        if not task.cancelled() and task.exception() is not None:
            raise RuntimeError(f"load generator failed: {task.exception()!r}")

    cell.latencies_ns += [t1 - t0 for t0, t1 in samples if start <= t0 < end]
    cell.latencies_ns += [cut_at - t0 for t0 in cut]
    cell.cut += len(cut)
    cell.completed += sum(1 for _, t1 in samples if start <= t1 <= end)
    cell.errors += sum(1 for t0 in failures if start <= t0 < end)
    cell.window_ns += end - start
    cell.cpu_window_ns += w1 - start
    cell.cpu_completed += sum(1 for _, t1 in samples if start <= t1 <= w1)
    cell.client_cpu_ns += c1 - c0
    cell.server_cpu_ns = _add(cell.server_cpu_ns, s0, s1)
    cell.upstream_cpu_ns = _add(cell.upstream_cpu_ns, u0, u1)


def _client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=60.0)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False)


async def _requesters(
    stack: contextlib.AsyncExitStack, target: Target, scenario: str, concurrency: int, shared: bool
) -> list[Requester]:
    """One requester per simulated client: each with its own one-connection client, or all on one shared client
    whose pool holds ``concurrency`` connections."""
    if shared:
        client = await stack.enter_async_context(_client(concurrency))
        return [requester(client, target, scenario) for _ in range(concurrency)]
    return [requester(await stack.enter_async_context(_client(1)), target, scenario) for _ in range(concurrency)]


async def measure(
    targets: list[Target],
    scenarios: list[str],
    concurrencies: list[int],
    *,
    seconds: float,
    slice_s: float,
    warmup_s: float,
    grace_s: float,
    upstream_pids: tuple[int, ...],
    shared_client: bool,
) -> list[Cell]:
    """Every (concurrency, scenario) group in turn; inside a group the contenders take turns slice by slice."""
    slices = max(1, round(seconds / slice_s))
    per_slice = seconds / slices
    cells: list[Cell] = []
    for concurrency in concurrencies:
        for scenario in scenarios:
            group = [Cell(scenario, concurrency, t) for t in targets]
            cells += group
            print(f"  {scenario}, {concurrency} clients: {slices} x {per_slice:.2f} s per contender", flush=True)
            async with contextlib.AsyncExitStack() as stack:
                calls = [await _requesters(stack, c.target, scenario, concurrency, shared_client) for c in group]
                for s in range(slices):
                    start = (s + concurrency + SCENARIOS.index(scenario)) % len(group)
                    for i in [*range(start, len(group)), *range(start)]:
                        gc.collect()
                        await run_slice(
                            group[i],
                            calls[i],
                            warmup_s=warmup_s,
                            seconds=per_slice,
                            grace_s=grace_s,
                            upstream_pids=upstream_pids,
                        )
    return cells


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    scenario: str
    concurrency: int
    contender: str
    n: int
    errors: int
    cut: int
    unfinished: int
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    added_p50_ms: float
    added_p99_ms: float
    ratio_p50: float
    ratio_p99: float
    ratio_rps: float
    client_cpu_pct: float
    server_cpu_us_per_req: float
    upstream_cpu_us_per_req: float


def _per_req(cpu: int | None, completed: int) -> float:
    return math.nan if cpu is None or not completed else cpu / completed / 1000.0


def summarize(cells: list[Cell]) -> list[Row]:
    rows: list[Row] = []
    for cell in cells:
        values = sorted(v / 1e6 for v in cell.latencies_ns)
        window_s = cell.window_ns / 1e9
        rows.append(
            Row(
                scenario=cell.scenario,
                concurrency=cell.concurrency,
                contender=cell.target.name,
                n=len(values),
                errors=cell.errors,
                cut=cell.cut,
                unfinished=cell.unfinished,
                rps=cell.completed / window_s if window_s else math.nan,
                p50_ms=percentile(values, 50),
                p99_ms=percentile(values, 99),
                mean_ms=sum(values) / len(values) if values else math.nan,
                added_p50_ms=math.nan,
                added_p99_ms=math.nan,
                ratio_p50=math.nan,
                ratio_p99=math.nan,
                ratio_rps=math.nan,
                client_cpu_pct=100.0 * cell.client_cpu_ns / cell.cpu_window_ns if cell.cpu_window_ns else math.nan,
                server_cpu_us_per_req=_per_req(cell.server_cpu_ns, cell.cpu_completed),
                upstream_cpu_us_per_req=_per_req(cell.upstream_cpu_ns, cell.cpu_completed),
            )
        )
    direct = {(r.scenario, r.concurrency): r for r in rows if r.contender == DIRECT}
    for r in rows:
        d = direct.get((r.scenario, r.concurrency))
        if d is None:
            continue
        r.added_p50_ms = r.p50_ms - d.p50_ms
        r.added_p99_ms = r.p99_ms - d.p99_ms
        r.ratio_p50 = r.p50_ms / d.p50_ms if d.p50_ms else math.nan
        r.ratio_p99 = r.p99_ms / d.p99_ms if d.p99_ms else math.nan
        r.ratio_rps = r.rps / d.rps if d.rps else math.nan
    rows.sort(key=lambda r: (SCENARIOS.index(r.scenario), r.concurrency, CONTENDER_ORDER.get(r.contender, 9)))
    return rows


def _num(value: float, fmt: str, prefix: str = "") -> str:
    return "-" if math.isnan(value) else prefix + format(value, fmt)


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}x"


def markdown(rows: list[Row]) -> str:
    lines = [
        "| scenario | clients | contender | n | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms "
        "| x direct p50 | x direct p99 | x direct req/s | client CPU | server CPU µs/req | upstream CPU µs/req "
        "| errors |",
        "| --- | ---: | --- " + "| ---: " * 13 + "|",
    ]
    for r in rows:
        low = "≥" if r.cut else ""  # some requests were cut off: their latency is a lower bound
        direct = r.contender == DIRECT
        errors = str(r.errors) + (f" (+{r.cut} cut)" if r.cut else "")
        lines.append(
            f"| {r.scenario} | {r.concurrency} | {r.contender} | {r.n:,} | {_num(r.rps, ',.0f')} "
            f"| {_num(r.p50_ms, '.2f', low)} | {_num(r.p99_ms, '.2f', low)} "
            f"| {'' if direct else _num(r.added_p50_ms, '+.2f', low)} "
            f"| {'' if direct else _num(r.added_p99_ms, '+.2f', low)} "
            f"| {'' if direct else _ratio(r.ratio_p50)} "
            f"| {'' if direct else _ratio(r.ratio_p99)} "
            f"| {'' if direct else _ratio(r.ratio_rps)} "
            f"| {_num(r.client_cpu_pct, '.0f')}% | {'' if direct else _num(r.server_cpu_us_per_req, ',.0f')} "
            f"| {_num(r.upstream_cpu_us_per_req, ',.0f')} | {errors} |"
        )
    return "\n".join(lines)


def aims_report(rows: list[Row]) -> list[dict[str, Any]]:
    aims: list[dict[str, Any]] = []
    for r in rows:
        if r.contender != GATEWAY or r.concurrency != AIM_CONCURRENCY or math.isnan(r.added_p50_ms):
            continue
        aims.append(
            {
                "aim": f"{r.scenario}, {AIM_CONCURRENCY} clients: the gateway adds under "
                f"{AIM_ADDED_P50_MS:g} ms at p50",
                "value_ms": r.added_p50_ms,
                "limit_ms": AIM_ADDED_P50_MS,
                "met": r.added_p50_ms < AIM_ADDED_P50_MS,
            }
        )
    return aims


def _ints(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("concurrency levels must be positive")
    return values


def _scenarios(text: str) -> list[str]:
    out = []
    for name in text.split(","):
        key = name.strip()
        if key not in SCENARIO_ALIASES:
            raise argparse.ArgumentTypeError(f"unknown scenario {key!r}; use chat, stream")
        out.append(SCENARIO_ALIASES[key])
    return sorted(set(out), key=SCENARIOS.index)


@contextlib.contextmanager
def _servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for proc in reversed(procs):
            stop(proc)


def _print(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="modelmux gateway throughput and added latency")
    parser.add_argument("--quick", action="store_true", help="1 s per cell and short warm-ups, for a smoke run")
    parser.add_argument("--seconds", type=float, default=None, help="recorded seconds per contender and cell (5)")
    parser.add_argument("--slice", type=float, default=None, help="seconds per turn; contenders alternate (1)")
    parser.add_argument("--warmup", type=float, default=None, help="unrecorded seconds before each turn (0.5)")
    parser.add_argument("--grace", type=float, default=None, help="cut requests still running this long after a turn")
    parser.add_argument("--concurrency", type=_ints, default=[1, 16, 64], help="client counts (1,16,64)")
    parser.add_argument("--scenarios", type=_scenarios, default=list(SCENARIOS), help="chat,stream (both)")
    parser.add_argument("--workers", type=int, default=1, help="modelmux serve --workers (1)")
    parser.add_argument(
        "--shared-client",
        action="store_true",
        help="all clients share one httpx.AsyncClient (pool = concurrency) instead of one client each",
    )
    parser.add_argument("--litellm-proxy", metavar="CMD", help="also measure LiteLLM's proxy, started as CMD")
    parser.add_argument("--json", metavar="PATH", help="also write all figures as JSON")
    args = parser.parse_args(argv)

    quick: bool = args.quick
    seconds: float = args.seconds if args.seconds is not None else (1.0 if quick else 5.0)
    slice_s: float = args.slice if args.slice is not None else (0.5 if quick else 1.0)
    warmup_s: float = args.warmup if args.warmup is not None else (0.2 if quick else 0.5)
    grace_s: float = args.grace if args.grace is not None else (5.0 if quick else 15.0)
    out = sys.stdout
    notes: list[str] = []
    cpus = os.cpu_count() or 1
    meta: dict[str, Any] = {
        "versions": versions(("modelmux", "uvicorn", "httpx", "httpcore", "h11", "pydantic", "pydantic-core")),
        "platform": platform.platform(),
        "cpus": cpus,
        "seconds_per_cell": seconds,
        "slice_seconds": slice_s,
        "warmup_seconds_per_slice": warmup_s,
        "grace_seconds": grace_s,
        "concurrency": args.concurrency,
        "scenarios": args.scenarios,
        "stream_events": STREAM_EVENTS,
        "load_generator": (
            "one httpx.AsyncClient shared by all clients, pool = concurrency"
            if args.shared_client
            else "one httpx.AsyncClient (one keep-alive connection) per client"
        ),
    }
    _print(out, f"# modelmux gateway benchmark ({'quick' if quick else 'full'})\n")
    _print(out, "versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    _print(out, f"platform: {meta['platform']}, {cpus} CPUs")
    _print(out, f"load generator: asyncio in this process, {meta['load_generator']}")
    shared = (
        f"The load generator (this process, one asyncio loop), the fake upstream and the server under test all "
        f"share these {cpus} CPUs: at 16 and 64 clients the figures include waiting for a core, and the "
        f"load generator's own cost is in every contender's latency. Compare contenders within one run."
    )
    _print(out, f"note: {shared}\n")
    notes.append(shared)

    rows: list[Row] = []
    targets: list[Target] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="modelmux-bench-gw-") as tmp, _servers() as procs:
        upstream, upstream_proc = start_in_subprocess()
        procs.append(upstream_proc)
        upstream_pids = (upstream_proc.pid,)
        targets.append(direct_target(upstream, upstream_proc.pid))
        try:
            target, proc = start_gateway(upstream, tmp, args.workers)
            procs.append(proc)
            targets.append(target)
        except RuntimeError as exc:
            notes.append(f"{GATEWAY}: not measured, {exc}")
        if args.litellm_proxy:
            _print(out, f"starting LiteLLM's proxy ({args.litellm_proxy}) ...")
            try:
                target, proc = start_litellm(args.litellm_proxy, upstream, tmp)
                procs.append(proc)
                targets.append(target)
            except RuntimeError as exc:
                notes.append(f"{LITELLM}: not measured, {exc}")
        else:
            notes.append(f"{LITELLM}: not measured (no --litellm-proxy CMD)")
        meta["upstream"] = upstream
        meta["servers"] = {t.name: t.server for t in targets}
        for t in targets:
            _print(out, f"{t.name}: {t.url}  [{t.server}]")

        checked: list[Target] = []
        for t in targets:
            problems = [(s, asyncio.run(sanity_check(t, s))) for s in args.scenarios]
            bad = [f"{s}: {p}" for s, p in problems if p is not None]
            if bad:
                notes.append(f"{t.name}: dropped, the sanity check failed ({'; '.join(bad)})")
            else:
                checked.append(t)
        slices = max(1, round(seconds / slice_s))
        cells_n = len(args.concurrency) * len(args.scenarios) * len(checked)
        _print(
            out,
            f"\nmeasuring {cells_n} cells ({len(checked)} contenders), each {seconds:g} s recorded in {slices} "
            f"turns with {warmup_s:g} s warm-up each ...",
        )
        cells = asyncio.run(
            measure(
                checked,
                args.scenarios,
                args.concurrency,
                seconds=seconds,
                slice_s=slice_s,
                warmup_s=warmup_s,
                grace_s=grace_s,
                upstream_pids=upstream_pids,
                shared_client=args.shared_client,
            )
        )
        rows = summarize(cells)
    meta["seconds_total"] = round(time.perf_counter() - t_start, 1)

    _print(out, "\n## Gateway\n")
    _print(out, markdown(rows))
    if any(r.cut for r in rows):
        notes.append(
            f"≥: some requests were still running {grace_s:g} s after their turn and were cut; their latency "
            "is counted as the time they had run, so those percentiles are lower bounds"
        )
    slow = [f"{r.contender} ({r.scenario}, {r.concurrency} clients)" for r in rows if r.unfinished > r.cut]
    if slow:
        notes.append(
            "some requests started during the warm-up were still running at the cut-off, so the window began "
            f"before every client had finished one request: {', '.join(slow)}"
        )
    if any(r.errors for r in rows):
        notes.append("errors: requests that failed or came back incomplete; they are not in the latencies")
    aims = aims_report(rows)
    if aims:
        _print(out, "\n## Aims\n")
        for a in aims:
            _print(out, f"- {'met' if a['met'] else 'MISSED'}: {a['aim']} (got {a['value_ms']:+.2f} ms)")
    _print(out, "\n## Notes\n")
    for note in notes:
        _print(out, f"- {note}")
    _print(out, f"\ntook {meta['seconds_total']:g} s")

    if args.json:
        payload = {"meta": meta, "rows": [vars(r) for r in rows], "aims": aims, "notes": notes}
        with open(args.json, "w") as fh:
            json.dump(json_safe(payload), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        _print(out, f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
