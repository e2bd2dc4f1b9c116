"""Routing strategies: the order in which a group's free deployments are tried. A registry, by LiteLLM's names
(https://docs.litellm.ai/docs/routing, "Advanced - Routing Strategies").

A strategy ranks the deployments it is given (all free to call: not cooling down, under their limits); the router
takes the first one whose slot it can reserve, the next if another caller got there first. Randomness comes from
the retry pacer's ``random`` (tests fix it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ..errors import BadRequestError
from .deployments import Deployment
from .state import Stats

__all__ = ["STRATEGIES", "Strategy", "make_strategy"]

Candidates = Sequence[tuple[Deployment, Stats]]
Random = Callable[[], float]


class Strategy(Protocol):
    def rank(self, candidates: Candidates, rand: Random) -> list[Deployment]: ...


def _shuffled(candidates: Candidates, rand: Random) -> list[tuple[Deployment, Stats]]:
    out = list(candidates)
    n = len(out)
    for i in range(n - 1):  # Fisher-Yates, front to back (a draw of 0 keeps the given order)
        j = i + int(rand() * (n - i)) % (n - i)
        out[i], out[j] = out[j], out[i]
    return out


def _shuffled_deployments(out: list[Deployment], rand: Random) -> list[Deployment]:
    """:func:`_shuffled` of bare deployments, in place (the same draws, so the same order)."""
    n = len(out)
    for i in range(n - 1):
        j = i + int(rand() * (n - i)) % (n - i)
        out[i], out[j] = out[j], out[i]
    return out


class WeightedShuffle:
    """``simple-shuffle``: a random order, each deployment drawn in proportion to its ``weight`` (else its ``rpm``,
    else its ``tpm``, else 1; LiteLLM's order)."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        _no_args("simple-shuffle", args)

    @staticmethod
    def weight(d: Deployment) -> float:
        if d.weight is not None:
            return d.weight
        if d.rpm is not None:
            return float(d.rpm)
        return 1.0 if d.tpm is None else float(d.tpm)

    def rank(self, candidates: Candidates, rand: Random) -> list[Deployment]:
        if len(candidates) == 1:
            return [candidates[0][0]]
        weight = self.weight
        pool = [(d, weight(d)) for d, _ in candidates]
        first = pool[0][1]
        for _, w in pool:
            if w != first:
                break
        else:  # equal weights (none given): a plain shuffle
            return _shuffled_deployments([d for d, _ in candidates], rand)
        out: list[Deployment] = []
        while pool:
            total = sum(w for _, w in pool)
            if total <= 0:  # only zero weights left: any order
                out.extend(d for d, _ in pool)
                break
            x = rand() * total
            for i, (d, w) in enumerate(pool):
                x -= w
                if x < 0 or i == len(pool) - 1:
                    out.append(d)
                    del pool[i]
                    break
        return out


class LeastBusy:
    """``least-busy``: fewest calls in flight first (ties in random order)."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        _no_args("least-busy", args)

    def rank(self, candidates: Candidates, rand: Random) -> list[Deployment]:
        return [d for d, _ in sorted(_shuffled(candidates, rand), key=lambda c: c[1].in_flight)]


class LowestLatency:
    """``latency-based-routing``: the fastest average (EWMA) first; those within ``lowest_latency_buffer`` (a
    fraction, LiteLLM's name) of the fastest count as equally fast and share the traffic at random. A deployment
    with no measurement yet counts as fastest, so each is tried."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        _only("latency-based-routing", args, {"lowest_latency_buffer", "ewma_alpha"})
        self.buffer = _fraction(args.get("lowest_latency_buffer", 0.0), "lowest_latency_buffer", upper=10.0)

    def rank(self, candidates: Candidates, rand: Random) -> list[Deployment]:
        ordered = sorted(_shuffled(candidates, rand), key=lambda c: c[1].latency or 0.0)
        best = ordered[0][1].latency or 0.0
        limit = best * (1.0 + self.buffer)
        near = [c for c in ordered if (c[1].latency or 0.0) <= limit]
        return [d for d, _ in _shuffled(near, rand)] + [d for d, _ in ordered[len(near) :]]


class UsageBased:
    """``usage-based-routing``: the most headroom under ``tpm``/``rpm`` this minute first (the smaller of the two
    shares left; a deployment without limits has all of it), ties in random order."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        _no_args("usage-based-routing", args)

    @staticmethod
    def headroom(d: Deployment, s: Stats) -> float:
        left = 1.0
        if d.tpm:
            left = min(left, 1.0 - s.tokens / d.tpm)
        if d.rpm:
            left = min(left, 1.0 - s.requests / d.rpm)
        return left

    def rank(self, candidates: Candidates, rand: Random) -> list[Deployment]:
        return [d for d, _ in sorted(_shuffled(candidates, rand), key=lambda c: -self.headroom(*c))]


#: Strategy name → its class (``routing_strategy_args`` go to the constructor).
STRATEGIES: dict[str, Callable[[Mapping[str, Any]], Strategy]] = {
    "simple-shuffle": WeightedShuffle,
    "least-busy": LeastBusy,
    "latency-based-routing": LowestLatency,
    "usage-based-routing": UsageBased,
    "usage-based-routing-v2": UsageBased,  # LiteLLM's newer name for the same idea
}


def make_strategy(name: str | Strategy, args: Mapping[str, Any] | None) -> Strategy:
    if not isinstance(name, str):
        if not callable(getattr(name, "rank", None)):
            raise BadRequestError("routing_strategy must be a strategy name or an object with rank()")
        return name
    factory = STRATEGIES.get(name)
    if factory is None:
        known = ", ".join(sorted(STRATEGIES))
        raise BadRequestError(f"unknown routing_strategy {name!r}; one of: {known}", param="routing_strategy")
    return factory(dict(args or {}))


def _only(name: str, args: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadRequestError(
            f"routing_strategy_args: {name} takes {', '.join(sorted(allowed)) or 'no arguments'}, not {unknown[0]!r}",
            param="routing_strategy_args",
        )


def _no_args(name: str, args: Mapping[str, Any]) -> None:
    _only(name, args, {"ewma_alpha"})


def _fraction(value: Any, name: str, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= upper:
        raise BadRequestError(f"routing_strategy_args: {name} must be a number from 0 to {upper}", param=name)
    return float(value)
