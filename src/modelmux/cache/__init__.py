"""Response caching: ``modelmux.Cache`` (memory or Redis), passed per call or to the gateway.

See :class:`Cache` for the backends and :meth:`Cache.options` for per-call controls; ``key`` says what the key is
made of, ``hook`` how a call goes through the cache.
"""

from ._cache import Cache, CacheUse
from .key import canonical, digest

__all__ = ["Cache", "CacheUse", "canonical", "digest"]
