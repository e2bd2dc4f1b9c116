"""The cost of an images, transcription, moderation or rerank result (what :func:`completion_cost` hands here).

Each kind is priced by what its provider bills (``None`` whenever that is not known, never an estimate):

* images: the answer's token ``usage`` when it has one (GPT image models), else ``per_image`` at the request's
  quality and size (stamped at call time, :mod:`.billing`; the entry's default cell when the caller set
  neither) times the images returned;
* transcriptions: ``per_audio_minute`` times the seconds the answer reports (``usage.seconds``, or
  ``verbose_json``'s ``duration``; else the length a WAV or FLAC upload's header states), or the answer's token
  ``usage`` for token-priced models;
* moderations: the entry's ``per_request`` fee (OpenAI's moderation endpoint is free: 0);
* rerank: ``per_1k_search_units`` times the search units the provider billed (Cohere's
  ``meta.billed_units.search_units``: it counts chunks of long documents, so a document count is no substitute).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..types import ImagesResponse, ModerationResponse, TranscriptionResponse
from ..types_rerank import RerankResponse
from .billing import Billing, billing_of
from .compute import _STANDARD, call_time, cost_for_usage
from .find_price import find_price
from .normalize_media_usage import audio_seconds, image_usage, transcription_usage
from .normalize_usage import TokenUsage
from .prices import ModelPrice, Prices, default_prices

__all__ = ["operation_cost"]


@dataclass(frozen=True, slots=True)
class _Call:
    """One result to price (read by key, as LiteLLM's results allow: a long answer is not copied to price it),
    the model and provider it is priced for, and the request's settings."""

    doc: Any
    entry: ModelPrice
    model: str
    provider: str | None
    tier: str | None
    prices: Prices
    billing: Billing | None
    size: str | None
    quality: str | None
    n: int | None
    at: float | None = None

    def tokens(self, usage: TokenUsage) -> float | None:
        costs = cost_for_usage(
            self.model, usage, provider=self.provider, service_tier=self.tier, prices=self.prices, at=self.at
        )
        return None if costs is None else costs[0] + costs[1]

    @property
    def standard_tier(self) -> bool:
        return self.tier in _STANDARD


def operation_cost(
    result: Any,
    *,
    model: str | None = None,
    provider: str | None = None,
    service_tier: str | None = None,
    prices: Prices | None = None,
    size: str | None = None,
    quality: str | None = None,
    n: int | None = None,
) -> float | None:
    """USD cost of ``result`` (an ``ImagesResponse``, ``TranscriptionResponse``, ``ModerationResponse`` or
    ``RerankResponse``), or ``None`` when its model, its price or a billed quantity is unknown. ``model=``,
    ``provider=``, ``size=``, ``quality=`` and ``n=`` override what the call stamped."""
    pricer = _PRICERS.get(type(result)) or next((p for t, p in _PRICERS.items() if isinstance(result, t)), None)
    if pricer is None:
        raise TypeError(f"cannot price a {type(result).__name__}")
    billing = billing_of(result)
    name = model or (billing.key if billing is not None else None) or result.get("model")
    if not isinstance(name, str) or not name:
        return None
    table = prices if prices is not None else default_prices()
    at = call_time({"created": result.get("created")})
    entry = find_price(table, name, provider, at)
    if entry is None:
        return None
    call = _Call(result, entry, name, provider, service_tier, table, billing, size, quality, n, at)
    return pricer(call)


def _image_cost(call: _Call) -> float | None:
    usage = call.doc.get("usage")
    if isinstance(usage, Mapping) and usage.get("input_tokens") is not None:
        return call.tokens(image_usage(usage))
    table = call.entry.units.per_image if call.entry.units is not None else None
    if table is None or not call.standard_tier:
        return None
    billing = call.billing
    quality = call.quality or (billing.quality if billing else None) or _text(call.doc.get("quality"))
    size = call.size or (billing.size if billing else None) or _text(call.doc.get("size"))
    each = table.price(quality, size)
    count = _images(call)
    return None if each is None or count is None else each * count


def _images(call: _Call) -> int | None:
    """How many images were billed: ``n=`` when given, else the images the answer holds, else the ``n`` asked."""
    if call.n is not None:
        return call.n
    data = call.doc.get("data")
    if isinstance(data, list) and data:
        return len(data)
    return call.billing.n if call.billing is not None else None


def _transcription_cost(call: _Call) -> float | None:
    per_minute = call.entry.units.per_audio_minute if call.entry.units is not None else None
    if per_minute is not None:
        seconds = audio_seconds(call.doc)
        if seconds is None and call.billing is not None:
            seconds = call.billing.seconds  # the upload's own header (WAV, FLAC), when the answer says nothing
        if seconds is None or not call.standard_tier:
            return None
        return seconds * per_minute / 60
    usage = call.doc.get("usage")
    tokens = transcription_usage(usage) if isinstance(usage, Mapping) else None
    return None if tokens is None else call.tokens(tokens)


def _moderation_cost(call: _Call) -> float | None:
    return call.entry.rates.per_request


def _rerank_cost(call: _Call) -> float | None:
    per_1k = call.entry.units.per_1k_search_units if call.entry.units is not None else None
    meta = call.doc.get("meta")
    billed = meta.get("billed_units") if isinstance(meta, Mapping) else None
    units = billed.get("search_units") if isinstance(billed, Mapping) else None
    if per_1k is None or not call.standard_tier or isinstance(units, bool) or not isinstance(units, (int, float)):
        return None
    if not 0 <= units < float("inf"):
        raise ValueError(f"billed search units {units!r}")
    return units * per_1k / 1000


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


#: Which pricing each result type takes (a subclass is priced as its base).
_PRICERS: dict[type, Callable[[_Call], float | None]] = {
    ImagesResponse: _image_cost,
    TranscriptionResponse: _transcription_cost,
    ModerationResponse: _moderation_cost,
    RerankResponse: _rerank_cost,
}
