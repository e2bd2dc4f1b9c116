"""A Mistral ``/v1/moderations`` answer → OpenAI's ``ModerationCreateResponse`` shape.

Mistral answers ``{"id", "model", "results": [{"categories": {name: bool}, "category_scores": {name: float}}]}``
(docs.mistral.ai/api, "Moderations"; the ``mistralai`` SDK's ``ModerationResponse``/``ModerationObject``, where both
maps are optional): there is no ``flagged``. A result is flagged when any of its categories is (OpenAI's meaning of
the field); the category names stay Mistral's own (``hate_and_discrimination``, ``jailbreaking``…).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...types import ModerationResponse

__all__ = ["parse_mistral_moderation"]


def parse_mistral_moderation(body: bytes) -> ModerationResponse:
    """Validate the answer with ``flagged`` filled in (an answer that is not Mistral's shape fails validation)."""
    doc = json.loads(body)
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        doc = {**doc, "results": [_result(r) for r in doc["results"]]}
    return ModerationResponse.model_validate(doc)


def _result(result: Any) -> Any:
    if not isinstance(result, Mapping) or "flagged" in result:
        return result
    categories = result.get("categories") or {}
    scores = result.get("category_scores") or {}
    flagged = isinstance(categories, Mapping) and any(v is True for v in categories.values())
    return {**result, "flagged": flagged, "categories": categories, "category_scores": scores}
