"""A router's ``model_list``: deployments grouped by model name, in LiteLLM's spelling or modelmux's.

LiteLLM's (https://docs.litellm.ai/docs/routing), so configurations port unchanged::

    {"model_name": "gpt-4o",                               # the group (what callers pass as model=)
     "litellm_params": {"model": "azure/gpt-4o-east", "api_key": "os.environ/AZURE_KEY", "api_base": "...",
                        "rpm": 600, "tpm": 100_000, "weight": 2, "order": 1, "timeout": 30},
     "model_info": {"id": "east"}}                         # a stable id (default: "<group>/<index>")

modelmux's, flat::

    {"group": "gpt-4o", "model": "azure/gpt-4o-east", "id": "east", "weight": 2, "rpm": 600, "api_key": "..."}

Besides the router's own keys (``rpm``, ``tpm``, ``weight``, ``order``, ``timeout``, ``first_chunk_timeout`` (its
streamed attempts only), ``id``), every key is a keyword
argument of the call (credentials, endpoint, provider options). A key no modelmux function or the deployment's
provider takes is an error at construction, with a did-you-mean; so is an unknown top-level key. A string value
``"os.environ/NAME"`` is read from the environment once, at construction (LiteLLM's syntax).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._options import COMMON_OPTIONS, RELIABILITY_OPTIONS
from ..errors import BadRequestError
from ..providers._base import OPENAI_PARAMS

__all__ = ["Deployment", "parse_model_list"]

#: Keys about routing, not the call.
_ROUTING_KEYS = frozenset({"rpm", "tpm", "weight", "order", "timeout", "first_chunk_timeout"})
_LITELLM_TOP = frozenset({"model_name", "litellm_params", "model_info", "rpm", "tpm"})
_ENV_PREFIX = "os.environ/"


@dataclass(frozen=True, slots=True)
class Deployment:
    """One way to serve a group: a model string and the keyword arguments it is called with."""

    id: str
    group: str
    model: str
    params: Mapping[str, Any] = field(default_factory=dict, repr=False)  # may hold an api_key: never shown
    rpm: int | None = None
    tpm: int | None = None
    weight: float | None = None
    order: int | None = None
    timeout: float | None = None
    #: A cap on a streamed attempt's wait for its first chunk (with a call's own, the smaller one applies).
    first_chunk_timeout: float | None = None
    info: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def limited(self) -> bool:
        return self.rpm is not None or self.tpm is not None


def _error(message: str) -> BadRequestError:
    return BadRequestError(message, param="model_list", code="invalid_model_list")


@functools.cache
def _operation_keywords() -> frozenset[str]:
    """Keyword arguments of every public operation (embedding's ``dimensions``, image's ``size``…)."""
    from .operations import OPERATIONS

    names: set[str] = set()
    for op in OPERATIONS.values():
        names.update(p.name for p in inspect.signature(op.sync).parameters.values() if p.kind is p.KEYWORD_ONLY)
    return frozenset(names)


def _check_params(where: str, model: str, params: Mapping[str, Any]) -> None:
    from .._registry import get_provider, resolve
    from ..providers.mock_options import ROUTE_OPTIONS

    try:
        provider = get_provider(resolve(model).provider_name)
    except Exception as exc:  # an unknown provider or model: say so now, not on the first call
        raise _error(f"{where}: {getattr(exc, 'message', exc)}") from None
    known = (
        OPENAI_PARAMS
        | COMMON_OPTIONS
        | _operation_keywords()
        | ROUTE_OPTIONS
        | {"mock_tool_calls"}
        | frozenset(getattr(provider, "call_options", ()))
        | frozenset(getattr(provider, "native_params", ()))
    ) - {"model", "stream", "messages", "input"}
    for key in params:
        if key in RELIABILITY_OPTIONS:
            raise _error(f"{where}: {key!r} is a router setting (Router({key}=...)), not a deployment's")
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known | _ROUTING_KEYS), n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _error(f"{where}: unknown key {key!r}{hint}")


def _resolve_env(where: str, params: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key, value in params.items():
        if isinstance(value, str) and value.startswith(_ENV_PREFIX):
            name = value[len(_ENV_PREFIX) :]
            if not environ.get(name):
                raise _error(f"{where}: {key} names the environment variable {name}, which is not set")
            params[key] = environ[name]


def _number(where: str, name: str, value: Any, kind: type) -> Any:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= 1e18  # NaN, infinities and integers float() cannot hold too
        or (kind is int and value != int(value))
    ):
        raise _error(f"{where}: {name} must be a non-negative {'integer' if kind is int else 'number'}")
    return kind(value)


def _split(entry: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any], dict[str, Any], str | None]:
    """``(group, params, info, id)`` of either spelling."""
    if "model_name" in entry or "litellm_params" in entry:
        unknown = sorted(set(entry) - _LITELLM_TOP)
        if unknown:
            raise _error(f"{where}: unknown key {unknown[0]!r} (expected model_name, litellm_params, model_info)")
        group, params, info = entry.get("model_name"), entry.get("litellm_params"), entry.get("model_info") or {}
        if not isinstance(params, Mapping) or not isinstance(info, Mapping):
            raise _error(f"{where}: litellm_params and model_info must be objects")
        params = dict(params)
        for key in ("rpm", "tpm"):  # LiteLLM also reads them beside litellm_params
            if key in entry:
                params.setdefault(key, entry[key])
        ident = info.get("id")
        return _group_name(group, where), params, {k: v for k, v in info.items() if k != "id"}, ident
    if "group" not in entry:
        raise _error(f"{where}: a deployment needs model_name + litellm_params (LiteLLM) or group + model")
    params = {k: v for k, v in entry.items() if k not in ("group", "id", "model_info")}
    return _group_name(entry["group"], where), params, dict(entry.get("model_info") or {}), entry.get("id")


def _group_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(f"{where}: the group name (model_name / group) must be a non-empty string")
    return value


def parse_model_list(
    model_list: Iterable[Mapping[str, Any]], environ: Mapping[str, str] | None = None
) -> dict[str, tuple[Deployment, ...]]:
    """Group name → its deployments, in the order given. Raises ``BadRequestError`` on any mistake."""
    env = os.environ if environ is None else environ
    if isinstance(model_list, (str, bytes, Mapping)) or not isinstance(model_list, Iterable):
        raise _error("model_list must be a list of deployments")
    groups: dict[str, list[Deployment]] = {}
    seen: set[str] = set()
    for i, entry in enumerate(model_list):
        where = f"model_list[{i}]"
        if not isinstance(entry, Mapping):
            raise _error(f"{where}: a deployment must be an object")
        group, params, info, ident = _split(entry, where)
        model = params.pop("model", None)
        if not isinstance(model, str) or not model.strip():
            raise _error(f"{where}: 'model' (the provider/model string to call) is required")
        routing = {k: params.pop(k) for k in _ROUTING_KEYS if k in params}
        _resolve_env(where, params, env)
        _check_params(where, model, params)
        members = groups.setdefault(group, [])
        ident = f"{group}/{len(members)}" if ident is None else ident
        if not isinstance(ident, str) or not ident or ident in seen:
            raise _error(f"{where}: the deployment id must be a unique non-empty string, got {ident!r}")
        seen.add(ident)
        timeout = _number(where, "timeout", routing.get("timeout"), float)
        if timeout == 0:
            raise _error(f"{where}: timeout must be positive")
        first = _number(where, "first_chunk_timeout", routing.get("first_chunk_timeout"), float)
        if first == 0:
            raise _error(f"{where}: first_chunk_timeout must be positive")
        weight = _number(where, "weight", routing.get("weight"), float)
        members.append(
            Deployment(
                id=ident,
                group=group,
                model=model,
                params=params,
                rpm=_number(where, "rpm", routing.get("rpm"), int),
                tpm=_number(where, "tpm", routing.get("tpm"), int),
                weight=weight,
                order=_number(where, "order", routing.get("order"), int),
                timeout=timeout,
                first_chunk_timeout=first,
                info=info,
            )
        )
    if not groups:
        raise _error("model_list is empty: the router would serve nothing")
    return {name: tuple(members) for name, members in groups.items()}
