"""The wire dialects Vertex AI speaks, reused from their own providers: only the endpoint and auth differ.

* ``google`` — the Gemini ``generateContent`` dialect, unchanged (``:generateContent``,
  ``:streamGenerateContent?alt=sse``), https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference.
* ``anthropic`` — the Messages API through ``:rawPredict`` / ``:streamRawPredict``: the same body without
  ``model`` (the URL names it) and with ``anthropic_version: "vertex-2023-10-16"``; the version travels in
  the body instead of the ``anthropic-version`` header, and the key header is not Anthropic's
  (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude).

Each dialect borrows the registered provider object's own contract methods (build, parse, stream, errors), so
changes to those providers reach Vertex without a copy here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ...errors import APIError
from .._base import BaseProvider, CallContext
from .map_publisher import split_model

__all__ = ["ANTHROPIC_VERTEX_VERSION", "DIALECTS", "Dialect", "map_vertex_error"]

#: https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude (request body)
ANTHROPIC_VERTEX_VERSION = "vertex-2023-10-16"
#: Headers of the Anthropic provider that Vertex must not get: its own key and the version (sent in the body).
_ANTHROPIC_ONLY_HEADERS = frozenset({"x-api-key", "anthropic-version"})


def _gemini() -> BaseProvider:
    from ..gemini import provider

    return provider


def _anthropic() -> BaseProvider:
    from ..anthropic import provider

    return provider


@dataclass(frozen=True, slots=True)
class Dialect:
    """A publisher's wire format on Vertex: which provider translates it and which methods the URL names."""

    publisher: str
    method: str
    stream_method: str

    @property
    def provider(self) -> Any:
        return _anthropic() if self.publisher == "anthropic" else _gemini()

    def build_body(self, params: dict[str, Any], ctx: CallContext) -> tuple[dict[str, Any], dict[str, str]]:
        """The native body, and the dialect's own headers that Vertex keeps (e.g. ``anthropic-beta``).

        The dialect's provider sees the bare model id: its per-model rules (Gemini 3's ``thinkingLevel``, a
        Claude model's profile) go by it, also when the caller wrote the publisher (``google/gemini-3.8-flash``).
        """
        native = self.provider.build_chat_request(params, replace(ctx, model=split_model(ctx.model)[1]))
        body: dict[str, Any] = dict(native.json)
        headers = {k: v for k, v in native.headers.items() if k.lower() not in _ANTHROPIC_ONLY_HEADERS}
        headers = {k: v for k, v in headers.items() if k.lower() != "x-goog-api-key"}
        if self.publisher == "anthropic":
            body.pop("model", None)
            body["anthropic_version"] = ANTHROPIC_VERTEX_VERSION
        return body, headers


#: Publisher → dialect (the publisher comes from ``map_publisher``).
DIALECTS: dict[str, Dialect] = {
    "google": Dialect("google", "generateContent", "streamGenerateContent?alt=sse"),
    "anthropic": Dialect("anthropic", "rawPredict", "streamRawPredict"),
}


def map_vertex_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    """An error answer: Anthropic's shape (``{"type": "error", …}``, passed through by ``rawPredict``) goes to
    the Anthropic mapping, everything else is Google's ``{"error": {code, message, status}}``."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    dialect = _anthropic() if isinstance(payload, dict) and payload.get("type") == "error" else _gemini()
    err: APIError = dialect.map_error(status, headers, body, ctx)
    err.provider = ctx.provider  # the dialect may name itself
    return err
