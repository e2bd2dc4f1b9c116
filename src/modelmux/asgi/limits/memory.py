"""In-process limit state: exact within one process, the default."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable

from .base import CONCURRENCY, REQUESTS_PER_MINUTE, Decision, check_limits

__all__ = ["MemoryLimiter"]

_ALLOWED_WITHOUT_STATE = Decision(allowed=True)


class _KeyState:
    __slots__ = ("leases", "starts")

    def __init__(self) -> None:
        self.starts: deque[float] = deque()  # start times of counted requests, oldest first
        self.leases: set[str] = set()  # tokens of requests in flight

    def idle(self, horizon: float) -> bool:
        return not self.leases and (not self.starts or self.starts[-1] <= horizon)


class MemoryLimiter:
    """Limits held in this process's memory.

    Safe from any number of tasks, event loops and threads: each acquire or release is one short critical section
    under a ``threading.Lock`` with no await inside. Memory stays bounded: a key is forgotten once it has nothing in
    flight and nothing inside the window.

    Args:
        window_seconds: length of the sliding window behind ``rpm`` (60; shorter in tests).
        concurrency_retry_after: the ``retry_after`` hint when refused for concurrency.
        clock: monotonic seconds; injectable for tests.
    """

    def __init__(
        self,
        *,
        window_seconds: float = 60.0,
        concurrency_retry_after: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be > 0")
        self._window = window_seconds
        self._concurrency_retry_after = concurrency_retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, _KeyState] = {}
        self._tokens = itertools.count(1)
        self._next_sweep = clock() + window_seconds

    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision:
        if rpm is None and max_concurrent is None:
            # Nothing to count: keeping no state keeps memory flat for unlimited keys.
            return _ALLOWED_WITHOUT_STATE
        check_limits(rpm, max_concurrent)
        with self._lock:
            now = self._clock()
            horizon = now - self._window
            if now >= self._next_sweep:
                self._sweep(horizon)
                self._next_sweep = now + self._window
            state = self._keys.get(key_id)
            if state is None:
                state = self._keys[key_id] = _KeyState()
            starts = state.starts
            # A request counts while its start is inside (now - window, now].
            while starts and starts[0] <= horizon:
                starts.popleft()
            if rpm is not None and len(starts) >= rpm:
                if state.idle(horizon):
                    del self._keys[key_id]
                # With a lowered limit more than one may have to leave first.
                leaving = starts[len(starts) - rpm] if rpm else now
                return Decision(False, reason=REQUESTS_PER_MINUTE, retry_after=leaving + self._window - now)
            if max_concurrent is not None and len(state.leases) >= max_concurrent:
                if state.idle(horizon):
                    del self._keys[key_id]
                return Decision(False, reason=CONCURRENCY, retry_after=self._concurrency_retry_after)
            token = str(next(self._tokens))
            if rpm is not None:
                starts.append(now)
            if max_concurrent is not None:
                state.leases.add(token)
            return Decision(True, token=token)

    async def release(self, key_id: str, token: str) -> None:
        if not token:
            return
        with self._lock:
            state = self._keys.get(key_id)
            if state is None:
                return
            state.leases.discard(token)
            if state.idle(self._clock() - self._window):
                del self._keys[key_id]

    async def aclose(self) -> None:
        with self._lock:
            self._keys.clear()

    def _sweep(self, horizon: float) -> None:
        idle = [key_id for key_id, state in self._keys.items() if state.idle(horizon)]
        for key_id in idle:
            del self._keys[key_id]
