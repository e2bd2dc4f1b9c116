"""Callbacks: your code told about every call — success, failure, a stream's end — with timing, cost and attempts.

Per call::

    class Log(modelmux.callbacks.Callback):
        def on_success(self, event):
            print(event.model, event.duration, event.cost, event.usage)

    modelmux.completion(model=..., messages=..., callbacks=[Log()])

Process-wide (LiteLLM's ``litellm.callbacks = [...]``, made explicit)::

    modelmux.callbacks.register(Log())      # calls that start from now on; unregister(handler) to stop

A handler is an object with any of ``on_start`` / ``on_success`` / ``on_failure`` / ``on_stream_end`` (plain or
``async def``), or a function of the event called once at the end. A handler's exception is logged and never
reaches the call; credentials never reach a handler (``event.kwargs`` has them redacted).
"""

from ._event import REDACTED, Attempt, CallEvent
from ._handlers import Callback, register, registered, unregister
from ._run import flush

__all__ = ["REDACTED", "Attempt", "CallEvent", "Callback", "flush", "register", "registered", "unregister"]
