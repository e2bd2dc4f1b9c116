"""Built-in instrumentation (OpenTelemetry), as callbacks."""
