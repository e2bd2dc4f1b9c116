"""``modelmux serve``'s protocol sends a whole answer (head and body) in one write, yet never holds a head back for
longer than one turn of the event loop (a stream whose first event is late still gets its head at once)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from modelmux.asgi.connections import _HeadHeld

pytestmark = pytest.mark.anyio


class _Recording:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


async def test_head_and_body_of_one_turn_go_out_in_one_write() -> None:
    transport = _Recording()
    held = _HeadHeld(transport, asyncio.get_running_loop())
    held.write(b"HEAD")
    held.write(b"BODY")
    assert transport.writes == [b"HEADBODY"]
    await asyncio.sleep(0)  # the flush finds nothing left
    held.write(b"MORE")
    assert transport.writes == [b"HEADBODY", b"MORE"]


async def test_a_head_alone_goes_out_on_the_next_turn() -> None:
    transport = _Recording()
    held = _HeadHeld(transport, asyncio.get_running_loop())
    held.write(b"HEAD")
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"HEAD"]
    held.write(b"EVENT")
    assert transport.writes == [b"HEAD", b"EVENT"]


async def test_a_large_body_is_not_copied_onto_the_head() -> None:
    transport = _Recording()
    held = _HeadHeld(transport, asyncio.get_running_loop())
    body = b"x" * (_HeadHeld.JOIN_LIMIT + 1)
    held.write(b"HEAD")
    held.write(body)
    assert transport.writes == [b"HEAD", body]


async def test_close_writes_a_held_head_first_and_a_closed_transport_gets_nothing() -> None:
    transport = _Recording()
    held = _HeadHeld(transport, asyncio.get_running_loop())
    held.write(b"HEAD")
    held.close()
    assert transport.writes == [b"HEAD"] and transport.closed
    other = _Recording()
    held = _HeadHeld(other, asyncio.get_running_loop())
    held.write(b"HEAD")
    other.closed = True  # the connection went away before the flush
    await asyncio.sleep(0)
    assert other.writes == []
    assert held.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest is the transport's own


class _Cycle:
    more_body = True
    disconnected = False


class _Protocol:
    _on_lost = None
    _send_timeout = None

    def __init__(self) -> None:
        self.transport = _Recording()


def test_request_hooks_leave_no_reference_cycle_and_see_their_request() -> None:
    import gc
    import weakref

    from modelmux.asgi.connections import RequestHooks
    from modelmux.asgi.server_hooks import HOOKS

    gc.disable()  # what is freed must be freed by reference counting alone: no garbage for the collector per request
    try:
        protocol, cycle = _Protocol(), _Cycle()
        hooks = RequestHooks(protocol, cycle)  # type: ignore[arg-type]
        cycle.scope = {"extensions": {HOOKS: hooks}}  # type: ignore[attr-defined]  # as uvicorn's cycle holds it
        assert not hooks.body_received()
        cycle.more_body = False
        assert hooks.body_received()
        hooks.bound_writes(2.0)
        assert protocol._send_timeout == 2.0
        gone: list[bool] = []
        hooks.on_client_gone(lambda: gone.append(True))
        assert protocol._on_lost is not None and not gone
        probe = weakref.ref(cycle)
        del cycle, hooks
        assert probe() is None
    finally:
        gc.enable()
