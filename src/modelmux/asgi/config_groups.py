"""Model groups in the gateway config: one public model name served by several deployments through a
``modelmux.Router`` (weights, limits, retries, cooldowns, fallbacks to other public names).

.. code-block:: toml

    [router]                            # for every group (these are the defaults)
    routing_strategy = "simple-shuffle" # or "least-busy", "latency-based-routing", "usage-based-routing"
    allowed_fails = 3                   # failures a minute before a deployment cools down
    cooldown_time = 5                   # seconds (a 429 cools down for its Retry-After)
    wait_for_cooldown = false           # true: wait for a deployment instead of answering 429
    # with [limits] redis_url set, the router's state (cooldowns, usage, latencies) is shared there too

    [models."gpt-4o"]                   # a group: a table with deployments instead of model
    num_retries = 2                     # retries in the group (each may go to another deployment)
    timeout = 120                       # seconds for the whole call: every attempt, wait and fallback
    first_chunk_timeout = 20            # a streamed attempt without its first chunk by then fails over
    fallbacks = ["claude"]              # other public model names, in order, once each
    # context_window_fallbacks = [...]  content_policy_fallbacks = [...]  owned_by = "..."

    [[models."gpt-4o".deployments]]
    id = "east"                         # shown to clients in x-modelmux-deployment (default "gpt-4o/0")
    model = "azure/gpt-4o"
    api_key_env = "AZURE_EAST_KEY"
    api_base = "https://east.example.com"
    weight = 2                          # and rpm / tpm (limits honoured before sending), order
    # every key of a single model: api_base, timeout (one attempt), first_chunk_timeout (with the group's, the
    # smaller applies), drop_params, provider option tables…

    [[models."gpt-4o".deployments]]
    model = "openai/gpt-4o"
    api_key_env = "OPENAI_API_KEY"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import DEFAULT_TIMEOUT, ModelRoute
from .config_values import ConfigError, first_chunk_timeout, only, opt_str, positive, strings, table

__all__ = ["GroupDeployment", "ModelGroup", "RouterSettings", "parse_groups"]

_GROUP_KEYS = {"deployments", "num_retries", "timeout", "first_chunk_timeout", "owned_by"}
_FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
_ROUTING_KEYS = ("id", "weight", "rpm", "tpm", "order")
_STRATEGIES = ("simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing")

ParseRoute = Callable[[str, Mapping[str, Any], Mapping[str, str], list[str]], ModelRoute]


@dataclass(frozen=True, slots=True)
class GroupDeployment:
    route: ModelRoute  # how to call it (model, key, base, options), as a single model's
    id: str
    weight: float | None = None
    rpm: int | None = None
    tpm: int | None = None
    order: int | None = None


@dataclass(frozen=True, slots=True)
class ModelGroup:
    name: str
    deployments: tuple[GroupDeployment, ...]
    num_retries: int = 2
    timeout: float = DEFAULT_TIMEOUT
    fallbacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # fallbacks= / context_window_… lists
    first_chunk_timeout: float | None = None  # per streamed attempt, given to every call of the group


@dataclass(frozen=True, slots=True)
class RouterSettings:
    routing_strategy: str = "simple-shuffle"
    allowed_fails: int = 3
    cooldown_time: float = 5.0
    wait_for_cooldown: bool = False


#: The largest number a setting takes: the router turns rpm and tpm into float weights, which sum.
_MAX = 10**15


def _count(t: Mapping[str, Any], name: str, where: str, default: int | None = None, least: int = 0) -> int | None:
    value = t.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not least <= value <= _MAX):
        raise ConfigError(f"{where}: {name} must be an integer from {least} to {_MAX}")
    return value


def _router(t: Mapping[str, Any]) -> RouterSettings:
    only(t, {"routing_strategy", "allowed_fails", "cooldown_time", "wait_for_cooldown"}, "[router]")
    strategy = opt_str(t, "routing_strategy", "[router]") or "simple-shuffle"
    if strategy not in _STRATEGIES:
        raise ConfigError(f"[router] routing_strategy must be one of {', '.join(_STRATEGIES)}")
    wait = t.get("wait_for_cooldown", False)
    if not isinstance(wait, bool):
        raise ConfigError("[router] wait_for_cooldown must be true or false")
    cooldown = t.get("cooldown_time", 5.0)
    if isinstance(cooldown, bool) or not isinstance(cooldown, (int, float)) or not 0 <= cooldown < 86_400:
        raise ConfigError("[router] cooldown_time must be a number of seconds (0 to 86400)")
    allowed = _count(t, "allowed_fails", "[router]", 3)
    assert allowed is not None
    return RouterSettings(strategy, allowed, float(cooldown), wait)


def _deployment(
    group: str, i: int, t: Any, env: Mapping[str, str], secrets: list[str], parse_route: ParseRoute
) -> GroupDeployment:
    where = f"[[models.{group!r}.deployments]] #{i + 1}"
    if not isinstance(t, Mapping):
        raise ConfigError(f"{where}: a deployment must be a table")
    if "cache" in t:  # the cache is keyed by a model's own route; a group's calls go through its router
        raise ConfigError(f"{where}: cache cannot be set on a deployment (a group's answers are not cached)")
    ident = opt_str(t, "id", where) or f"{group}/{i}"
    weight = t.get("weight")
    if weight is not None and (
        isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= _MAX
    ):  # NaN and infinities too: they make the weighted draw always pick the last deployment
        raise ConfigError(f"{where}: weight must be a number from 0 to {_MAX}")
    route = parse_route(
        f"{group}.deployments[{i}]", {k: v for k, v in t.items() if k not in _ROUTING_KEYS}, env, secrets
    )
    return GroupDeployment(
        route=route,
        id=ident,
        weight=None if weight is None else float(weight),
        rpm=_count(t, "rpm", where, least=1),  # 0 would never send: every request a 429
        tpm=_count(t, "tpm", where, least=1),
        order=_count(t, "order", where),
    )


def _group(
    name: str, t: Mapping[str, Any], env: Mapping[str, str], secrets: list[str], parse_route: ParseRoute
) -> ModelGroup:
    where = f"[models.{name!r}]"
    only(t, _GROUP_KEYS | set(_FALLBACK_KEYS), where)
    listed = t.get("deployments")
    if not isinstance(listed, list) or not listed:
        raise ConfigError(f"{where}: deployments must be a non-empty array of tables ([[models.{name!r}.deployments]])")
    deployments = tuple(_deployment(name, i, d, env, secrets, parse_route) for i, d in enumerate(listed))
    ids = [d.id for d in deployments]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: deployment ids must be unique")
    timeout = positive(t["timeout"], f"{where} timeout", float) if "timeout" in t else DEFAULT_TIMEOUT
    from .._retry import MAX_RETRIES

    retries = _count(t, "num_retries", where, 2)
    assert retries is not None
    if retries > MAX_RETRIES:  # refused by the router on every call: say so when the config is read
        raise ConfigError(f"{where}: num_retries must be an integer from 0 to {MAX_RETRIES}")
    lists = {key: tuple(strings(t, key, where)) for key in _FALLBACK_KEYS if key in t}
    return ModelGroup(name, deployments, retries, timeout, lists, first_chunk_timeout(t, where))


def _check_ids(groups: Mapping[str, ModelGroup]) -> None:
    """Deployment ids are unique across groups and the single models a group falls back to (those join the one
    router as groups of one, with their name as id)."""
    owner: dict[str, str] = {}
    fallback_models = {t for g in groups.values() for names in g.fallbacks.values() for t in names} - set(groups)
    for name in sorted(fallback_models):
        owner[name] = f"the fallback model {name!r}"
    for group in groups.values():
        for d in group.deployments:
            if d.id in owner:
                raise ConfigError(
                    f"[models.{group.name!r}] deployment id {d.id!r} is also {owner[d.id]}: ids must be unique "
                    "across groups and the models groups fall back to"
                )
            owner[d.id] = f"a deployment of [models.{group.name!r}]"


def _stand_in(group: ModelGroup, owned_by: str | None) -> ModelRoute:
    """The group as the rest of the gateway sees a model: listed, allowed per key, its first deployment's kind."""
    first = group.deployments[0].route
    return ModelRoute(
        name=group.name,
        model=first.model,
        provider=first.provider,
        timeout=group.timeout,
        first_chunk_timeout=group.first_chunk_timeout,
        owned_by=owned_by or first.owned_by,
    )


def parse_groups(
    data: Mapping[str, Any],
    models: Mapping[str, Any],
    env: Mapping[str, str],
    secrets: list[str],
    parse_route: ParseRoute,
) -> tuple[dict[str, ModelGroup], dict[str, ModelRoute], RouterSettings | None]:
    """The ``[models]`` entries that are groups (a ``deployments`` array), their stand-in routes, and ``[router]``."""
    groups: dict[str, ModelGroup] = {}
    routes: dict[str, ModelRoute] = {}
    for name, t in models.items():
        if isinstance(t, Mapping) and "deployments" in t:
            groups[name] = _group(name, t, env, secrets, parse_route)
            routes[name] = _stand_in(groups[name], opt_str(t, "owned_by", f"[models.{name!r}]"))
    router_table = table(data, "router", "the config")
    if router_table and not groups:
        raise ConfigError("[router] is set but no model is a group (a [[models.'name'.deployments]] array)")
    for group in groups.values():
        for key, names in group.fallbacks.items():
            for target in names:
                if target not in models:
                    raise ConfigError(f"[models.{group.name!r}] {key}: {target!r} is not in [models]")
                if target == group.name:
                    raise ConfigError(f"[models.{group.name!r}] {key}: a group cannot fall back to itself")
    _check_ids(groups)
    return groups, routes, (_router(router_table) if groups else None)
