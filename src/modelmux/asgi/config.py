"""The gateway's configuration: public model names → upstreams, client keys, limits.

Read once, when the app is created: upstream keys and client keys come from environment variables named in the
file (never the secrets themselves), or a client key as its SHA-256 digest. A typo is an error, not a silent default.

.. code-block:: toml

    [limits]                       # defaults for every client key (these are the built-in ones)
    rpm = 60                       # requests per minute; "unlimited" lifts it
    max_concurrent = 10            # requests in flight; "unlimited" lifts it
    max_body_bytes = 10_485_760    # request body
    # redis_url_env = "MODELMUX_REDIS_URL"   # share the limits between workers and replicas
    # max_spend_per_day = 5.0      # USD budgets: see limits/budget_config.py; the [cache] table: config_cache.py
    max_stored_responses_per_key = 5000    # /v1/responses answers a key keeps (its own oldest go first)
    # allow_upstream_object_ids = true     # ids of objects in the upstream account (files…): upstream_ids.py

    [server]                       # connections (these are the built-in values)
    header_timeout = 10            # seconds to send the request line and headers (idle connections too)
    body_timeout = 60              # seconds to send the whole body
    send_timeout = 60              # seconds a client may leave one answer chunk unread
    keep_alive_timeout = 5         # idle seconds between two requests on one connection
    max_connections = 1000         # open connections per worker process (the oldest idle one gives way)
    max_header_bytes = 65_536      # request line and headers
    max_headers = 100
    # allowed_hosts = ["llm.example.com"]   # Host header allow-list; default: any with keys, loopback without

    [cors]                         # browsers at these origins may call (default: no cross-origin browser request)
    allow_origins = ["https://app.example.com"]

    [models."gpt-4o"]              # the public name clients send as "model"
    model = "openai/gpt-4o"        # what modelmux.completion() is called with
    api_key_env = "OPENAI_API_KEY" # the variable holding the upstream key
    # api_base = "https://..."  timeout = 600 (the default; bounds the whole call)  drop_params = true  cache = true
    # first_chunk_timeout = 20     # seconds from sending a streamed request to its first chunk (unset: no such bound)

    [keys.alice]                   # a client key's id: used for limits and logs, never the secret
    key_env = "ALICE_KEY"          # the variable holding the key, or: key_sha256 = "<hex digest>"
    models = ["gpt-4o"]            # the models this key may use (all when omitted)
    rpm = 120
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import ModelmuxError
from ..providers.mock_options import ROUTE_OPTIONS, mock_route_options
from .config_cache import CacheSettings, RouteCache, parse_cache, route_cache
from .config_metrics import MetricsSettings, parse_metrics
from .config_server import ServerSettings, parse_server
from .config_values import ConfigError, first_chunk_timeout, from_env, only, opt_str, positive, table
from .limits.budget_config import BUDGET_KEYS, Budgets, parse_budgets
from .route_options import OPTION_TABLES as _OPTION_TABLES
from .route_options import route_options
from .upstream_ids import OPT_IN

if TYPE_CHECKING:
    from .config_groups import ModelGroup, RouterSettings

__all__ = [
    "DEFAULT_LIMITS",
    "DEV_LIMITS",
    "DEV_PACE_ENV",
    "ClientKey",
    "ConfigError",
    "GatewayConfig",
    "Limits",
    "ModelRoute",
    "ServerSettings",
    "dev_config",
    "load_config",
    "parse_config",
]

UNLIMITED = "unlimited"
STORED_PER_KEY = "max_stored_responses_per_key"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-key limits; ``None`` means unlimited."""

    rpm: int | None = 60
    max_concurrent: int | None = 10
    max_body_bytes: int = 10 * 1024 * 1024
    allow_upstream_object_ids: bool = False  # file, vector store, conversation ids… of the upstream account


DEFAULT_LIMITS = Limits()

#: A model's default ``timeout``: the whole upstream call, first byte to last chunk (OpenAI's SDK waits as long).
DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True, slots=True)
class ModelRoute:
    """One public model name and the upstream that answers it."""

    name: str
    model: str  # "provider/model", as modelmux.completion() takes it
    provider: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    #: Seconds from sending a streamed request to its first chunk, per attempt (``completion(first_chunk_timeout=)``).
    first_chunk_timeout: float | None = None
    drop_params: bool = False
    owned_by: str = ""
    transport: Any = field(default=None, repr=False, compare=False)  # an httpx.AsyncBaseTransport, tests and embedding
    #: Provider options (``call_options``: region, project, credentials…); may hold secrets.
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: A mock model's own options (``mock_script``, ``mock_delay``…; see ``providers.mock_options``).
    mock_options: Mapping[str, Any] = field(default_factory=dict, compare=False)
    cache: RouteCache | None = None  # answers kept in the gateway's cache (``config_cache``)


@dataclass(frozen=True, slots=True)
class ClientKey:
    """A client key: its id, the SHA-256 digest of the secret, its limits and model allow-list."""

    id: str
    digest: bytes = field(repr=False)
    limits: Limits = DEFAULT_LIMITS
    models: frozenset[str] | None = None  # None: every configured model

    def may_use(self, model: str) -> bool:
        return self.models is None or model in self.models


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything the app needs, resolved. ``keys`` empty means authentication is off."""

    models: Mapping[str, ModelRoute]
    keys: tuple[ClientKey, ...] = ()
    limits: Limits = DEFAULT_LIMITS
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = "modelmux"
    secrets: tuple[str, ...] = field(default=(), repr=False)  # scrubbed from every error message
    server: ServerSettings = field(default_factory=ServerSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)  # [metrics]: GET /metrics
    cache: CacheSettings | None = None  # the [cache] table (``config_cache``)
    budgets: Budgets = field(default_factory=Budgets)  # spend per key (``limits.budget_config``)
    groups: Mapping[str, ModelGroup] = field(default_factory=dict)  # see config_groups
    router: RouterSettings | None = None
    #: Responses API answers one key keeps stored at most (``responses_api.store``).
    stored_responses_per_key: int = 5000

    @property
    def auth_enabled(self) -> bool:
        return bool(self.keys)


# ---------------------------------------------------------------- reading


def load_config(
    source: GatewayConfig | Mapping[str, Any] | str | Path | None, *, environ: Mapping[str, str] | None = None
) -> GatewayConfig:
    """A :class:`GatewayConfig` from a TOML file path, a mapping shaped like the file, or ``None``
    (:func:`dev_config`)."""
    if isinstance(source, GatewayConfig):
        return source
    if source is None:
        return dev_config(environ=environ)
    if isinstance(source, Mapping):
        return parse_config(source, environ=environ)
    path = Path(source)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {str(path)!r}: {exc.strerror or exc}") from None
    return parse_config(_parse_toml(text, str(path)), environ=environ)


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: the tomli backport (a dependency there)
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        return cast(dict[str, Any], tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None


#: The development server's limits: a framework's test suite makes thousands of requests a minute, so no
#: requests-per-minute limit; in flight, enough for parallel test workers while still bounding a runaway loop.
DEV_LIMITS = {"rpm": UNLIMITED, "max_concurrent": 256}


#: The development server's stream pace, in tokens per second (``modelmux serve --tokens-per-second``): an
#: environment variable, so every worker process reads the same value.
DEV_PACE_ENV = "MODELMUX_MOCK_TOKENS_PER_SECOND"


def dev_config(*, tokens_per_second: float | None = None, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """The configuration with no file — a development server: the offline mock models (``MOCK_MODELS``), no
    keys (so no authentication; ``modelmux serve`` then binds loopback only), :data:`DEV_LIMITS` (no
    requests-per-minute limit), limits counted per process, no Redis. ``tokens_per_second`` (else
    :data:`DEV_PACE_ENV` in ``environ``, default ``os.environ``) paces the mock's streams; unset, they go as fast
    as possible."""
    from ..providers.mock import MOCK_MODELS

    if tokens_per_second is None:
        text = (os.environ if environ is None else environ).get(DEV_PACE_ENV)
        if text:
            try:
                tokens_per_second = float(text)
            except ValueError:
                raise ConfigError(f"{DEV_PACE_ENV} must be a number of tokens per second, not {text!r}") from None
    pace = {"mock_tokens_per_second": tokens_per_second} if tokens_per_second else {}
    models = {f"mock/{n}": {"model": f"mock/{n}", **pace} for n in MOCK_MODELS}
    return parse_config({"models": models, "limits": DEV_LIMITS}, environ={})


def parse_config(data: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """Validate a mapping shaped like the TOML file and resolve its environment variables (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    only(data, {"models", "keys", "limits", "server", "cors", "metrics", "cache", "router"}, "the config")
    limits_table = table(data, "limits", "the config")
    only(
        limits_table,
        {"rpm", "max_concurrent", "max_body_bytes", "redis_url", "redis_url_env", "redis_prefix", *BUDGET_KEYS}
        | {STORED_PER_KEY, OPT_IN},
        "[limits]",
    )
    limits = _limits(limits_table, DEFAULT_LIMITS, "[limits]")
    secrets: list[str] = []

    models_table = table(data, "models", "the config")
    if not models_table:
        raise ConfigError('the config has no [models."<name>"] table: the gateway would serve nothing')
    from .config_groups import parse_groups  # models served by several deployments through a Router

    groups, stand_ins, router = parse_groups(data, models_table, env, secrets, _route)
    models = {n: stand_ins.get(n) or _route(n, table(models_table, n, "[models]"), env, secrets) for n in models_table}

    keys_table = table(data, "keys", "the config")
    keys = tuple(
        _key(key_id, table(keys_table, key_id, "[keys]"), limits, models, env, secrets) for key_id in keys_table
    )
    seen: dict[bytes, str] = {}
    for key in keys:
        if key.digest in seen:
            raise ConfigError(f"[keys.{key.id}] and [keys.{seen[key.digest]}] have the same secret")
        seen[key.digest] = key.id

    redis_url = opt_str(limits_table, "redis_url", "[limits]")
    redis_env = opt_str(limits_table, "redis_url_env", "[limits]")
    if redis_url and redis_env:
        raise ConfigError("[limits]: give redis_url or redis_url_env, not both")
    if redis_env:
        redis_url = from_env(env, redis_env, "[limits] redis_url_env")
        secrets.append(redis_url)
    metrics = parse_metrics(table(data, "metrics", "the config"), env, secrets)
    return GatewayConfig(
        models=models,
        keys=keys,
        limits=limits,
        redis_url=redis_url,
        redis_prefix=opt_str(limits_table, "redis_prefix", "[limits]") or "modelmux",
        cache=parse_cache(table(data, "cache", "the config"), redis_url, env, secrets),
        budgets=parse_budgets(limits_table, keys_table),
        secrets=tuple(s for s in secrets if s),
        server=parse_server(table(data, "server", "the config"), table(data, "cors", "the config")),
        metrics=metrics,
        groups=groups,
        router=router,
        stored_responses_per_key=positive(limits_table.get(STORED_PER_KEY, 5000), f"[limits] {STORED_PER_KEY}", int),
    )


def _route(name: str, t: Mapping[str, Any], env: Mapping[str, str], secrets: list[str]) -> ModelRoute:
    where = f"[models.{name!r}]"
    known = {"model", "api_base", "api_key_env", "timeout", "first_chunk_timeout", "drop_params", "owned_by"}
    known |= {"transport", "cache"}
    only(t, known | _OPTION_TABLES | ROUTE_OPTIONS, where)
    if not name or name != name.strip():
        raise ConfigError(f"{where}: a model name must be non-empty, without surrounding spaces")
    model = opt_str(t, "model", where)
    if not model:
        raise ConfigError(f"{where}: 'model' is required, e.g. model = \"openai/gpt-4o\"")
    from .._registry import get_provider, resolve

    try:
        provider_name = resolve(model).provider_name
    except ModelmuxError as exc:
        raise ConfigError(f"{where}: {getattr(exc, 'message', exc)}") from None
    provider = get_provider(provider_name)
    try:
        mock_options = mock_route_options(t, provider_name == "mock")
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    api_base = opt_str(t, "api_base", where)
    key_env = opt_str(t, "api_key_env", where)
    api_key: str | None = None
    if key_env:
        api_key = from_env(env, key_env, f"{where} api_key_env")
    elif not getattr(provider, "local", False):
        # Resolved now, so a missing key stops the start-up instead of failing every request.
        api_key = next((env[n] for n in provider.api_key_env if env.get(n)), None)
        if api_key is None and getattr(provider, "requires_api_key", True) and api_base is None:
            names = " or ".join(provider.api_key_env) or "a key variable"
            raise ConfigError(f"{where}: no upstream key: set api_key_env, or set {names}")
    if api_key:
        secrets.append(api_key)
    timeout = t.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf")
    ):
        raise ConfigError(f"{where}: timeout must be a positive number of seconds")
    drop_params = t.get("drop_params", False)
    if not isinstance(drop_params, bool):
        raise ConfigError(f"{where}: drop_params must be true or false")
    return ModelRoute(
        name=name,
        model=model,
        provider=provider_name,
        api_base=api_base,
        api_key=api_key,
        timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
        first_chunk_timeout=first_chunk_timeout(t, where),
        drop_params=drop_params,
        owned_by=opt_str(t, "owned_by", where) or provider_name,
        transport=t.get("transport"),
        mock_options=mock_options,
        options=route_options(t, provider, env, secrets, where),
        cache=route_cache(t, where),
    )


def _key(
    key_id: str,
    t: Mapping[str, Any],
    defaults: Limits,
    models: Mapping[str, ModelRoute],
    env: Mapping[str, str],
    secrets: list[str],
) -> ClientKey:
    where = f"[keys.{key_id}]"
    only(t, {"key_env", "key_sha256", "models", "rpm", "max_concurrent", "max_body_bytes", OPT_IN, *BUDGET_KEYS}, where)
    key_env = opt_str(t, "key_env", where)
    hexdigest = opt_str(t, "key_sha256", where)
    if bool(key_env) == bool(hexdigest):
        raise ConfigError(f"{where}: give exactly one of key_env (a variable name) or key_sha256 (a hex digest)")
    if key_env:
        secret = from_env(env, key_env, f"{where} key_env")
        secrets.append(secret)
        digest = hashlib.sha256(secret.encode("utf-8")).digest()
    else:
        assert hexdigest is not None
        try:
            digest = bytes.fromhex(hexdigest)
        except ValueError:
            digest = b""
        if len(digest) != 32:
            raise ConfigError(f"{where}: key_sha256 must be 64 hex digits (sha256 of the key)")
    allowed = t.get("models")
    allow: frozenset[str] | None = None
    if allowed is not None:
        if not isinstance(allowed, list) or not all(isinstance(m, str) for m in allowed):
            raise ConfigError(f"{where}: models must be a list of model names")
        unknown = [m for m in allowed if m not in models]
        if unknown:
            raise ConfigError(f"{where}: models lists {', '.join(map(repr, unknown))}, not in [models]")
        allow = frozenset(allowed)
    return ClientKey(id=key_id, digest=digest, limits=_limits(t, defaults, where), models=allow)


def _limits(t: Mapping[str, Any], defaults: Limits, where: str) -> Limits:
    body = t.get("max_body_bytes", defaults.max_body_bytes)
    if isinstance(body, bool) or not isinstance(body, int) or body < 1:
        raise ConfigError(f"{where}: max_body_bytes must be a positive integer")
    ids = t.get(OPT_IN, defaults.allow_upstream_object_ids)
    if not isinstance(ids, bool):
        raise ConfigError(f"{where}: {OPT_IN} must be true or false")
    return Limits(
        rpm=_limit(t, "rpm", defaults.rpm, where),
        max_concurrent=_limit(t, "max_concurrent", defaults.max_concurrent, where),
        max_body_bytes=body,
        allow_upstream_object_ids=ids,
    )


def _limit(t: Mapping[str, Any], name: str, default: int | None, where: str) -> int | None:
    if name not in t:
        return default
    value = t[name]
    if value == UNLIMITED:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f'{where}: {name} must be a non-negative integer or "unlimited"')
    return value
