"""Which publisher (and so which wire dialect) serves a Vertex AI model id: one table, read in one place.

Vertex AI's Model Garden publishes Google's own models (``publishers/google``: Gemini, text embeddings,
the ``generateContent`` dialect) and partner models such as Anthropic's Claude (``publishers/anthropic``:
the Messages API through ``rawPredict``), https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/use-claude.
A model may also be written with its publisher, ``vertex/anthropic/claude-sonnet-4-5@20250929``.
"""

from __future__ import annotations

__all__ = ["DEFAULT_PUBLISHER", "PUBLISHER_BY_PREFIX", "split_model"]

#: Model id prefix → publisher. Anything else is taken as a Google model (the ``generateContent`` dialect).
PUBLISHER_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("claude-", "anthropic"),
    ("gemini-", "google"),
    ("text-embedding-", "google"),
    ("text-multilingual-embedding-", "google"),
)
DEFAULT_PUBLISHER = "google"
_PUBLISHERS = frozenset({"google", "anthropic"})


def split_model(model: str) -> tuple[str, str]:
    """``(publisher, model id)`` for a model as the caller wrote it after ``vertex/``."""
    head, sep, rest = model.partition("/")
    if sep and head in _PUBLISHERS and rest:
        return head, rest
    model = model.removeprefix("models/")
    for prefix, publisher in PUBLISHER_BY_PREFIX:
        if model.startswith(prefix):
            return publisher, model
    return DEFAULT_PUBLISHER, model
