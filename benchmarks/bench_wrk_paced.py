"""The paced (open-loop-ish) mode of ``bench_gateway_wrk.py --paced RATE``: the wrk Lua pacing and the report.

Closed-loop wrk (each connection sends its next request as soon as the previous answer arrives) saturates the
server at 16 connections on a small machine, so its p50 is mostly queueing: it measures throughput. Paced, wrk's
``delay()`` hook (called before every request) holds each request until its slot in one schedule of ``RATE``
requests per second across all connections: wrk runs one thread here, so all its connections share one Lua state
and one schedule, and each connection, taking the next free slot whenever it is idle, runs at about
``RATE / connections``. The gaps between slots are jittered (uniform, ``± PACE_JITTER`` of ``1 / RATE``, same mean)
so the connections do not fire in lockstep.

When every connection is busy (the server is slower than the schedule) or wrk itself stalls, the slots missed are
dropped, not sent in a burst afterwards: the achieved rate falls below ``RATE``, and more than :data:`SHORTFALL`
below it the report warns that the figures are queueing again. wrk (unlike wrk2) starts a request's clock at the
actual send, after the delay, so time a request spent waiting for a busy connection would go unmeasured
(coordinated omission); paced below saturation the connections are idle most of the time and that error is small.

Pure functions (no I/O); the cells are ``bench_gateway_wrk.Cell`` objects (``median(attr)``, ``rps()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench_gateway_wrk import Cell

#: Jitter of the gap between two send slots, as a fraction of the mean gap ``1 / RATE`` (uniform, mean kept).
PACE_JITTER = 0.25
#: An achieved rate more than this fraction below ``RATE`` means the server saturated.
SHORTFALL = 0.05

# wrk's delay() returns milliseconds (truncated to an integer by wrk); the schedule itself is kept in absolute
# CLOCK_MONOTONIC time (LuaJIT's ffi: plain Lua has no sub-second wall clock), so the truncation does not drift it.
_PACING_LUA = """\
-- Paced mode (bench_gateway_wrk.py --paced): one send schedule at {rate} req/s for all connections of this thread.
local ffi = require("ffi")
ffi.cdef[[
typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local interval_ms = {interval_ms!r}
local jitter = {jitter!r}
local next_ms = nil
math.randomseed(os.time())
function delay()
  local now = now_ms()
  -- Behind schedule (every connection was busy, or wrk itself stalled): send now and drop the missed slots.
  -- Sending them at once would turn a stall into a burst that queues at the server and shows up as its latency.
  if next_ms == nil or next_ms < now then next_ms = now end
  local wait = next_ms - now
  next_ms = next_ms + interval_ms * (1 + jitter * (2 * math.random() - 1))
  return wait
end
"""


def pacing_lua(rate: float, jitter: float = PACE_JITTER) -> str:
    """Lua defining wrk's ``delay()`` so one wrk thread sends ``rate`` requests per second in all (see module doc)."""
    if not rate > 0:
        raise ValueError(f"--paced needs a rate above 0 requests per second, not {rate!r}")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter is a fraction of the gap in [0, 1), not {jitter!r}")
    return _PACING_LUA.format(rate=f"{rate:g}", interval_ms=1000.0 / rate, jitter=float(jitter))


def shortfall(achieved: float, rate: float) -> float:
    """How far the achieved rate fell below the paced ``rate`` (0.1 = 10% short; negative: above it)."""
    return 1.0 - achieved / rate


def saturated(achieved: float, rate: float) -> bool:
    """True when the achieved rate is more than :data:`SHORTFALL` below ``rate`` (or no figure: NaN)."""
    return not shortfall(achieved, rate) <= SHORTFALL


def added_latency(gateway: Cell, direct: Cell) -> dict[str, float]:
    """The gateway's p50/p90/p99 minus the upstream's, each a difference of the cells' medians over repeats."""
    return {f"{p}_ms": gateway.median(f"{p}_ms") - direct.median(f"{p}_ms") for p in ("p50", "p90", "p99")}


def _fmt(value: float, spec: str) -> str:
    return "-" if value != value else format(value, spec)


def paced_markdown(cells: list[Cell], rate: float) -> str:
    """One row per cell: achieved vs paced rate, p50/p90/p99 (medians over repeats), server CPU per request."""
    lines = [
        "| scenario | connections | contender | runs | paced req/s | achieved req/s | p50 ms | p90 ms | p99 ms"
        " | server CPU µs/req | errors |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        achieved = c.rps()
        mark = " ⚠" if saturated(achieved, rate) else ""
        lines.append(
            f"| {c.scenario} | {c.connections} | {c.contender} | {len(c.runs)} | {rate:,.0f}"
            f" | {_fmt(achieved, ',.0f')}{mark} | {_fmt(c.median('p50_ms'), '.2f')}"
            f" | {_fmt(c.median('p90_ms'), '.2f')} | {_fmt(c.median('p99_ms'), '.2f')}"
            f" | {_fmt(c.median('cpu_us_per_req'), ',.0f')} | {sum(r.errors for r in c.runs)} |"
        )
    return "\n".join(lines)


def shortfall_warnings(cells: list[Cell], rate: float) -> list[str]:
    """A warning per cell whose achieved rate fell more than :data:`SHORTFALL` short of ``rate``."""
    return [
        f"WARNING: {c.contender}, {c.scenario} @{c.connections}: achieved {_fmt(c.rps(), ',.0f')} req/s,"
        f" {_fmt(100 * shortfall(c.rps(), rate), '.0f')}% short of the paced {rate:,.0f}: the server (or, on a busy"
        " machine, wrk) could not keep up, so its latency is queueing again (lower --paced, or more --connections)"
        for c in cells
        if saturated(c.rps(), rate)
    ]


def added_report(
    cells: list[Cell],
    compared: list[str],
    direct: str,
    rate: float,
    aim_connections: int,
    aim_added_p50_ms: float,
    aimed: frozenset[str] | None = None,
) -> tuple[list[str], list[dict[str, object]]]:
    """Each ``compared`` contender's added p50/p99 over ``direct`` per scenario and connection count.

    The ``aimed`` ones (default: all) also get a verdict on the added-p50 aim at ``aim_connections``; none where
    either side's rate fell short (its difference is queueing, not the path). Returns the lines to print and the
    same figures as records for the JSON file.
    """
    by = {(c.contender, c.scenario, c.connections): c for c in cells}
    lines: list[str] = []
    records: list[dict[str, object]] = []
    for name in compared:
        for scenario in sorted({c.scenario for c in cells}):
            for conns in sorted({c.connections for c in cells}):
                gw, up = by.get((name, scenario, conns)), by.get((direct, scenario, conns))
                if not (gw and up):
                    continue
                added = added_latency(gw, up)
                full = not (saturated(gw.rps(), rate) or saturated(up.rps(), rate))
                records.append(
                    {"contender": name, "scenario": scenario, "connections": conns, "paced": rate}
                    | {f"added_{k}": v for k, v in added.items()}
                    | {"at_paced_rate": full}
                )
                lines.append(
                    f"added over direct (paced {rate:,.0f} req/s): {name}, {scenario} @{conns}:"
                    f" p50 {_fmt(added['p50_ms'], '+.2f')} ms, p99 {_fmt(added['p99_ms'], '+.2f')} ms"
                    f" (p50 {_fmt(gw.median('p50_ms'), '.2f')} vs {_fmt(up.median('p50_ms'), '.2f')} ms)"
                    + ("" if full else "  [rate short: queueing]")
                )
                if conns == aim_connections and (aimed is None or name in aimed):
                    ok = added["p50_ms"] < aim_added_p50_ms
                    verdict = ("met" if ok else "MISSED") if full else "NOT MEASURED (saturated)"
                    lines.append(
                        f"{verdict}: {name}, {scenario} @{conns} paced {rate:,.0f} req/s: added p50 ="
                        f" {_fmt(added['p50_ms'], '+.2f')} ms (aim < {aim_added_p50_ms:g} ms)"
                    )
    return lines, records
