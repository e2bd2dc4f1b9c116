"""What a server may offer the app per request, so the app need not guard itself with a timer per read and write
and a task watching for the client's disconnect.

``modelmux serve``'s protocol (``connections.py``) puts an object with this interface in
``scope["extensions"]["modelmux.server"]``; under any other server the key is absent and the app bounds body reads
and writes with timers and watches ``receive()`` from a task, as the ASGI spec allows it to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["HOOKS", "ServerHooks"]

#: The ``scope["extensions"]`` key.
HOOKS = "modelmux.server"


class ServerHooks(Protocol):
    def body_received(self) -> bool:
        """The whole request body is in: ``receive()`` answers at once, no deadline is needed to read it."""

    def bound_writes(self, seconds: float) -> None:
        """Abort the connection once the answer's writes have stayed blocked (the client not reading) ``seconds``."""

    def on_client_gone(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` once if the connection is lost (at once if it already is); ``None`` stops watching."""
