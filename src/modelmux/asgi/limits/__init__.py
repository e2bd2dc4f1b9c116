"""Per-key limit state for the gateway: requests per minute (sliding window) and requests in flight.

``MemoryLimiter`` is exact within one process; ``RedisLimiter`` (extra ``modelmux[redis]``) is exact across every
process and replica that shares one Redis server.
"""

from .base import Decision, Limiter, LimiterError
from .memory import MemoryLimiter
from .redis import RedisLimiter

__all__ = ["Decision", "Limiter", "LimiterError", "MemoryLimiter", "RedisLimiter"]
