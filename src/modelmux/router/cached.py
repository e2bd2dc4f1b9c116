"""``cache=`` on a router call: looked up per model group, before a deployment is picked.

A group's deployments are interchangeable by definition, so the key is the group and the request
(``cache.key.group_key``), not the deployment that would answer: a hit does not depend on the routing draw (the
deployments' own keys would differ by ``api_base`` and key, and each would miss in turn). A hit makes no attempt
and reserves no deployment; a miss runs the routed call and stores its answer (a stream when it ended by itself).
``image_generation`` never caches (the library refuses ``cache=`` there, and so does a routed call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._retry import HIDDEN_PARAMS
from .call_state import stamp_hidden

if TYPE_CHECKING:
    from ..cache import CacheUse
    from .call import RouterCall

__all__ = ["CachedCall", "cached_call"]

#: Each operation's cache entry kind (``cache.entries``); image generation has none.
_KINDS = {
    "completion": "chat",
    "embedding": "embedding",
    "moderation": "moderation",
    "rerank": "rerank",
    "transcription": "transcription",
}


def cached_call(
    inner: RouterCall,
    operation: str,
    group: str,
    args: dict[str, Any],
    options: dict[str, Any],
    default: Any,
    stamp: Callable[[Any, Any], Any],
) -> CachedCall | None:
    """A :class:`CachedCall` when the call's ``cache=`` (else the router's ``default_options`` one) is set and the
    operation caches; the deployments' calls then get ``cache=None`` (one lookup, per group). Else None."""
    if operation not in _KINDS:
        return None  # image_generation: the library refuses cache=, as for a call without a router
    value = options.get("cache", default)
    options["cache"] = None  # never again per deployment (their keys differ by api_base and key)
    from ..cache._cache import as_cache_use
    from ..cache.key import group_key

    use = as_cache_use(value)
    if use is None:
        return None
    stream = bool(args.get("stream"))
    shown = {k: v for k, v in args.items() if k != "stream"}
    try:
        digest = group_key(operation, group, shown, {**options, "stream": stream})
    except TypeError:  # an option with no canonical form: this call goes uncached
        return None
    return CachedCall(inner, use, digest, _KINDS[operation], group, stream, stamp)


class CachedCall:
    """A routed call through the cache (``run``/``arun``/``hidden_params`` as :class:`RouterCall`'s)."""

    def __init__(
        self,
        inner: RouterCall,
        use: CacheUse,
        digest: str,
        kind: str,
        group: str,
        stream: bool,
        stamp: Callable[[Any, Any], Any],
    ) -> None:
        self.inner, self.use, self.digest, self.kind, self.group, self.stream = inner, use, digest, kind, group, stream
        self._stamp = stamp
        self._hidden: dict[str, Any] | None = None

    def stamp(self, result: Any) -> Any:
        """``result`` with :meth:`hidden_params` as its ``_hidden_params``."""
        return stamp_hidden(result, self.hidden_params())

    def hidden_params(self) -> dict[str, Any]:
        return self._hidden if self._hidden is not None else self.inner.hidden_params()

    def _took(self, result: Any) -> Any:
        hidden = getattr(result, HIDDEN_PARAMS, None)
        if isinstance(hidden, dict):
            if hidden.get("cache_hit") is True:
                hidden = {**hidden, "model_id": None, "model_group": self.group}
            self._hidden = hidden
        return result

    def run(self) -> Any:
        from ..cache.hook import through

        inner = self.inner
        result = through(
            self.use, self.digest, self.kind, self.group, lambda: self._stamp(inner.run(), inner), stream=self.stream
        )
        return self._took(result)

    async def arun(self) -> Any:
        from ..cache.hook import athrough

        inner = self.inner

        async def routed() -> Any:
            return self._stamp(await inner.arun(), inner)

        return self._took(await athrough(self.use, self.digest, self.kind, self.group, routed, stream=self.stream))
