"""A lock held by another thread, for the tests that check the async auth paths never wait on it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["held_elsewhere"]


@contextlib.contextmanager
def held_elsewhere(lock: Any, seconds: float = 3.0) -> Iterator[float]:
    """``lock`` held by another thread for ``seconds``; yields the time it was taken."""
    taken = threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    try:
        yield time.monotonic()
    finally:
        thread.join()
