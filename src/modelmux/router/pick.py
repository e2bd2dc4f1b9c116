"""Choosing a deployment of a group: the free ones (not cooling down, no probe in flight, under their limits), in
the strategy's order, lowest ``order`` first; deployments this call already failed on come last."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..errors import RateLimitError
from .deployments import Deployment
from .state import Stats
from .strategies import Random, Strategy

__all__ = ["NoDeploymentAvailableError", "rank", "unavailable"]


class NoDeploymentAvailableError(RateLimitError):
    """Every deployment of a model group is cooling down or at its ``rpm``/``tpm`` this minute; ``retry_after`` is
    when the first one is free again. Not retried on the same group (waiting is ``Router(wait_for_cooldown=True)``);
    fallbacks still apply."""


def rank(
    deployments: Sequence[Deployment],
    stats: Sequence[Stats],
    strategy: Strategy,
    rand: Random,
    tokens: int,
    failed: Collection[str],
    ordered: bool = True,
) -> list[Deployment]:
    """The free deployments, in the order to try them (empty: none is free). ``ordered``: some have an ``order``."""
    free = [(d, s) for d, s in zip(deployments, stats) if not s.blocked(d, tokens)]  # noqa: B905 - equal lengths
    if not free:
        return []
    if not failed and not ordered:  # the usual case
        return strategy.rank(free, rand)
    fresh = [c for c in free if c[0].id not in failed]
    out: list[Deployment] = []
    for tier in (fresh, [c for c in free if c[0].id in failed]):
        if not tier:
            continue
        lowest = min((d.order for d, _ in tier if d.order is not None), default=None)
        if lowest is not None:  # LiteLLM's `order`: the lowest first, the rest only when it is not free
            first = [c for c in tier if c[0].order == lowest]
            rest = [c for c in tier if c[0].order != lowest]
            out += strategy.rank(first, rand) + (strategy.rank(rest, rand) if rest else [])
        else:
            out += strategy.rank(tier, rand)
    return out


def unavailable(group: str, deployments: Sequence[Deployment], stats: Sequence[Stats]) -> NoDeploymentAvailableError:
    wait = min((s.free_in() for s in stats), default=0.0)
    cooling = sum(1 for s in stats if s.cooldown_left > 0)
    return NoDeploymentAvailableError(
        f"no deployment of model group {group!r} is available: {cooling} of {len(deployments)} cooling down, "
        f"the others at their rpm/tpm limit or being probed; the first is free again in {wait:.2f}s",
        retry_after=max(wait, 0.0),
        model=group,
        code="no_deployments_available",
    )
