"""``service_tier`` values OpenAI does not know (Groq ``on_demand``, ``flex``-like vendor tiers…).

OpenAI's own response types accept only OpenAI's tiers (API reference, "The chat completion object":
``service_tier``), so a vendor's own value would make the answer invalid as an OpenAI object. It is kept as
``native_service_tier`` instead, as ``native_finish_reason`` keeps a vendor's finish reason.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPENAI_SERVICE_TIERS", "move_native_service_tier"]

OPENAI_SERVICE_TIERS = frozenset({"auto", "default", "flex", "scale", "priority", "fast"})


def move_native_service_tier(obj: Any) -> None:
    """On a validated completion or chunk: a non-OpenAI ``service_tier`` becomes ``native_service_tier``."""
    extra = obj.__pydantic_extra__
    if not extra:
        return
    tier = extra.get("service_tier")
    if tier is not None and tier not in OPENAI_SERVICE_TIERS:
        del extra["service_tier"]
        extra["native_service_tier"] = tier
