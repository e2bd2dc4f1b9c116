"""Operations the gateway answers in-process (the offline ``mock`` provider) run in a worker thread.

An upstream call spends its time waiting on the network, on the event loop; a local answer is all CPU (a mock
embedding of 262,144 values is about 0.1 s), which would hold up every other request on the loop meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..._registry import get_provider
from ..config import ModelRoute

__all__ = ["answer", "is_local"]

T = TypeVar("T")


def is_local(route: ModelRoute) -> bool:
    return bool(getattr(get_provider(route.provider), "local", False))


async def answer(
    route: ModelRoute, sync: Callable[..., T], async_: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> T:
    """``sync(*args, **kwargs)`` in a thread for a local provider, else ``await async_(*args, **kwargs)``."""
    if is_local(route):
        return await asyncio.to_thread(sync, *args, **kwargs)
    return await async_(*args, **kwargs)
