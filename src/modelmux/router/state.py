"""Router state: per deployment, calls in flight, average latency, cooldown and half-open probe, this minute's
usage (requests, tokens) and the failure counts of the circuit window.

A backend has four operations, each atomic, with sync and async twins (the async ones of :class:`MemoryState`
do no I/O and just call the sync ones):

* ``snapshot(deployments, now)``: a :class:`Stats` per deployment, to choose from;
* ``reserve(deployment, now, tokens, policy)``: take an in-flight slot if the deployment is still free to call
  (not cooling down, no other half-open probe, under its ``rpm``/``tpm`` this minute, counting ``tokens``);
* ``settle(deployment, token, now, outcome, policy, alpha)``: record how the attempt ended (the circuit rules of
  :mod:`.circuit` applied to the counts);
* ``release(deployment, token)``: free the slot of a stream that ended;
* ``release_later(deployment, token)``: the same for a stream dropped unfinished, called from the garbage collector
  (which may run while this thread holds the state's lock): no lock, no I/O; the slot is freed by the next
  ``snapshot`` (the only reader of in-flight counts).

:class:`MemoryState` has two more, for the router's direct pick (``modelmux.router.fast``): ``take`` (``reserve``
of a deployment without limits while no deployment is cooling down or half-open, which ``calm`` tells from two
counters) and ``succeed`` (``settle`` of a success, without an ``Outcome``).

``now`` is the router's clock (the retry pacer's, so tests can fake it); a shared backend (Redis) uses its server's
clock instead, since processes' monotonic clocks differ. Every duration a backend returns is relative (seconds
left), never a time on some clock.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .circuit import CircuitPolicy, Outcome
from .deployments import Deployment

__all__ = ["Admission", "MemoryState", "RouterState", "Stats"]


@dataclass(slots=True)  # not frozen: made per deployment per call, and frozen __init__ costs
class Stats:
    """What a strategy may read about a deployment."""

    in_flight: int = 0
    latency: float | None = None  # seconds (EWMA); None: no answer measured yet
    cooldown_left: float = 0.0  # seconds until its cooldown ends
    half_open: bool = False  # its next call is a probe
    probing: bool = False  # a probe is in flight: others skip it
    requests: int = 0  # this minute
    tokens: int = 0  # this minute
    minute_left: float = 60.0  # seconds until this minute's usage resets

    def blocked(self, deployment: Deployment, tokens: int) -> bool:
        """Cooling down, being probed, or at its ``rpm``/``tpm`` this minute."""
        if self.cooldown_left > 0 or (self.half_open and self.probing):
            return True
        if deployment.rpm is None and deployment.tpm is None:
            return False
        return over_limits(deployment, self.requests, self.tokens, tokens)

    def free_in(self) -> float:
        """Seconds until it is free again (the earliest a caller could try)."""
        if self.cooldown_left > 0:
            return self.cooldown_left
        return 1.0 if self.half_open and self.probing else self.minute_left  # a probe usually ends soon


def over_limits(deployment: Deployment, requests: int, used: int, tokens: int) -> bool:
    """At its ``rpm``, or ``tokens`` more would pass its ``tpm`` (a first request of the minute always fits)."""
    if deployment.rpm is not None and requests >= deployment.rpm:
        return True
    return deployment.tpm is not None and used > 0 and used + tokens > deployment.tpm


@dataclass(frozen=True, slots=True)
class Admission:
    ok: bool
    token: str = ""  # what ``settle``/``release`` take back
    reason: str = ""  # why not: "cooldown", "probe", "rpm", "tpm"


_ADMITTED = Admission(True)  # immutable: one for every admission of this backend (its token is unused)


class RouterState(Protocol):
    def snapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]: ...
    def reserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission: ...
    def settle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None: ...
    def release(self, deployment: Deployment, token: str) -> None: ...
    def release_later(self, deployment: Deployment, token: str) -> None: ...
    async def asnapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]: ...
    async def areserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission: ...
    async def asettle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None: ...
    async def arelease(self, deployment: Deployment, token: str) -> None: ...


class _Slot:
    __slots__ = (
        "busy",
        "cooldown_until",
        "fails",
        "half_open",
        "latency",
        "minute",
        "probe_token",
        "probe_until",
        "requests",
        "tokens",
        "total",
        "window_start",
    )

    def __init__(self) -> None:
        self.busy = 0
        self.latency: float | None = None
        self.cooldown_until = -math.inf
        self.half_open = False
        self.probe_until = -math.inf
        self.probe_token = ""  # the token of the probe in flight: only its own end frees the probe's lease
        self.minute = -1
        self.requests = 0
        self.tokens = 0
        self.window_start = -math.inf
        self.fails = 0
        self.total = 0

    def roll(self, now: float, policy: CircuitPolicy | None = None) -> None:
        minute = int(now // 60.0)
        if minute != self.minute:
            self.minute, self.requests, self.tokens = minute, 0, 0
        if policy is not None and now - self.window_start >= policy.window:
            self.window_start, self.fails, self.total = now, 0, 0


class MemoryState:
    """State in this process (the default): shared by the routers given the same instance, thread-safe."""

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        # What the direct pick (:meth:`take`) reads: while no slot is half-open and no cooldown ends after ``now``,
        # every deployment of this state is free but for its own ``rpm``/``tpm``.
        self._half_open = 0  # slots half-open (every cooldown makes its slot half-open)
        self._cool_until = -math.inf  # the latest end of any cooldown set (they only extend)
        self._abandoned: deque[tuple[str, str]] = deque()  # (id, token) to free (``release_later``), by ``snapshot``
        self._probes = 0  # probes admitted: each gets a token of its own

    def calm(self, now: float) -> bool:
        """No deployment of this state cooling down or half-open at ``now`` (read without the lock: a hint)."""
        return not self._half_open and now >= self._cool_until

    def take(self, deployment: Deployment, now: float) -> bool:
        """:meth:`reserve` of a deployment without ``rpm``/``tpm`` while the state is :meth:`calm` (checked again
        under the lock): its in-flight slot taken, its request counted. False: not calm, nothing taken."""
        with self._lock:
            if self._half_open or now < self._cool_until:
                return False
            slot = self._slots.get(deployment.id) or self._slot(deployment)
            minute = int(now // 60.0)
            if slot.minute != minute:
                slot.minute, slot.requests, slot.tokens = minute, 0, 0
            slot.busy += 1
            slot.requests += 1
        return True

    def succeed(
        self,
        deployment: Deployment,
        now: float,
        latency: float | None,
        tokens: int,
        release: bool,
        policy: CircuitPolicy,
        alpha: float,
    ) -> None:
        """:meth:`settle` of a success (``Outcome(ok=True, ...)``), without making the outcome."""
        with self._lock:
            slot = self._slots.get(deployment.id) or self._slot(deployment)
            minute = int(now // 60.0)  # ``roll``, inline
            if minute != slot.minute:
                slot.minute, slot.requests, slot.tokens = minute, 0, 0
            if now - slot.window_start >= policy.window:
                slot.window_start, slot.fails, slot.total = now, 0, 0
            if release and slot.busy > 0:
                slot.busy -= 1
            if latency is not None:
                old = slot.latency
                slot.latency = latency if old is None else old + alpha * (latency - old)
            if tokens:
                slot.tokens = max(0, slot.tokens + tokens)
            slot.total += 1
            if slot.half_open:  # the probe answered: close the circuit
                slot.half_open, slot.probe_until, slot.fails, slot.total = False, -math.inf, 0, 0
                slot.probe_token = ""
                self._half_open -= 1

    def _slot(self, deployment: Deployment) -> _Slot:
        slot = self._slots.get(deployment.id)
        if slot is None:
            slot = self._slots.setdefault(deployment.id, _Slot())
        return slot

    def snapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]:
        out: list[Stats] = []
        minute = int(now // 60.0)
        minute_left = 60.0 - now % 60.0
        slots = self._slots
        with self._lock:
            if self._abandoned:
                self._free_abandoned()
            for deployment in deployments:
                slot = slots.get(deployment.id) or self._slot(deployment)
                if slot.minute != minute:  # ``roll`` without the circuit window, inline (per deployment per call)
                    slot.minute, slot.requests, slot.tokens = minute, 0, 0
                left = slot.cooldown_until - now
                out.append(
                    Stats(  # positional: the order of Stats' fields
                        slot.busy,
                        slot.latency,
                        left if left > 0.0 else 0.0,
                        slot.half_open,
                        slot.probe_until > now,
                        slot.requests,
                        slot.tokens,
                        minute_left,
                    )
                )
        return out

    def reserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission:
        with self._lock:
            slot = self._slot(deployment)
            slot.roll(now)
            if slot.cooldown_until > now:
                return Admission(False, reason="cooldown")
            if slot.half_open and slot.probe_until > now:
                return Admission(False, reason="probe")
            if over_limits(deployment, slot.requests, slot.tokens, tokens):
                return Admission(False, reason="rpm" if deployment.rpm and slot.requests >= deployment.rpm else "tpm")
            slot.busy += 1
            slot.requests += 1
            slot.tokens += tokens
            if slot.half_open:  # this call is the probe
                self._probes += 1
                slot.probe_until = now + policy.probe_timeout
                slot.probe_token = f"probe-{self._probes}"
                return Admission(True, token=slot.probe_token)
        return _ADMITTED

    def settle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None:
        if outcome.ok:
            self.succeed(deployment, now, outcome.latency, outcome.tokens, outcome.release, policy, alpha)
            return
        with self._lock:
            slot = self._slot(deployment)
            slot.roll(now, policy)
            if outcome.release and slot.busy > 0:
                slot.busy -= 1
            if outcome.tokens:
                slot.tokens = max(0, slot.tokens + outcome.tokens)
            if not outcome.failure:
                if token and token == slot.probe_token:  # the probe's request was at fault: the next call probes
                    slot.probe_until, slot.probe_token = -math.inf, ""
                return
            slot.total += 1
            slot.fails += 1
            seconds = outcome.cooldown
            if slot.half_open or policy.trips(slot.fails, slot.total):
                seconds = max(seconds or 0.0, policy.cooldown_time)
            if seconds:
                # Only ever extends: an earlier, longer cooldown stays.
                slot.cooldown_until = max(slot.cooldown_until, now + seconds)
                self._cool_until = max(self._cool_until, slot.cooldown_until)
                if not slot.half_open:
                    self._half_open += 1
                slot.half_open, slot.probe_until, slot.probe_token = True, -math.inf, ""
                slot.window_start, slot.fails, slot.total = now, 0, 0

    def release(self, deployment: Deployment, token: str) -> None:
        with self._lock:
            self._release(self._slot(deployment), token)

    @staticmethod
    def _release(slot: _Slot, token: str) -> None:
        """Free an attempt's slot (the lock held); a probe ended without a verdict (cancelled) lets the next call
        probe instead of blocking the deployment for ``probe_timeout``."""
        if slot.busy > 0:
            slot.busy -= 1
        if token and token == slot.probe_token:
            slot.probe_until, slot.probe_token = -math.inf, ""

    def release_later(self, deployment: Deployment, token: str) -> None:
        self._abandoned.append((deployment.id, token))  # atomic: no lock (see the module docstring)

    def _free_abandoned(self) -> None:
        """Free the slots of ``release_later`` (the lock held)."""
        abandoned = self._abandoned
        while abandoned:
            ident, token = abandoned.popleft()
            slot = self._slots.get(ident)
            if slot is not None:
                self._release(slot, token)

    async def asnapshot(self, deployments: Sequence[Deployment], now: float) -> list[Stats]:
        return self.snapshot(deployments, now)

    async def areserve(self, deployment: Deployment, now: float, tokens: int, policy: CircuitPolicy) -> Admission:
        return self.reserve(deployment, now, tokens, policy)

    async def asettle(
        self, deployment: Deployment, token: str, now: float, outcome: Outcome, policy: CircuitPolicy, alpha: float
    ) -> None:
        self.settle(deployment, token, now, outcome, policy, alpha)

    async def arelease(self, deployment: Deployment, token: str) -> None:
        self.release(deployment, token)
