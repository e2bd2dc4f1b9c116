"""Built-in instrumentation: OpenTelemetry spans and metrics for every modelmux call (GenAI conventions).

Nothing here is imported by ``import modelmux``; OpenTelemetry itself is imported only when enabled::

    import modelmux.observability
    modelmux.observability.enable_otel()          # uses the global tracer/meter providers the app configured

Enabling is explicit (not automatic when a tracer provider is set) because detecting a provider would mean
importing OpenTelemetry in every process and checking it on every call, and because an application may already
instrument the same calls another way (a second span per call is worse than none).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .otel import OpenTelemetry

__all__ = ["disable_otel", "enable_otel"]

_lock = threading.Lock()
_enabled: OpenTelemetry | None = None


def enable_otel(
    *, tracer_provider: Any = None, meter_provider: Any = None, capture_content: bool | None = None
) -> OpenTelemetry:
    """Record every call from now on (process-wide, through ``modelmux.callbacks.register``); returns the handler.

    Args:
        tracer_provider, meter_provider: default: OpenTelemetry's global ones.
        capture_content: record ``gen_ai.input.messages`` / ``gen_ai.output.messages`` (prompts and answers; off
            by default). None: as the ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` variable says.

    Calling it again replaces the previous handler. Raises ImportError without ``opentelemetry-api``.
    """
    global _enabled
    from ..callbacks import register, unregister
    from .otel import OpenTelemetry

    handler = OpenTelemetry(
        tracer_provider=tracer_provider, meter_provider=meter_provider, capture_content=capture_content
    )
    with _lock:
        if _enabled is not None:
            unregister(_enabled)
        register(handler)
        _enabled = handler
    return handler


def disable_otel() -> bool:
    """Stop recording calls that start from now on; False if it was not enabled."""
    global _enabled
    from ..callbacks import unregister

    with _lock:
        handler, _enabled = _enabled, None
    return handler is not None and unregister(handler)
