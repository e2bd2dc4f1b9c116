"""Chat templates → prompt strings, rendered the way Hugging Face ``transformers`` renders them, in a sandbox.

Templates are untrusted code (a caller's string, a downloaded ``tokenizer_config.json``), so they run in
:class:`jinja2.sandbox.ImmutableSandboxedEnvironment`: no access to underscore attributes (``__class__``,
``__globals__``…), no mutation of the lists and dicts they are given, ``range`` capped by jinja. The environment has
what HF chat templates expect (transformers' ``chat_template_utils``): ``trim_blocks``/``lstrip_blocks``, the
``loopcontrols`` extension (``break``/``continue``), a ``tojson`` filter that does not HTML-escape (``json.dumps``
with ``ensure_ascii=False`` and the ``indent``/``separators``/``sort_keys`` options), and the globals
``raise_exception``, ``strftime_now``, ``dict`` and ``namespace`` (which refuses underscore names).
Compiled templates are cached by their text.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ...errors import BadRequestError

__all__ = ["MAX_PROMPT_CHARS", "MAX_TEMPLATE_CHARS", "compile_template", "render_prompt"]

#: The longest template accepted (HF's longest shipped templates are ~20 kB).
MAX_TEMPLATE_CHARS = 200_000
#: The longest prompt a template may write (far beyond any context window: ~2.5M tokens), so a runaway template
#: fails instead of filling memory.
MAX_PROMPT_CHARS = 10_000_000


class TemplateRaisedError(jinja2.TemplateError):
    """The template called ``raise_exception`` (e.g. roles that do not alternate)."""


def _raise_exception(message: Any) -> None:
    raise TemplateRaisedError(str(message))


def _tojson(
    value: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None, sort_keys: bool = False
) -> str:
    # jinja's own tojson escapes <, >, & and ' for HTML; prompts need the plain JSON HF renders.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


class _TemplateDict:
    """``dict(...)`` for templates, without handing them the ``dict`` type itself."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict(*args, **kwargs)


class _Namespace(jinja2.utils.Namespace):
    """jinja's ``namespace``, refusing underscore names (as transformers does) so nothing shadows internals."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # jinja's own signature trick: no named self
        self, rest = args[0], args[1:]
        attrs = dict(*rest, **kwargs)
        for name in attrs:
            _Namespace._check(name)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _Namespace._check(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(f"a chat template cannot set the attribute {name!r}")


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.globals["dict"] = _TemplateDict()
    env.globals["namespace"] = _Namespace
    return env


@functools.lru_cache(maxsize=64)
def compile_template(text: str) -> jinja2.Template:
    """Compile a chat template once per distinct text.

    Raises:
        BadRequestError: the template is too long or is not valid jinja.
    """
    if len(text) > MAX_TEMPLATE_CHARS:
        raise BadRequestError(f"chat template longer than {MAX_TEMPLATE_CHARS} characters", param="chat_template")
    try:
        return _environment().from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise BadRequestError(f"chat template is not valid jinja: {exc.message}", param="chat_template") from None


def render_prompt(
    template: str,
    messages: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]] | None,
    bos_token: str,
    eos_token: str,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The prompt for ``messages``, with the generation prompt added (the model answers next).

    ``extra`` are further template variables (``chat_template_kwargs``, e.g. ``enable_thinking``); they may also
    override ``bos_token``/``eos_token``.

    Raises:
        BadRequestError: the template raised (``raise_exception``), broke the sandbox's rules or failed.
    """
    compiled = compile_template(template)
    context: dict[str, Any] = {
        "messages": messages,
        "tools": tools,
        "add_generation_prompt": True,
        "bos_token": bos_token,
        "eos_token": eos_token,
    }
    if extra:
        context.update(extra)
    try:
        parts: list[str] = []
        size = 0
        for part in compiled.generate(**context):
            size += len(part)
            if size > MAX_PROMPT_CHARS:
                raise BadRequestError(
                    f"the chat template wrote more than {MAX_PROMPT_CHARS} characters", param="chat_template"
                )
            parts.append(part)
        return "".join(parts)
    except TemplateRaisedError as exc:
        raise BadRequestError(f"the chat template refused the conversation: {exc.message}", param="messages") from None
    except jinja2.exceptions.SecurityError as exc:
        raise BadRequestError(f"the chat template did something unsafe: {exc}", param="chat_template") from None
    except (
        jinja2.TemplateError,
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise BadRequestError(f"the chat template failed: {type(exc).__name__}: {exc}", param="chat_template") from None
