"""bench_gateway_wrk.py's paced mode: the Lua it writes, its arguments, the added-latency arithmetic and verdicts.

No timing here: wrk is replaced by a script that prints a fixed summary line.
"""

from __future__ import annotations

import importlib
import math
import os
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _import_benchmarks(*names: str) -> list[ModuleType]:
    """The benchmark scripts as modules, leaving ``sys.path`` and ``fake_upstream`` as they were.

    The scripts import their own ``fake_upstream`` (and put benchmarks/ on ``sys.path``); tests/faults has another
    module of that name, imported as a top-level module too: neither may shadow the other.
    """
    saved_path, saved_fake = list(sys.path), sys.modules.pop("fake_upstream", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        return [importlib.import_module(name) for name in names]
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("fake_upstream", None)
        if saved_fake is not None:
            sys.modules["fake_upstream"] = saved_fake


wrk_bench, paced, bench_gateway = _import_benchmarks("bench_gateway_wrk", "bench_wrk_paced", "bench_gateway")
Target = bench_gateway.Target
NAN = float("nan")


def _run(p50: float, p99: float, requests: int = 300, seconds: float = 1.0, p90: float | None = None) -> wrk_bench.Run:
    return wrk_bench.Run(
        requests=requests,
        seconds=seconds,
        errors=0,
        p50_ms=p50,
        p90_ms=p50 if p90 is None else p90,
        p99_ms=p99,
        cpu_us_per_req=100.0,
    )


def _cell(contender: str, *runs: wrk_bench.Run, scenario: str = "chat", conns: int = 16) -> wrk_bench.Cell:
    return wrk_bench.Cell(contender, scenario, conns, list(runs))


# --------------------------------------------------------------------------- the Lua


def test_pacing_lua_spaces_slots_by_one_over_rate_with_the_jitter() -> None:
    lua = paced.pacing_lua(400)
    assert "function delay()" in lua
    assert "local interval_ms = 2.5\n" in lua
    assert f"local jitter = {paced.PACE_JITTER!r}\n" in lua
    assert 'require("ffi")' in lua and "clock_gettime(CLOCK_MONOTONIC, ts)" in lua
    # missed slots are dropped (the schedule restarts at now), never sent as a burst
    assert "if next_ms == nil or next_ms < now then next_ms = now end" in lua
    assert "{" not in lua.replace("{ long tv_sec; long tv_nsec; }", "")  # no unformatted placeholder left


def test_pacing_lua_interval_follows_the_rate_and_jitter_is_configurable() -> None:
    lua = paced.pacing_lua(3, jitter=0.0)
    assert f"local interval_ms = {1000.0 / 3!r}\n" in lua
    assert "local jitter = 0.0\n" in lua


@pytest.mark.parametrize("rate", [0, -5, NAN])
def test_pacing_lua_refuses_a_rate_that_is_not_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="rate above 0"):
        paced.pacing_lua(rate)


@pytest.mark.parametrize("jitter", [-0.1, 1.0, NAN])
def test_pacing_lua_refuses_a_jitter_outside_zero_to_one(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        paced.pacing_lua(100, jitter=jitter)


def test_wrk_script_has_delay_only_when_paced_and_reports_p90() -> None:
    closed = wrk_bench.wrk_lua('{"a": "b"}', "Bearer k")
    paced_text = wrk_bench.wrk_lua('{"a": "b"}', "Bearer k", paced=250)
    assert "delay" not in closed
    assert paced_text.startswith(closed) and "local interval_ms = 4.0\n" in paced_text
    assert 'wrk.body = "{\\"a\\": \\"b\\"}"' in closed
    assert "latency:percentile(90)" in closed and '\\"p90_us\\":%d' in closed


def test_written_script_file_holds_the_paced_lua(tmp_path: Path) -> None:
    target = Target(name="direct", url="http://127.0.0.1:1/v1/chat/completions", model="m", headers={})
    closed = Path(wrk_bench.write_script(str(tmp_path), target, wrk_bench.CHAT)).read_text()
    paced_path = wrk_bench.write_script(str(tmp_path), target, wrk_bench.CHAT, 400)
    assert "function delay()" not in closed
    assert "function delay()" in Path(paced_path).read_text()


# --------------------------------------------------------------------------- running wrk (a stand-in)


def _fake_wrk(tmp_path: Path, line: str) -> tuple[str, Path]:
    args = tmp_path / "args"
    script = tmp_path / "wrk"
    script.write_text(f"#!/bin/sh\necho \"$@\" > {args}\necho 'Running 1s test'\necho '{line}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), args


def test_run_wrk_reads_p90_and_runs_one_thread_so_one_schedule_paces_all_connections(tmp_path: Path) -> None:
    line = (
        'WRKJSON {"requests":900,"duration_us":3000000,"connect":0,"read":0,"write":1,"status":0,"timeout":0,'
        '"p50_us":250,"p90_us":400,"p99_us":1200,"mean_us":300.5}'
    )
    wrk, args = _fake_wrk(tmp_path, line)
    target = Target(name="direct", url="http://127.0.0.1:1/x", model="m", headers={}, pids=(os.getpid(),))
    run = wrk_bench.run_wrk(wrk, target, "script.lua", 16, 3)
    assert (run.requests, run.seconds, run.errors) == (900, 3.0, 1)
    assert (run.p50_ms, run.p90_ms, run.p99_ms) == (0.25, 0.4, 1.2)
    assert args.read_text().split()[:3] == ["-t1", "-c16", "-d3s"]


# --------------------------------------------------------------------------- arguments


def test_paced_defaults_to_the_aims_16_connections() -> None:
    args = wrk_bench.parse_args(["--paced", "400"])
    assert (args.paced, args.connections, args.seconds, args.repeats) == (400.0, "16", 5.0, 2)
    assert wrk_bench.parse_args([]).connections == "1,16,64"
    assert wrk_bench.parse_args([]).paced is None
    assert wrk_bench.parse_args(["--paced", "300", "--connections", "1,16"]).connections == "1,16"


def test_quick_sets_short_runs_but_an_explicit_duration_wins() -> None:
    quick = wrk_bench.parse_args(["--quick"])
    assert (quick.seconds, quick.repeats) == (2.0, 1)
    given = wrk_bench.parse_args(["--quick", "--seconds", "3", "--repeats", "2"])
    assert (given.seconds, given.repeats) == (3.0, 2)


@pytest.mark.parametrize("rate", ["0", "-1"])
def test_paced_refuses_a_rate_that_is_not_positive(rate: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        wrk_bench.parse_args(["--paced", rate])
    assert "rate above 0" in capsys.readouterr().err


# --------------------------------------------------------------------------- arithmetic and verdicts


def test_added_latency_is_the_difference_of_the_medians_over_repeats() -> None:
    gateway = _cell("gw", _run(1.0, 3.0, p90=2.0), _run(1.4, 9.0, p90=2.2), _run(1.2, 4.0, p90=2.1))
    direct = _cell("direct", _run(0.3, 1.0, p90=0.5), _run(0.2, 0.8, p90=0.4), _run(0.4, 2.0, p90=0.6))
    added = paced.added_latency(gateway, direct)
    assert added["p50_ms"] == pytest.approx(1.2 - 0.3)
    assert added["p90_ms"] == pytest.approx(2.1 - 0.5)
    assert added["p99_ms"] == pytest.approx(4.0 - 1.0)


def test_added_latency_is_nan_when_a_side_finished_nothing() -> None:
    added = paced.added_latency(_cell("gw", _run(NAN, NAN, requests=0)), _cell("direct", _run(0.3, 1.0)))
    assert math.isnan(added["p50_ms"])


@pytest.mark.parametrize(
    ("achieved", "short"),
    [(100.0, False), (95.5, False), (94.0, True), (104.0, False), (0.0, True), (NAN, True)],
)
def test_saturated_when_more_than_five_percent_short(achieved: float, short: bool) -> None:
    assert paced.saturated(achieved, 100.0) is short


def test_report_gives_the_aim_verdict_at_16_connections_only_when_both_kept_the_rate() -> None:
    cells = [
        _cell("direct", _run(0.20, 0.60)),
        _cell("gw", _run(0.70, 1.60)),  # +0.5 ms at the full rate: met
        _cell("direct", _run(0.20, 0.60), scenario="chat stream"),
        _cell("gw", _run(9.0, 40.0, requests=240), scenario="chat stream"),  # 20% short of 300
        _cell("direct", _run(0.20, 0.60), conns=1),
        _cell("gw", _run(1.50, 2.60), conns=1),  # not the aim's connection count: no verdict
    ]
    lines, records = paced.added_report(cells, ["gw"], "direct", 300.0, 16, 1.0)
    verdicts = [line for line in lines if not line.startswith("added over direct")]
    assert verdicts == [
        "met: gw, chat @16 paced 300 req/s: added p50 = +0.50 ms (aim < 1 ms)",
        "NOT MEASURED (saturated): gw, chat stream @16 paced 300 req/s: added p50 = +8.80 ms (aim < 1 ms)",
    ]
    assert any("chat @1:" in line and "p50 +1.30 ms, p99 +2.00 ms" in line for line in lines)
    by = {(r["scenario"], r["connections"]): r for r in records}
    assert by[("chat", 16)]["added_p50_ms"] == pytest.approx(0.5)
    assert by[("chat", 16)]["at_paced_rate"] is True
    assert by[("chat stream", 16)]["at_paced_rate"] is False


def test_report_says_missed_and_compares_unaimed_contenders_without_a_verdict() -> None:
    cells = [_cell("direct", _run(0.2, 0.6)), _cell("gw", _run(1.5, 3.0)), _cell("lite", _run(30.0, 90.0))]
    lines, records = paced.added_report(cells, ["gw", "lite"], "direct", 300.0, 16, 1.0, frozenset({"gw"}))
    assert "MISSED: gw, chat @16 paced 300 req/s: added p50 = +1.30 ms (aim < 1 ms)" in lines
    assert not any(line.startswith(("met", "MISSED", "NOT")) and "lite" in line for line in lines)
    assert [r["contender"] for r in records] == ["gw", "lite"]


def test_warnings_and_table_flag_only_the_cells_short_of_the_rate() -> None:
    cells = [_cell("direct", _run(0.2, 0.6)), _cell("gw", _run(9.0, 40.0, requests=240))]
    warnings = paced.shortfall_warnings(cells, 300.0)
    assert len(warnings) == 1 and warnings[0].startswith("WARNING: gw, chat @16: achieved 240 req/s, 20% short")
    table = paced.paced_markdown(cells, 300.0).splitlines()
    assert table[2] == "| chat | 16 | direct | 1 | 300 | 300 | 0.20 | 0.20 | 0.60 | 100 | 0 |"
    assert table[3] == "| chat | 16 | gw | 1 | 300 | 240 ⚠ | 9.00 | 9.00 | 40.00 | 100 | 0 |"
