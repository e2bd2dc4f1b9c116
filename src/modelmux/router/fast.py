"""The direct pick of a call when nothing needs looking at: a group without ``rpm``/``tpm`` limits, the default
weighted shuffle, memory state, and no deployment cooling down or half-open (``MemoryState.calm``).

Then every deployment of the group is free, so the full path (a :class:`~.state.Stats` per deployment, the
strategy's ranking, the reservation of the first ranked) would reserve the first deployment of its ranking: this
draws that same first deployment straight from precomputed weights (the same draw: equal weights take
``int(rand() * n) % n`` as the shuffle's first swap does, others walk the weights as ``WeightedShuffle.rank``
does), with one random draw instead of a whole ranking's. Any other case (a limit, a cooldown, a failure in this
call, another strategy or state backend) takes the full path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .deployments import Deployment
from .state import MemoryState, RouterState
from .strategies import Random, Strategy, WeightedShuffle

__all__ = ["FastGroup", "fast_groups"]


class FastGroup:
    """A group's first tier (its lowest ``order``, else all of it) and their weights, drawn from directly."""

    __slots__ = ("deployments", "equal", "total", "weights")

    def __init__(self, tier: Sequence[Deployment]) -> None:
        self.deployments = tuple(tier)
        self.weights = tuple(WeightedShuffle.weight(d) for d in tier)
        self.equal = all(w == self.weights[0] for w in self.weights)
        self.total = sum(self.weights)

    def draw(self, rand: Random) -> Deployment:
        """The deployment ``WeightedShuffle.rank`` would put first (with the same first draw of ``rand``)."""
        ds = self.deployments
        n = len(ds)
        if n == 1:
            return ds[0]
        if self.equal:  # the shuffle's first swap: position int(rand() * n) % n comes first
            return ds[int(rand() * n) % n]
        if self.total <= 0:  # only zero weights: the given order
            return ds[0]
        x = rand() * self.total
        for d, w in zip(ds, self.weights, strict=True):
            x -= w
            if x < 0:
                return d
        return ds[-1]


def fast_groups(
    groups: Mapping[str, Sequence[Deployment]], strategy: Strategy, state: RouterState
) -> dict[str, FastGroup]:
    """The groups a call may pick directly from: none unless the strategy is the weighted shuffle (it reads no
    stats) and the state is a plain :class:`MemoryState` (a subclass may change what reserving means; Redis holds
    other processes' cooldowns, which only its snapshot sees); then each group without ``rpm``/``tpm``."""
    if type(strategy) is not WeightedShuffle or type(state) is not MemoryState:
        return {}
    out: dict[str, FastGroup] = {}
    for name, ds in groups.items():
        if any(d.rpm is not None or d.tpm is not None for d in ds):
            continue
        lowest = min((d.order for d in ds if d.order is not None), default=None)
        out[name] = FastGroup(ds if lowest is None else [d for d in ds if d.order == lowest])
    return out
