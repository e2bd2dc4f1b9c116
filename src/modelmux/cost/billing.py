"""What a non-chat result is priced by that its answer does not say, stamped on it when the call returns.

OpenAI's images answer names neither the model nor the size and quality billed; a transcription or a rerank
answer does not name its model either. The operation functions (``image_generation``, ``transcription``,
``moderation``, ``rerank``) stamp a :class:`Billing` on the result they return, as a private attribute (never
part of its JSON, like ``_hidden_params``), so ``response_cost`` and the gateway's cost accounting can price it.
A provider whose native answer states a billed quantity the OpenAI shape has no field for stamps it the same way
when it parses the answer (Vertex AI's ``:predict`` embeddings: ``metadata.billableCharacterCount``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["BILLING", "Billing", "billing_of", "stamp_billing"]

#: The attribute a result carries its :class:`Billing` in.
BILLING = "_billing"

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Billing:
    """The provider and model that answered, and the request's own billed settings (images: ``size``,
    ``quality``, ``n``; ``None`` when the caller left them to the provider's default); a transcription's
    ``seconds`` of audio when the upload's header states them (:mod:`.audio_length`); the billable input
    ``characters`` the provider reported (priced by an entry's ``per_1k_characters``)."""

    provider: str
    model: str
    size: str | None = None
    quality: str | None = None
    n: int | None = None
    seconds: float | None = None
    characters: int | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"


def stamp_billing(
    result: R,
    provider: str,
    model: str,
    params: Mapping[str, Any] | None = None,
    *,
    seconds: float | None = None,
    characters: int | None = None,
) -> R:
    """``result`` with a :class:`Billing` of the call (``params``: the request as sent); a plain ``str`` answer
    (a ``text`` transcription) cannot carry one and is returned as it is."""
    params = params or {}
    size, quality, n = params.get("size"), params.get("quality"), params.get("n")
    billing = Billing(
        provider,
        model,
        size if isinstance(size, str) else None,
        quality if isinstance(quality, str) else None,
        n if type(n) is int else None,
        seconds,
        characters,
    )
    with contextlib.suppress(AttributeError, TypeError):
        setattr(result, BILLING, billing)
    return result


def billing_of(result: Any) -> Billing | None:
    found = getattr(result, BILLING, None)
    return found if isinstance(found, Billing) else None
