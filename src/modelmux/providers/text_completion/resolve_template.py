"""Which chat template a call uses: the ``chat_template=`` argument, else the catalog's choice for the model.

``chat_template`` may be a family name (``llama3``, ``qwen2.5``… see :data:`FAMILIES`), a jinja template string, a path
to a ``tokenizer_config.json`` (its ``chat_template``, ``bos_token`` and ``eos_token`` are used; a list of named
templates picks ``tool_use`` when tools are given, else ``default``, as transformers does) or to a ``.jinja`` file, or
an already-parsed tokenizer config (a mapping). The catalog's ``chat_templates`` section maps model ids (the full
Hugging Face id, or its last part, compared without case) to a family.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import BadRequestError
from .families import FAMILIES, Family, family_template

__all__ = ["ChatTemplate", "catalog_family", "resolve_template"]

#: The largest tokenizer_config.json read (real ones are well under 1 MB even with their added-token tables).
_MAX_CONFIG_BYTES = 8_000_000


@dataclass(frozen=True, slots=True)
class ChatTemplate:
    """A template and what goes with it."""

    text: str
    bos_token: str = ""
    eos_token: str = ""
    stop: tuple[str, ...] = ()
    tools: str | None = None
    reasoning: str | None = None
    family: str | None = None


def _from_family(family: Family) -> ChatTemplate:
    return ChatTemplate(
        family_template(family),
        family.bos_token,
        family.eos_token,
        family.stop,
        family.tools,
        family.reasoning,
        family.name,
    )


def _custom(text: str, bos: str = "", eos: str = "") -> ChatTemplate:
    """A caller's template: its tool syntax and reasoning tags are recognised from the markers the template writes."""
    tools = (
        "hermes" if "<tool_call>" in text else "llama3_json" if "<|python_tag|>" in text or "ipython" in text else None
    )
    reasoning = "think" if "</think>" in text else None
    return ChatTemplate(text, bos, eos, (eos,) if eos else (), tools, reasoning)


def _token(value: Any) -> str:
    # tokenizer_config.json writes special tokens as strings or as AddedToken objects {"content": ...}.
    if isinstance(value, Mapping):
        value = value.get("content")
    return value if isinstance(value, str) else ""


def _from_config(config: Mapping[str, Any], has_tools: bool) -> ChatTemplate:
    template = config.get("chat_template")
    if isinstance(template, list):
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, Mapping)}
        template = named.get("tool_use") if has_tools and named.get("tool_use") else named.get("default")
    if not isinstance(template, str) or not template:
        raise BadRequestError("the tokenizer config has no chat_template", param="chat_template")
    return _custom(template, _token(config.get("bos_token")), _token(config.get("eos_token")))


def _from_path(path: Path, has_tools: bool) -> ChatTemplate:
    try:
        stat = path.stat()
    except OSError as exc:
        raise BadRequestError(
            f"cannot read the chat template file {path.name!r}: {exc}", param="chat_template"
        ) from None
    if stat.st_size > _MAX_CONFIG_BYTES:
        raise BadRequestError(f"chat template file larger than {_MAX_CONFIG_BYTES} bytes", param="chat_template")
    # A tokenizer_config.json can weigh a few hundred kB (its added-token table): read and parsed once per version.
    return _load(str(path), stat.st_mtime_ns, stat.st_size, has_tools)


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int, has_tools: bool) -> ChatTemplate:
    name = Path(path).name
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"cannot read the chat template file {name!r}: {exc}", param="chat_template") from None
    if not path.endswith(".json"):
        return _custom(text)
    try:
        config = json.loads(text)
    except ValueError:
        raise BadRequestError(f"{name!r} is not valid JSON", param="chat_template") from None
    if not isinstance(config, Mapping):
        raise BadRequestError(f"{name!r} is not a tokenizer config object", param="chat_template")
    return _from_config(config, has_tools)


@functools.lru_cache(maxsize=1)
def _catalog_templates() -> dict[str, str]:
    from ..._registry import _catalog_doc

    rows: dict[str, str] = _catalog_doc().get("chat_templates", {})
    by_id = {k.lower(): v for k, v in rows.items() if not k.startswith("_")}
    # The last part alone too (llama.cpp and Ollama-style names drop the organisation); full ids win.
    return {**{k.rsplit("/", 1)[-1]: v for k, v in by_id.items()}, **by_id}


def catalog_family(model: str) -> str | None:
    """The family the catalog gives ``model`` (its full id, or the id's last path part), if any."""
    rows = _catalog_templates()
    key = model.lower()
    return rows.get(key) or rows.get(key.rsplit("/", 1)[-1])


def resolve_template(model: str, given: Any, has_tools: bool) -> ChatTemplate:
    """The template for this call.

    Raises:
        BadRequestError: nothing names a template for the model, or the named one cannot be used.
    """
    if given is None:
        name = catalog_family(model)
        if name is None:
            raise BadRequestError(
                f"no chat template is known for model {model!r}: pass chat_template= with a family name "
                f"({', '.join(sorted(FAMILIES))}), a jinja template, or a tokenizer_config.json path",
                param="chat_template",
            )
        return _from_family(FAMILIES[name])
    if isinstance(given, Mapping):
        return _from_config(given, has_tools)
    if isinstance(given, os.PathLike):
        return _from_path(Path(given), has_tools)
    if not isinstance(given, str) or not given:
        raise BadRequestError("chat_template must be a non-empty string, a path or a mapping", param="chat_template")
    family = FAMILIES.get(given.lower())
    if family is not None:
        return _from_family(family)
    if "{{" in given or "{%" in given:
        return _custom(given)
    if given.endswith((".json", ".jinja", ".j2")):
        return _from_path(Path(given), has_tools)
    raise BadRequestError(
        f"unknown chat template {given!r}: use a family name ({', '.join(sorted(FAMILIES))}), a jinja template, "
        "or a tokenizer_config.json path",
        param="chat_template",
    )
