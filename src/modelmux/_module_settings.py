"""Why ``modelmux.drop_params = True`` (a LiteLLM habit) is an error, not a setting.

LiteLLM reads module globals (``litellm.drop_params``, ``litellm.success_callback``, ``litellm.num_retries``…) at
call time, so one assignment anywhere in a process changes every call, including calls already running in other
threads or tasks. modelmux has no such state: every option is an argument of the call. Assigning one of LiteLLM's
setting names on the ``modelmux`` module raises :class:`ModuleSettingError` (an ``AttributeError``) that says what
to write instead; any other assignment (tests patching a function, say) is untouched.

The explicit way to give many calls the same options is to bind them once::

    import functools, modelmux
    completion = functools.partial(modelmux.completion, drop_params=True)

Callbacks are the one process-wide registry, and an explicit one: ``modelmux.callbacks.register(handler)`` (each
call snapshots the registered set when it starts, so a registration never changes a call in flight).
``modelmux.callbacks`` is that module: assigning a list to it (``litellm.callbacks = [...]``) raises too.
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["LITELLM_SETTINGS", "GuardedModule", "ModuleSettingError"]

_CALLBACKS = "register a handler once with modelmux.callbacks.register(handler), or pass callbacks=[...] per call"

#: LiteLLM module-level settings (``litellm/__init__.py``; https://docs.litellm.ai/docs/completion/input) →
#: what to do in modelmux. ``None``: pass it per call, bound with ``functools.partial`` if every call needs it.
LITELLM_SETTINGS: dict[str, str | None] = {
    "drop_params": None,
    "api_key": None,
    "api_base": None,
    "request_timeout": "pass timeout=... per call",
    "modify_params": "modelmux never rewrites a request to fit a provider; adapt the messages yourself",
    "success_callback": _CALLBACKS,
    "failure_callback": _CALLBACKS,
    "callbacks": _CALLBACKS,
    "input_callback": _CALLBACKS,
    "service_callback": _CALLBACKS,
    "set_verbose": "configure the 'modelmux' logger with the logging module",
    "suppress_debug_info": "configure the 'modelmux' logger with the logging module",
    "turn_off_message_logging": "modelmux never logs message contents",
    "telemetry": "modelmux sends no telemetry",
    "num_retries": "pass the retry options per call (see completion()'s documentation)",
    "fallbacks": "pass the fallback options per call (see completion()'s documentation)",
    "cache": "pass cache=modelmux.Cache(...) to each call (or to the gateway's config)",
    "max_budget": "budgets are a gateway feature (modelmux serve), not a library setting",
    "model_alias_map": "resolve aliases in your own code, or use the gateway's model list",
    "headers": "pass extra_headers=... per call",
    "ssl_verify": "pass transport=httpx.HTTPTransport(verify=...) per call",
}


class ModuleSettingError(AttributeError):
    """A LiteLLM-style module setting was assigned on ``modelmux``; the message says what to write instead."""


#: LiteLLM's callback lists: modelmux's counterpart is the explicit registry in ``modelmux.callbacks``.
_CALLBACK_SETTINGS = frozenset(name for name, hint in LITELLM_SETTINGS.items() if hint is _CALLBACKS)


def _explain(name: str) -> str:
    if name in _CALLBACK_SETTINGS:
        return (
            f"'modelmux.{name}' is not a setting (a list assigned here could change calls already running); "
            f"{LITELLM_SETTINGS[name]}"
        )
    hint = LITELLM_SETTINGS[name] or (
        f"pass {name}=... to each call, or bind it once: "
        f"completion = functools.partial(modelmux.completion, {name}=...)"
    )
    return (
        f"modelmux has no process-wide settings: 'modelmux.{name}' would change every call in the process, "
        f"including calls in flight; {hint}"
    )


class GuardedModule(types.ModuleType):
    """The ``modelmux`` module's class: refuses LiteLLM's setting names, lets every other assignment through."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in LITELLM_SETTINGS and not _is_submodule(self, name, value):
            raise ModuleSettingError(_explain(name))
        super().__setattr__(name, value)


def _is_submodule(package: types.ModuleType, name: str, value: Any) -> bool:
    """The import system binding a subpackage of that name (``modelmux.callbacks``) on its parent."""
    return isinstance(value, types.ModuleType) and value.__name__ == f"{package.__name__}.{name}"


def missing(name: str) -> AttributeError:
    """The error for reading an attribute ``modelmux`` lacks (explaining LiteLLM's settings)."""
    if name in LITELLM_SETTINGS:
        return ModuleSettingError(_explain(name))
    from ._litellm_missing import LITELLM_MISSING

    if name in LITELLM_MISSING:
        return AttributeError(f"modelmux does not implement LiteLLM's {name!r}: {LITELLM_MISSING[name]}")
    return AttributeError(f"module 'modelmux' has no attribute {name!r}")
