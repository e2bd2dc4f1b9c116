"""The Prometheus text exposition written by ``asgi.metrics``: escaping, histogram shape, number format."""

from __future__ import annotations

from modelmux.asgi.metrics import Counter, GatewayMetrics, Histogram


def test_label_values_are_escaped() -> None:
    counter = Counter("x_total", "X.", ("model",))
    counter.inc(('we"ird\\name\nnext',), 2)
    assert list(counter.render())[-1] == 'x_total{model="we\\"ird\\\\name\\nnext"} 2'


def test_histogram_lines() -> None:
    hist = Histogram("lat_seconds", "Latency.", ("route",), bounds=(0.1, 1.0))
    for value in (0.05, 0.1, 0.5, 3.0):
        hist.observe(("/a",), value)
    assert list(hist.render()) == [
        "# HELP lat_seconds Latency.",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{route="/a",le="0.1"} 2',  # le is inclusive
        'lat_seconds_bucket{route="/a",le="1"} 3',
        'lat_seconds_bucket{route="/a",le="+Inf"} 4',
        'lat_seconds_sum{route="/a"} 3.65',
        'lat_seconds_count{route="/a"} 4',
    ]


def test_every_metric_has_help_and_type_even_when_empty() -> None:
    text = GatewayMetrics().render().decode()
    names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert names == [
        "modelmux_gateway_requests_total",
        "modelmux_gateway_request_duration_seconds",
        "modelmux_gateway_time_to_first_token_seconds",
        "modelmux_gateway_tokens_total",
        "modelmux_gateway_cost_usd_total",
        "modelmux_gateway_errors_total",
        "modelmux_gateway_limit_rejections_total",
        "modelmux_gateway_upstream_attempts_total",
    ]
    assert text.endswith("\n")


def test_fractional_counter_values_keep_their_precision() -> None:
    counter = Counter("c_total", "C.", ())
    counter.inc((), 0.0075)
    counter.inc((), 0.0025)
    assert list(counter.render())[-1] == "c_total 0.01"


def test_error_type_labels_are_bounded() -> None:
    from modelmux.asgi.config_metrics import MetricsSettings
    from modelmux.asgi.metrics_asgi import _MAX_ERROR_TYPES, Instrumented

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not called")

    inst = Instrumented(
        app, GatewayMetrics(), MetricsSettings(enabled=True), None,  # type: ignore[arg-type]
        route_path=str, routes=frozenset(), prefixes=(),
    )  # fmt: skip
    assert inst._bounded("rate_limit_exceeded") == "rate_limit_exceeded"
    assert inst._bounded("has spaces and {braces}") == "other"
    assert inst._bounded("x" * 65) == "other"
    for i in range(2 * _MAX_ERROR_TYPES):
        inst._bounded(f"code_{i}")
    assert inst._bounded("one_more") == "other" and inst._bounded("rate_limit_exceeded") == "rate_limit_exceeded"
