"""Handlers → the hooks to call, and the process-wide set (:func:`register`, snapshotted at each call's start).

A handler is either an object with any of the hook methods (``on_start``, ``on_success``, ``on_failure``,
``on_stream_end``; subclass :class:`Callback` or not), or a plain function taking the :class:`CallEvent`, called
once when the call ends (success, failure or stream end). Any hook may be ``async def``.
"""

from __future__ import annotations

import dis
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import BadRequestError
from ._event import CallEvent

__all__ = ["Callback", "Hook", "Plan", "combine", "current_plan", "plan_of", "register", "registered", "unregister"]

HOOKS = ("on_start", "on_success", "on_failure", "on_stream_end")


class Callback:
    """Base class for a handler: override the hooks you need; each may be a plain or an ``async def`` method.

    ``on_start`` runs before the request is built; ``on_success`` when a non-streamed call returned;
    ``on_stream_end`` when a stream ended (``event.completed`` False if the caller closed it early);
    ``on_failure`` when the call (or its stream) raised (``event.error``).
    """

    #: Whether ``on_stream_end`` needs ``event.response`` rebuilt from every chunk (the chunks are kept until the
    #: end). Set False when only timing, usage, finish reasons and cost are read: nothing is kept per chunk then.
    #: Left unset, it is inferred from the hooks' code (see :func:`may_read_response`): chunks are kept unless
    #: every hook only reads attributes of the event other than ``response`` and never passes the event on.
    rebuild_stream: ClassVar[bool] = True
    #: Whether a hook may read ``event.response`` (or the chunks). Say False when only usage, cost, finish reasons,
    #: timings, attempts and errors are read: a relay that forwards an upstream's bytes untouched (the gateway's
    #: same-dialect pass-through) may then tell this handler about the call instead of parsing the answer for it.
    reads_response: ClassVar[bool] = True

    def on_start(self, event: CallEvent) -> Any:
        """The call is starting."""

    def on_success(self, event: CallEvent) -> Any:
        """A non-streamed call returned ``event.response``."""

    def on_failure(self, event: CallEvent) -> Any:
        """The call or its stream failed with ``event.error``."""

    def on_stream_end(self, event: CallEvent) -> Any:
        """A stream ended; ``event.response`` is the whole response rebuilt from its chunks."""


Hook = tuple[Callable[[CallEvent], Any], str]  # the bound method, and "Handler.on_x" for logs


@dataclass(frozen=True, slots=True)
class Plan:
    """The hooks of one call, by moment; and what a stream must note per chunk for them."""

    handlers: tuple[Any, ...]
    start: tuple[Hook, ...]
    success: tuple[Hook, ...]
    failure: tuple[Hook, ...]
    stream_end: tuple[Hook, ...]
    #: Keep a stream's chunks (``event.response`` is rebuilt from them if read).
    rebuild_stream: bool
    #: Note each chunk's usage and finish reasons as it passes (when they are not kept): some hook may read
    #: ``usage``, ``finish_reasons``, ``cost``, ``response_id`` or ``response_model``. False: nothing per chunk.
    note_chunks: bool = True


def _name(handler: Any) -> str:
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__


def _hooks(handler: Any) -> dict[str, Hook]:
    cls = type(handler)
    found: dict[str, Hook] = {}
    for hook in HOOKS:
        method = getattr(handler, hook, None)
        if method is None or getattr(cls, hook, None) is getattr(Callback, hook):
            continue  # absent, or Callback's no-op
        found[hook] = (method, f"{_name(handler)}.{hook}")
    if found:
        return found
    if callable(handler) and not isinstance(handler, type):
        end: Hook = (handler, _name(handler))
        return {"on_success": end, "on_failure": end, "on_stream_end": end}
    raise BadRequestError(
        f"a callback must be an object with on_start/on_success/on_failure/on_stream_end methods or a function "
        f"taking the event; got {type(handler).__name__} (modelmux has no named integrations such as 'langfuse')",
        param="callbacks",
    )


def _rebuilds(handler: Any, hooks: dict[str, Hook]) -> bool:
    """Whether ``handler`` may read a stream's rebuilt response: its own ``rebuild_stream`` when it (or a class of
    its own) sets one, else what its hooks' code says."""
    own = "rebuild_stream" in getattr(handler, "__dict__", ()) or any(
        "rebuild_stream" in vars(cls) for cls in type(handler).__mro__ if cls is not Callback
    )
    if own:
        return bool(getattr(handler, "rebuild_stream", True))
    return any(may_read_response(fn) for fn, _ in hooks.values())


def may_read_response(hook: Callable[..., Any]) -> bool:
    """False only when ``hook``'s code certainly never reads ``event.response``: each use of its event parameter
    is an attribute read (``event.usage``, ``event.cost()``…) of another name. Anything else (the event passed to a
    function, stored, captured by a nested function, ``getattr(event, ...)``, code that cannot be read) is a maybe.
    A plain function handler counts as a maybe too (LiteLLM-style functions read the response)."""
    return may_read(hook, _RESPONSE)


def may_read(hook: Callable[..., Any], attributes: frozenset[str]) -> bool:
    """:func:`may_read_response` for any of ``attributes`` of the event."""
    code = getattr(getattr(hook, "__func__", None), "__code__", None)
    if code is None or code.co_argcount != 2:  # a bound method (self, event) of a class
        return True
    event = code.co_varnames[1]
    if event in code.co_cellvars:
        return True
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        arg = ins.argval
        if arg != event and not (isinstance(arg, tuple) and event in arg):
            continue
        if ins.opname not in _LOADS or i + 1 == len(instructions):
            return True
        after = instructions[i + 1]
        if after.opname not in _ATTRIBUTE_READS or not isinstance(after.argval, str) or after.argval in attributes:
            return True
    return False


_LOADS = frozenset({"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"})  # 3.12+ and 3.14 spellings
_ATTRIBUTE_READS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
#: Attribute names that reach the rebuilt response (or everything).
_RESPONSE = frozenset({"response", "_response", "_chunks", "__dict__", "__getattribute__", "__class__"})
#: Attribute names that reach what a stream's chunks tell (noted per chunk when the chunks are not kept).
_CHUNK_FACTS = _RESPONSE | frozenset(
    {
        "usage",
        "_usage",
        "finish_reasons",
        "_finish",
        "cost",
        "_cost",
        "response_id",
        "_response_id",
        "response_model",
        "_response_model",
        "_seen",
        "_read_seen",
        "__getattr__",
    }
)


def plan_of(handlers: Iterable[Any]) -> Plan:
    listed = tuple(handlers)
    by: dict[str, list[Hook]] = {hook: [] for hook in HOOKS}
    rebuild = notes = False
    for handler in listed:
        hooks = _hooks(handler)
        for name, hook in hooks.items():
            by[name].append(hook)
        if "on_stream_end" in hooks and _rebuilds(handler, hooks):
            rebuild = True
        # Any hook (one may keep the event for another to read later), conservatively, as for the response.
        if any(may_read(fn, _CHUNK_FACTS) for fn, _ in hooks.values()):
            notes = True
    return Plan(
        listed,
        tuple(by["on_start"]),
        tuple(by["on_success"]),
        tuple(by["on_failure"]),
        tuple(by["on_stream_end"]),
        rebuild,
        notes,
    )


#: Plans already made, by the identities of the process-wide plan and the per-call handlers: a program (or the
#: gateway, per model route) passes the same handlers call after call, so planning is done once. The objects are kept
#: with the plan (so their ids cannot be reused while cached); bounded.
_combined: dict[tuple[int, ...], tuple[Plan | None, tuple[Any, ...], Plan]] = {}
_MAX_COMBINED = 256


def combine(base: Plan | None, given: Any) -> Plan:
    """The process-wide plan plus the handlers given to one call (``callbacks=[...]``)."""
    if type(given) is not tuple and type(given) is not list:
        return _combine(base, given)  # checked and refused there (a string, a number…), or an unusual iterable
    key = (id(base), *map(id, given))
    hit = _combined.get(key)
    if hit is not None:  # the cached objects are alive (held here), so equal ids are the same objects
        return hit[2]
    handlers = tuple(given)
    plan = _combine(base, handlers)
    if len(_combined) >= _MAX_COMBINED:
        _combined.clear()
    _combined[key] = (base, handlers, plan)
    return plan


def _combine(base: Plan | None, given: Any) -> Plan:
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise BadRequestError(f"callbacks must be a list of handlers, not {type(given).__name__}", param="callbacks")
    extra = tuple(given)
    if base is None:
        return plan_of(extra)
    return plan_of(base.handlers + tuple(h for h in extra if h not in base.handlers))


_lock = threading.Lock()
_plan: Plan | None = None  # None: nothing registered (the hot path reads only this)


def current_plan() -> Plan | None:
    """The process-wide handlers' plan, as a call starting now snapshots it."""
    return _plan


def register(handler: Any) -> None:
    """Call ``handler`` for every call in this process from now on (calls already running are not affected).
    Registering the same handler twice is a no-op."""
    global _plan
    with _lock:
        current = _plan.handlers if _plan is not None else ()
        if handler not in current:
            _plan = plan_of((*current, handler))


def unregister(handler: Any) -> bool:
    """Stop calling ``handler`` for calls that start from now on; False if it was not registered."""
    global _plan
    with _lock:
        current = _plan.handlers if _plan is not None else ()
        if handler not in current:
            return False
        rest = tuple(h for h in current if h is not handler and h != handler)
        _plan = plan_of(rest) if rest else None
        return True


def registered() -> tuple[Any, ...]:
    """The handlers registered process-wide, in order."""
    plan = _plan
    return plan.handlers if plan is not None else ()
