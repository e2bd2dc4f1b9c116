"""The gateway's metrics and their Prometheus text exposition (format 0.0.4), written here: it is small, and it
keeps a dependency (and ``prometheus_client``'s lock per increment) off the request path.

Everything is counted in plain dicts keyed by label tuples, from the gateway's one event loop, so there is no lock
and an increment is a dict update. Counts are per process: with several workers, scrape each (or run one).
https://prometheus.io/docs/instrumenting/exposition_formats/
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

__all__ = ["Counter", "GatewayMetrics", "Histogram"]

#: Seconds: request latency and time to first token (Prometheus' default buckets, stretched to LLM timescales).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Labels, values: Labels, extra: str = "") -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if abs(value) < 1e15 and value == int(value):  # abs() first: int() of NaN or inf raises
        return str(int(value))
    return repr(value)


class Counter:
    """A monotonic count per label values."""

    __slots__ = ("help", "labels", "name", "values")

    def __init__(self, name: str, help: str, labels: Labels) -> None:
        self.name, self.help, self.labels = name, help, labels
        self.values: dict[Labels, float] = {}

    def inc(self, labels: Labels, amount: float = 1) -> None:
        if not 0 <= amount < float("inf"):  # a broken upstream usage (negative, NaN, inf) must not poison it
            return
        values = self.values
        values[labels] = values.get(labels, 0) + amount

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(self.labels, labels)} {_number(value)}"


class Histogram:
    """Bucketed observations per label values (counts kept per bucket, cumulated when rendered)."""

    __slots__ = ("bounds", "help", "labels", "name", "series")

    def __init__(self, name: str, help: str, labels: Labels, bounds: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.name, self.help, self.labels, self.bounds = name, help, labels, bounds
        self.series: dict[Labels, list[float]] = {}  # bucket counts..., +Inf count, sum

    def observe(self, labels: Labels, value: float) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (len(self.bounds) + 2)
        series[bisect_left(self.bounds, value)] += 1
        series[-1] += value

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, series in sorted(self.series.items()):
            running = 0.0
            for bound, count in zip((*map(_number, self.bounds), "+Inf"), series[:-1], strict=True):
                running += count
                le = f'le="{bound}"'
                yield f"{self.name}_bucket{_labels(self.labels, labels, le)} {_number(running)}"
            yield f"{self.name}_sum{_labels(self.labels, labels)} {_number(series[-1])}"
            yield f"{self.name}_count{_labels(self.labels, labels)} {_number(running)}"


class GatewayMetrics:
    """Every figure ``GET /metrics`` shows."""

    def __init__(self) -> None:
        p = "modelmux_gateway_"
        self.requests = Counter(p + "requests_total", "HTTP requests answered.", ("route", "model", "status"))
        self.latency = Histogram(
            p + "request_duration_seconds", "Time from request to the end of the answer.", ("route", "model")
        )
        self.first_token = Histogram(
            p + "time_to_first_token_seconds", "Time from the upstream call to its first stream chunk.", ("model",)
        )
        self.tokens = Counter(p + "tokens_total", "Tokens reported by upstreams.", ("model", "type"))
        self.cost = Counter(p + "cost_usd_total", "Estimated upstream cost in US dollars (known prices).", ("model",))
        self.errors = Counter(p + "errors_total", "Error answers and upstream failures.", ("source", "type"))
        self.limit_rejections = Counter(p + "limit_rejections_total", "Requests refused by a limit.", ("reason",))
        self.attempts = Counter(
            p + "upstream_attempts_total", "Upstream attempts (retries and fallbacks included).", ("model", "outcome")
        )
        self.all = (
            self.requests,
            self.latency,
            self.first_token,
            self.tokens,
            self.cost,
            self.errors,
            self.limit_rejections,
            self.attempts,
        )

    def render(self) -> bytes:
        lines: list[str] = []
        for metric in self.all:
            lines.extend(metric.render())
        return ("\n".join(lines) + "\n").encode()
