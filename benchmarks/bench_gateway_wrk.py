"""Server CPU per request, req/s and latency of the modelmux gateway, measured with wrk, in one run beside:

- **const app**: a constant-answer ASGI app under the same uvicorn (``bench_gateway_const_app.py``), the floor of
  any app's cost;
- **direct**: the fake upstream itself (``fake_upstream.py``), the floor of latency;
- **modelmux gateway**: ``modelmux serve`` routing to the fake upstream (``--workers``: one contender per count;
  with ``--redis``, a local redis-server holds the rate-limit and concurrency state the workers share, as
  ``[limits] redis_url`` does in production, with limits far above what the run can reach);
- **litellm proxy**: with ``--litellm-python PATH`` (a venv's python with litellm 1.110.2 and its proxy deps);
- upstream-client variants of the gateway (``--variants aiohttp,shards=1``, served by ``bench_gateway_launch.py``
  with ``modelmux serve``'s uvicorn options), and the gateway from another source tree (``--baseline-src DIR``),
  to compare clients and before/after in one run.

Each cell (scenario x connections) runs wrk once per contender per repeat, contenders taking turns in a rotating
order. Server CPU per request is the CPU the server's processes used (``/proc/<pid>/task/*/schedstat``) over the
requests wrk completed: it is much less sensitive to other load on the machine than req/s and latency are.

    python benchmarks/bench_gateway_wrk.py --quick
    python benchmarks/bench_gateway_wrk.py --quick --workers 1,2 --redis   # limits shared through Redis
    python benchmarks/bench_gateway_wrk.py --repeats 3 --json wrk.json --litellm-python /tmp/litellm-venv/bin/python
    python benchmarks/bench_gateway_wrk.py --paced 400 --repeats 3 --seconds 10   # paced latency, 16 connections

Paced mode (``--paced RATE``; module ``bench_wrk_paced.py``): closed-loop wrk saturates the server, so its p50 is
mostly queueing. Paced, wrk's ``delay()`` hook sends RATE requests per second in all (one jittered schedule the
connections share, about RATE/connections each; ``--connections`` defaults to 16), and the script reports p50/p90/p99,
the achieved rate and CPU per request per contender, and each gateway's (and LiteLLM's) **added** p50/p99 over direct
in the same run, with the issue's added-p50 aim at 16 connections. A cell whose achieved rate is more than 5% short
of RATE is flagged: the server could not keep up and its latency is queueing again. wrk measures latency from the
actual send; below saturation the coordinated-omission error of that is small.

wrk is installed with ``apt-get install -y wrk`` when missing (as root). See benchmarks/README.md ("Gateway with wrk",
"Paced latency").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import asyncio

from bench_common import json_safe, versions
from bench_gateway import (
    CHAT,
    CLIENT_KEY,
    DIRECT,
    GATEWAY,
    HOST,
    LITELLM,
    PUBLIC_MODEL,
    START_TIMEOUT_S,
    STREAM,
    Target,
    _server_env,
    cpu_ns,
    direct_target,
    free_port,
    gateway_config,
    process_tree,
    request_body,
    sanity_check,
    start_gateway,
    start_litellm,
    stop,
    wait_until_ready,
)
from bench_wrk_paced import PACE_JITTER, added_report, paced_markdown, pacing_lua, shortfall_warnings
from fake_upstream import start_in_subprocess

CONST = "const app"
HERE = os.path.dirname(os.path.abspath(__file__))
#: Aims of issue 12 (ratios in one run).
AIM_CHAT_X_CONST = 8.0
AIM_STREAM_X_CONST = 60.0
AIM_ADDED_P50_MS = 1.0
AIM_LITELLM_X = 50.0
AIM_CONNECTIONS = 16

_LUA = """\
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = {auth}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,"
    .. "\\"status\\":%d,\\"timeout\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"mean_us\\":%f}}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: apt-get install -y wrk", file=sys.stderr, flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed (apt-get install -y wrk) and could not be installed")
    return found


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def wrk_lua(body: str, auth: str, paced: float | None = None) -> str:
    """The wrk script: the request, the ``WRKJSON`` summary line and, with ``paced``, the pacing ``delay()``."""
    text = _LUA.format(body=_lua_string(body), auth=_lua_string(auth))
    return text + pacing_lua(paced) if paced else text


def write_script(tmp: str, target: Target, scenario: str, paced: float | None = None) -> str:
    path = os.path.join(tmp, f"wrk-{abs(hash((target.name, scenario, paced)))}.lua")
    body = request_body(target, scenario == STREAM).decode()
    auth = target.headers.get("authorization", "")
    with open(path, "w") as fh:
        fh.write(wrk_lua(body, auth, paced))
    return path


def start_const_app(tmp: str) -> tuple[Target, subprocess.Popen[bytes]]:
    port = free_port()
    log_path = os.path.join(tmp, "const.log")
    cmd = [sys.executable, "-m", "uvicorn", "--app-dir", HERE, "bench_gateway_const_app:app"]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_ready(base + "/health", proc, log_path, START_TIMEOUT_S)
    except BaseException:
        stop(proc)
        raise
    target = Target(
        name=CONST,
        url=base + "/v1/chat/completions",
        model="const",
        headers={"authorization": f"Bearer {CLIENT_KEY}", "content-type": "application/json"},
        pids=(proc.pid,),
        server="uvicorn (auto: uvloop, httptools), constant answer",
    )
    return target, proc


def start_variant(
    upstream: str, tmp: str, name: str, launch: list[str], pythonpath: str | None
) -> tuple[Target, subprocess.Popen[bytes]]:
    """The gateway through ``bench_gateway_launch.py`` (``launch``: its extra arguments), ``pythonpath`` first."""
    config = os.path.join(tmp, "gateway.toml")
    with open(config, "w") as fh:
        fh.write(gateway_config(upstream))
    port = free_port()
    log_path = os.path.join(tmp, f"variant-{port}.log")
    cmd = [sys.executable, os.path.join(HERE, "bench_gateway_launch.py"), "--config", config, "--port", str(port)]
    env = _server_env()
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*cmd, *launch], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://{HOST}:{port}"
    try:
        wait_until_ready(base + "/health", proc, log_path, START_TIMEOUT_S)
    except BaseException as exc:
        stop(proc)
        raise RuntimeError(f"{name}: {exc}") from None
    target = Target(
        name=name,
        url=base + "/v1/chat/completions",
        model="bench-model",
        headers={"authorization": f"Bearer {CLIENT_KEY}", "content-type": "application/json"},
        pids=(proc.pid,),
        server=f"bench_gateway_launch.py {' '.join(launch)} (PYTHONPATH {pythonpath or 'unchanged'})",
    )
    return target, proc


def _redis_pings(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis() -> str:
    """redis-server's path, installed with apt-get when missing (as ``.ci/run`` does)."""
    found = shutil.which("redis-server")
    if found:
        return found
    print("redis-server not found: apt-get install -y redis-server", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=False, capture_output=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "redis-server"], check=True, capture_output=True, env=env)
    found = shutil.which("redis-server")
    if not found:
        raise SystemExit("redis-server is still not on PATH after apt-get install")
    return found


def start_redis(tmp: str) -> tuple[str, subprocess.Popen[bytes]]:
    """A throwaway redis-server on a free loopback port (no persistence); its ``redis://`` URL."""
    binary = ensure_redis()
    for _ in range(5):  # another process may take the free port before redis-server binds it
        port = free_port()
        cmd = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", tmp]
        cmd += ["--logfile", os.path.join(tmp, "redis.log")]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if _redis_pings(port):
                return f"redis://{HOST}:{port}/0", proc
            time.sleep(0.02)
        stop(proc)
    raise RuntimeError("redis-server did not answer PING")


def redis_commands(redis_url: str) -> int:
    """``total_commands_processed`` of the redis-server at ``redis_url`` (shows the limits went through it)."""
    port = int(redis_url.rsplit(":", 1)[1].split("/", 1)[0])
    with socket.create_connection((HOST, port), timeout=2) as sock:
        sock.sendall(b"INFO stats\r\n")
        data = b""
        while b"total_commands_processed:" not in data or not data.endswith(b"\r\n"):
            more = sock.recv(65536)
            if not more:
                break
            data += more
    found = re.search(rb"total_commands_processed:(\d+)", data)
    return int(found.group(1)) if found else -1


def redis_gateway_config(upstream: str, redis_url: str) -> str:
    """``bench_gateway.gateway_config`` with the limits' state in Redis (every worker counts in the same keys)."""
    text = gateway_config(upstream)
    assert "[limits]\n" in text
    return text.replace("[limits]\n", f'[limits]\nredis_url = "{redis_url}"\nredis_prefix = "bench"\n', 1)


def start_gateway_redis(
    upstream: str, tmp: str, workers: int, redis_url: str
) -> tuple[Target, subprocess.Popen[bytes]]:
    """``modelmux serve --workers N`` with :func:`redis_gateway_config`."""
    config = os.path.join(tmp, f"gateway-redis-{workers}.toml")
    with open(config, "w") as fh:
        fh.write(redis_gateway_config(upstream, redis_url))
    port = free_port()
    log_path = os.path.join(tmp, f"gateway-redis-{workers}.log")
    cmd = [sys.executable, "-m", "modelmux.cli", "serve", "--config", config, "--host", HOST, "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=_server_env())
    base = f"http://{HOST}:{port}"
    try:
        wait_until_ready(base + "/health", proc, log_path, START_TIMEOUT_S)
    except BaseException as exc:
        stop(proc)
        raise RuntimeError(f"modelmux serve (redis): {exc}") from None
    target = Target(
        name=GATEWAY,
        url=base + "/v1/chat/completions",
        model=PUBLIC_MODEL,
        headers={"authorization": f"Bearer {CLIENT_KEY}", "content-type": "application/json"},
        pids=process_tree(proc.pid),
        server=f"modelmux serve --workers {workers}, limits in Redis ({redis_url})",
    )
    return target, proc


def _variant_args(variant: str) -> list[str]:
    if variant == "aiohttp":
        return ["--client", "aiohttp"]
    if variant == "anyio":
        return ["--anyio"]
    if variant == "httpx":
        return ["--httpx"]
    if variant.startswith("shards="):
        return ["--shards", variant.split("=", 1)[1]]
    raise SystemExit(f"unknown variant {variant!r} (aiohttp, anyio, httpx, shards=N)")


@dataclass
class Run:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    cpu_us_per_req: float


@dataclass
class Cell:
    contender: str
    scenario: str
    connections: int
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        values = [v for r in self.runs if (v := getattr(r, attr)) == v]  # NaN: a run without a finished request
        return statistics.median(values) if values else float("nan")

    def rps(self) -> float:
        return statistics.median([r.requests / r.seconds for r in self.runs]) if self.runs else float("nan")


_WRK_LINE = re.compile(r"^WRKJSON (\{.*\})$", re.M)


def run_wrk(wrk: str, target: Target, script: str, connections: int, seconds: float) -> Run:
    pids = process_tree(target.pids[0])
    before = cpu_ns(pids) or 0
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", script, target.url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    after = cpu_ns(pids) or 0
    found = _WRK_LINE.search(out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(found.group(1))
    requests = int(data["requests"])
    errors = sum(int(data[k]) for k in ("connect", "read", "write", "status", "timeout"))
    nan = float("nan")  # no request finished in the run (LiteLLM's streams under load): no figure, not a huge one
    return Run(
        requests=requests,
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000 if requests else nan,
        p90_ms=data["p90_us"] / 1000 if requests else nan,
        p99_ms=data["p99_us"] / 1000 if requests else nan,
        cpu_us_per_req=(after - before) / 1000 / requests if requests else nan,
    )


def _fmt(value: float, spec: str) -> str:
    return "-" if value != value else format(value, spec)


def markdown(cells: list[Cell]) -> str:
    lines = [
        "| scenario | connections | contender | runs | server CPU µs/req | req/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        errors = sum(r.errors for r in c.runs)
        lines.append(
            f"| {c.scenario} | {c.connections} | {c.contender} | {len(c.runs)}"
            f" | {_fmt(c.median('cpu_us_per_req'), ',.0f')}"
            f" | {_fmt(c.rps(), ',.0f')} | {_fmt(c.median('p50_ms'), '.2f')} | {_fmt(c.median('p99_ms'), '.2f')}"
            f" | {errors} |"
        )
    return "\n".join(lines)


def aims(cells: list[Cell], gateway: str) -> list[str]:
    by = {(c.contender, c.scenario, c.connections): c for c in cells}
    out: list[str] = []
    for scenario, limit in ((CHAT, AIM_CHAT_X_CONST), (STREAM, AIM_STREAM_X_CONST)):
        for conns in sorted({c.connections for c in cells}):
            gw, const = by.get((gateway, scenario, conns)), by.get((CONST, scenario, conns))
            if gw and const:
                ratio = gw.median("cpu_us_per_req") / const.median("cpu_us_per_req")
                verdict = "met" if ratio <= limit else "MISSED"
                out.append(
                    f"{verdict}: {gateway}, {scenario} @{conns}: CPU/req = {ratio:.1f}x const app (aim ≤ {limit:g}x)"
                )
            lite = by.get((LITELLM, scenario, conns))
            ratio = lite.median("cpu_us_per_req") / gw.median("cpu_us_per_req") if gw and lite else float("nan")
            if ratio == ratio:  # NaN: LiteLLM finished no request in that cell
                verdict = "met" if ratio >= AIM_LITELLM_X else "MISSED"
                out.append(
                    f"{verdict}: {gateway}, {scenario} @{conns}: litellm CPU/req = {ratio:.1f}x gateway"
                    f" (aim ≥ {AIM_LITELLM_X:g}x)"
                )
        gw, direct = by.get((gateway, scenario, AIM_CONNECTIONS)), by.get((DIRECT, scenario, AIM_CONNECTIONS))
        if gw and direct:
            added = gw.median("p50_ms") - direct.median("p50_ms")
            verdict = "met" if added < AIM_ADDED_P50_MS else "MISSED"
            out.append(
                f"{verdict}: {gateway}, {scenario} @{AIM_CONNECTIONS}: added p50 = {added:+.2f} ms"
                f" (aim < {AIM_ADDED_P50_MS:g} ms)"
            )
    return out


def added_p50(cells: list[Cell], gateways: list[str]) -> list[str]:
    """Each gateway's p50 over calling the upstream directly, per scenario and connection count."""
    by = {(c.contender, c.scenario, c.connections): c for c in cells}
    out = []
    for name in gateways:
        for scenario in sorted({c.scenario for c in cells}):
            for conns in sorted({c.connections for c in cells}):
                gw, direct = by.get((name, scenario, conns)), by.get((DIRECT, scenario, conns))
                if gw and direct:
                    gw_p50, direct_p50 = gw.median("p50_ms"), direct.median("p50_ms")
                    out.append(
                        f"added p50 over direct: {name}, {scenario} @{conns}: {gw_p50 - direct_p50:+.2f} ms"
                        f" ({_fmt(gw_p50, '.2f')} vs {_fmt(direct_p50, '.2f')} ms)"
                    )
    return out


@contextlib.contextmanager
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for proc in reversed(procs):
            stop(proc)


def _load() -> str:
    with contextlib.suppress(OSError):
        return open("/proc/loadavg").read().split()[0]
    return "?"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with the defaults ``--quick`` and ``--paced`` change filled in where not given."""
    parser = argparse.ArgumentParser(description="gateway CPU per request and latency with wrk")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per wrk run (5; quick: 2)")
    parser.add_argument("--repeats", type=int, default=None, help="wrk runs per contender and cell (2; quick: 1)")
    parser.add_argument(
        "--connections", default=None, help=f"wrk connection counts (1,16,64; paced: {AIM_CONNECTIONS})"
    )
    parser.add_argument(
        "--paced",
        type=float,
        default=None,
        metavar="RATE",
        help="paced latency mode: RATE requests per second across all connections (wrk's delay() hook)",
    )
    parser.add_argument("--scenarios", default="chat,stream", help="chat,stream (both)")
    parser.add_argument("--workers", default="1", help="modelmux serve --workers counts, one contender each (1)")
    parser.add_argument("--litellm-python", default=None, help="python of a venv with litellm 1.110.2's proxy")
    parser.add_argument("--variants", default="", help="client variants: aiohttp, anyio, httpx, shards=N (none)")
    parser.add_argument("--aiohttp-path", default=None, help="a directory with httpx-aiohttp (pip install --target)")
    parser.add_argument("--baseline-src", default=None, help="another modelmux src/ to serve as 'gateway (baseline)'")
    parser.add_argument("--contenders", default=None, help="only these (comma-separated names)")
    parser.add_argument(
        "--redis", action="store_true", help="the gateway contenders keep their limits in a local redis-server"
    )
    parser.add_argument("--quick", action="store_true", help="2 s per run, 1 repeat (unless given)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.paced is not None and not args.paced > 0:
        parser.error(f"--paced needs a rate above 0 requests per second, not {args.paced:g}")
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 5.0
    if args.repeats is None:
        args.repeats = 1 if args.quick else 2
    if args.connections is None:
        args.connections = str(AIM_CONNECTIONS) if args.paced else "1,16,64"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    connections = [int(x) for x in args.connections.split(",")]
    scenarios = [{"chat": CHAT, "stream": STREAM}[s.strip()] for s in args.scenarios.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    wrk = ensure_wrk()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"load average at start: {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp, servers() as procs:
        upstream, up_proc = start_in_subprocess()
        procs.append(up_proc)
        targets = [direct_target(upstream, up_proc.pid)]
        const, proc = start_const_app(tmp)
        procs.append(proc)
        targets.append(const)
        gateway_names = []
        redis_url = None
        if args.redis:
            redis_url, proc = start_redis(tmp)
            procs.append(proc)
        for count in workers:
            if redis_url is None:
                gw, proc = start_gateway(upstream, tmp, count)
            else:
                gw, proc = start_gateway_redis(upstream, tmp, count, redis_url)
            procs.append(proc)
            name = GATEWAY if count == 1 else f"{GATEWAY} ({count} workers)"
            name = f"{name[:-1]}, redis)" if redis_url and count > 1 else f"{name} (redis)" if redis_url else name
            gateway_names.append(name)
            targets.append(replace(gw, name=name))
        for variant in filter(None, args.variants.split(",")):
            name = f"{GATEWAY} ({variant})"
            path = args.aiohttp_path if variant == "aiohttp" else None
            gw, proc = start_variant(upstream, tmp, name, _variant_args(variant), path)
            procs.append(proc)
            gateway_names.append(name)
            targets.append(gw)
        if args.baseline_src:
            name = f"{GATEWAY} (baseline)"
            gw, proc = start_variant(upstream, tmp, name, [], os.path.abspath(args.baseline_src))
            procs.append(proc)
            gateway_names.append(name)
            targets.append(gw)
        if args.litellm_python:
            command = os.path.join(os.path.dirname(args.litellm_python), "litellm")
            lite, proc = start_litellm(command, upstream, tmp)
            procs.append(proc)
            targets.append(lite)
        if args.contenders:
            wanted = {n.strip() for n in args.contenders.split(",")}
            targets = [t for t in targets if t.name in wanted]
        for t in list(targets):
            for scenario in scenarios:
                problem = asyncio.run(sanity_check(t, scenario))
                if problem:
                    print(f"dropped {t.name} ({scenario}): {problem}", flush=True)
                    targets.remove(t)
                    break
        for t in targets:
            print(f"{t.name}: {t.server}", flush=True)
        cells: dict[tuple[str, str, int], Cell] = {}
        warm = {(t.name, s): write_script(tmp, t, s) for t in targets for s in scenarios}
        scripts = {(t.name, s): write_script(tmp, t, s, args.paced) for t in targets for s in scenarios}
        for t in targets:  # warm-up, unrecorded (closed loop: as many requests as the second allows)
            for s in scenarios:
                run_wrk(wrk, t, warm[(t.name, s)], 4, 1.0)
        turn = 0
        for scenario in scenarios:
            for conns in connections:
                for _repeat in range(args.repeats):
                    order = targets[turn % len(targets) :] + targets[: turn % len(targets)]
                    turn += 1
                    for t in order:
                        run = run_wrk(wrk, t, scripts[(t.name, scenario)], conns, args.seconds)
                        cell = cells.setdefault((t.name, scenario, conns), Cell(t.name, scenario, conns))
                        cell.runs.append(run)
                        paced = f" of {args.paced:,.0f}" if args.paced else ""
                        p90 = f"  p90 {run.p90_ms:7.2f} ms" if args.paced else ""
                        print(
                            f"{scenario:12} c={conns:<3} {t.name:28} cpu/req {run.cpu_us_per_req:9,.0f} µs  "
                            f"{run.requests / run.seconds:8,.0f}{paced} req/s  p50 {run.p50_ms:7.2f} ms{p90}"
                            f"  p99 {run.p99_ms:7.2f} ms"
                            f"  err {run.errors}  load {_load()}",
                            flush=True,
                        )
        if redis_url is not None:
            print(f"redis-server: {redis_commands(redis_url):,} commands processed (the workers' shared limits)")
    order = {DIRECT: 0, CONST: 1, LITELLM: 9}
    ordered = sorted(cells.values(), key=lambda c: (c.scenario, c.connections, order.get(c.contender, 5), c.contender))
    print()
    added: list[dict[str, object]] = []
    warnings: list[str] = []
    if args.paced:
        print(paced_markdown(ordered, args.paced))
        print()
        warnings = shortfall_warnings(ordered, args.paced)
        compared = [*gateway_names, *([LITELLM] if any(t.name == LITELLM for t in targets) else [])]
        report, added = added_report(
            ordered, compared, DIRECT, args.paced, AIM_CONNECTIONS, AIM_ADDED_P50_MS, frozenset(gateway_names)
        )
        for line in [*warnings, *report]:
            print(line)
    else:
        print(markdown(ordered))
        print()
        report = [line for name in gateway_names for line in aims(ordered, name)]
        for line in report:
            print(line)
        print()
        for line in added_p50(ordered, gateway_names):
            print(line)
    if args.json:
        data = {
            "versions": versions(("httpx", "httpcore", "uvicorn", "uvloop", "httptools", "pydantic")),
            "seconds": args.seconds,
            "repeats": args.repeats,
            "paced": args.paced,
            "pacing_jitter": PACE_JITTER if args.paced else None,
            "servers": {t.name: t.server for t in targets},
            "cells": [
                {
                    "contender": c.contender,
                    "scenario": c.scenario,
                    "connections": c.connections,
                    "runs": [r.__dict__ for r in c.runs],
                }
                for c in ordered
            ],
            "aims": report,
            "added": added,
            "warnings": warnings,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with open(args.json, "w") as fh:
            json.dump(json_safe(data), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
