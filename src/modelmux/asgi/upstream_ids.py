"""References to objects of the gateway's upstream account, refused unless the config allows them.

Every client key of the gateway calls a provider with the same upstream key, so an id of an object stored in that
account (an OpenAI file ``file-…``, vector store, container or conversation, an item of a stored response, an
Anthropic Files API ``file_…``) reaches whatever any other client key made there. The gateway itself creates none of
these for its clients (it has no files, vector stores or conversations endpoint; the responses it stores are kept per
key in its own store, see ``_responses.api._may_continue``), so a request naming one is refused with a 403
``upstream_object_id_not_allowed`` unless ``allow_upstream_object_ids = true`` (``[limits]`` for every key, or one
``[keys.<id>]``): a single-tenant deployment opts in. With no client keys configured (one tenant, loopback only) they
pass.

What is looked at (each request is walked only when the key is not allowed; chat's parts in the check every chat
request already makes, ``routes.check_chat``):

- chat completions: ``file`` content parts with a ``file_id``;
- Responses: ``conversation``, ``item_reference`` input items, any ``file_id`` / ``file_ids`` / ``vector_store_ids``
  in the input or the tools (``input_file``, ``input_image``, ``file_search``, ``code_interpreter``), and a
  ``code_interpreter`` tool's ``container`` given as an id;
- Anthropic Messages: any ``file_id`` in the messages (document, image and ``container_upload`` blocks, inside tool
  results too) and ``container`` (a code execution container's id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import HTTPError

__all__ = ["OPT_IN", "check_messages_ids", "check_responses_ids", "refused"]

OPT_IN = "allow_upstream_object_ids"

#: Keys whose values name objects of the upstream account.
_ID_KEYS = frozenset({"file_id", "file_ids", "vector_store_ids"})
#: Values that are free-form JSON of the client's or the model's (a tool's JSON schema, a tool call's arguments), where
#: a property named ``file_id`` is just a name.
_FREE_FORM = frozenset({"parameters", "input_schema", "input", "arguments", "schema"})
#: Nesting followed at most (the bodies are bounded already; this only stops a pathological depth).
_MAX_DEPTH = 32


def refused(param: str) -> HTTPError:
    return HTTPError(
        403,
        f"This API key may not refer to objects stored in the gateway's upstream account ({param}): every key of "
        f"this gateway shares that account. The operator can allow it with {OPT_IN} = true.",
        param=param,
        code="upstream_object_id_not_allowed",
    )


def _find(value: Any, at: str, depth: int = 0) -> str | None:
    """The path of the first upstream id inside ``value`` (mappings and lists, by key), or None."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        if value.get("type") == "item_reference":
            return f"{at}.id"
        for key, inner in value.items():
            if key in _ID_KEYS and inner not in (None, [], ""):
                return f"{at}.{key}"
            if isinstance(inner, (Mapping, list)) and key not in _FREE_FORM:
                found = _find(inner, f"{at}.{key}", depth + 1)
                if found is not None:
                    return found
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            if isinstance(inner, (Mapping, list)):
                found = _find(inner, f"{at}[{i}]", depth + 1)
                if found is not None:
                    return found
    return None


def check_responses_ids(body: Mapping[str, Any]) -> None:
    """403 for a Responses request that names an object of the upstream account."""
    if body.get("conversation") not in (None, ""):
        raise refused("conversation")
    found = _find(body.get("input"), "input") or _find(body.get("tools"), "tools")
    if found is not None:
        raise refused(found)
    for i, tool in enumerate(body.get("tools") or ()):
        if isinstance(tool, Mapping) and isinstance(tool.get("container"), str):
            raise refused(f"tools[{i}].container")


def check_messages_ids(body: Mapping[str, Any]) -> None:
    """403 for an Anthropic Messages request that names an object of the upstream account."""
    if body.get("container") not in (None, ""):
        raise refused("container")
    found = _find(body.get("messages"), "messages")
    if found is not None:
        raise refused(found)
