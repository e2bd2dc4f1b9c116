"""The pricing schema, the bundled price file and the explicit ways to replace or override it.

Rates are USD per million tokens, as the providers publish them. A model's entry (``data/prices.json``)::

    "anthropic/claude-sonnet-4-5": {
        "source": "https://…", "aliases": ["claude-sonnet-4-5-20250929"],
        "input": 3, "output": 15, "cache_read": 0.3, "cache_write_5m": 3.75, "cache_write_1h": 6,
        "long_context": {"threshold": 200000, "input": 6, "output": 22.5, …},
        "tiers": {"batch": {"multiplier": 0.5}, "priority": {"input": …}}
    }

``long_context`` rates replace the base ones for the whole request once the prompt (cached tokens
included) is above ``threshold``; a tier (``batch``, ``flex``, ``priority``) is either a ``multiplier``
of the resolved rates or a full rate set of its own (which may carry its own ``long_context``).
A price the provider has announced will change on a date (a promotional rate that ends) is written as
``"changes": {"2027-01-01": {"input": 1.5, "output": 9, …}}``: from 00:00 UTC that day, the fields given
there replace the entry's own (rates one by one; a ``long_context``, a tier or a unit table whole), and a
cost is priced at the time of its call (a response's ``created``; the present otherwise).
``"geo": {"us": 1.1}`` multiplies every token price of a call whose usage says it ran in that region
(Anthropic's ``usage.inference_geo``); ``"global"`` or no region is the standard price.
Images, audio minutes, rerank search units and billable characters are priced per unit (``per_image``,
``per_audio_minute``, ``per_1k_search_units``, ``per_1k_characters``: see :mod:`modelmux.cost.unit_prices`).
Nothing here reads a file or the network until asked: the bundled file is parsed on first use, and
the process-wide default only changes through :func:`set_default_prices`.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from typing import Any

from .unit_prices import UNIT_KEYS, UnitPrices, parse_units

__all__ = ["ModelPrice", "Prices", "Rates", "default_prices", "load_prices", "set_default_prices"]

#: Every per-token rate a price entry may carry (USD per 1M tokens); ``per_request`` is USD per request
#: and ``web_search`` USD per server-side search request.
RATE_FIELDS = (
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "reasoning",
    "input_audio",
    "output_audio",
    "cache_read_audio",
    "input_image",
    "output_image",
    "per_request",
    "web_search",
)


_FLAT_FEES = frozenset({"per_request", "web_search"})


@dataclass(frozen=True, slots=True)
class Rates:
    """One set of rates; ``None`` means the provider publishes no such price (a cost needing it is unknown)."""

    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write_5m: float | None = None
    cache_write_1h: float | None = None
    #: Reasoning tokens; ``None`` bills them at ``output`` (every provider here does so).
    reasoning: float | None = None
    input_audio: float | None = None
    output_audio: float | None = None
    cache_read_audio: float | None = None
    input_image: float | None = None
    output_image: float | None = None
    per_request: float | None = None
    web_search: float | None = None

    def scaled(self, multiplier: float) -> Rates:
        """Token rates times ``multiplier`` (a batch or flex discount); per-request fees stay as they are."""
        return Rates(**{f: (v if v is None or f in _FLAT_FEES else v * multiplier) for f, v in _items(self)})

    def updated(self, other: Rates) -> Rates:
        return Rates(**{f: (v if v is not None else getattr(self, f)) for f, v in _items(other)})


@dataclass(frozen=True, slots=True)
class Tier:
    """A service tier's or the batch API's price: a multiplier of the standard rates, or rates of its own."""

    multiplier: float | None = None
    rates: Rates | None = None
    long_context: LongContext | None = None


@dataclass(frozen=True, slots=True)
class LongContext:
    threshold: int
    rates: Rates


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """The price of one model: base rates, an optional long-context tier and service tiers."""

    rates: Rates
    source: str
    long_context: LongContext | None = None
    tiers: Mapping[str, Tier] = field(default_factory=dict)
    #: Prices per image, audio minute, search unit or character (``unit_prices.py``); ``None``: tokens only.
    units: UnitPrices | None = None
    #: ``(effective from, entry)`` in time order: the whole entry as it stands from that UTC instant (unix
    #: seconds) on, each with the changes before it folded in (see :meth:`at`).
    changes: tuple[tuple[float, ModelPrice], ...] = ()
    #: Multipliers of every token price by where inference ran (``{"us": 1.1}``: Anthropic's US-only inference);
    #: empty: the model is priced the same wherever it runs.
    geo: Mapping[str, float] = field(default_factory=dict)

    def at(self, when: float | None = None) -> ModelPrice:
        """The entry as it applies at ``when`` (unix seconds; ``None``: now)."""
        if not self.changes:
            return self
        now = time.time() if when is None else when
        current = self
        for start, entry in self.changes:
            if now < start:
                break
            current = entry
        return current

    def resolve(self, prompt_tokens: int, tier: str | None) -> Rates | None:
        """The rates for a request of ``prompt_tokens`` (cached included) in ``tier``; ``None``: no such tier."""
        rates = _apply_long(self.rates, self.long_context, prompt_tokens)
        if tier is None:
            return rates
        found = self.tiers.get(tier)
        if found is None:
            return None
        if found.rates is not None:
            return _apply_long(found.rates, found.long_context, prompt_tokens)
        return rates.scaled(found.multiplier if found.multiplier is not None else 1.0)


def _apply_long(rates: Rates, long: LongContext | None, prompt_tokens: int) -> Rates:
    return rates.updated(long.rates) if long is not None and prompt_tokens > long.threshold else rates


def _items(rates: Rates) -> list[tuple[str, float | None]]:
    return [(f.name, getattr(rates, f.name)) for f in fields(rates)]


class Prices:
    """An immutable price table: ``provider/model`` → :class:`ModelPrice`, with the file's ``updated`` date.

    Pass one to ``completion_cost(..., prices=)``, or make it the process-wide default with
    :func:`set_default_prices`.
    """

    __slots__ = ("_aliases", "_models", "updated")

    def __init__(self, models: Mapping[str, ModelPrice], updated: str, aliases: Mapping[str, str] | None = None):
        self._models = dict(models)
        self._aliases = dict(aliases or {})
        self.updated = updated

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Prices:
        """Parse a price document (the ``prices.json`` format); raises ``ValueError`` on a malformed one."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("models"), Mapping):
            raise ValueError("a price file is a JSON object with a 'models' object")
        updated = doc.get("updated")
        if not isinstance(updated, str) or not updated:
            raise ValueError("a price file needs an 'updated' date (YYYY-MM-DD)")
        models: dict[str, ModelPrice] = {}
        aliases: dict[str, str] = {}
        for key, entry in doc["models"].items():
            models[key] = parse_entry(key, entry)
            provider = key.partition("/")[0]
            for alias in entry.get("aliases", ()):
                aliases[f"{provider}/{alias}"] = key
        return cls(models, updated, aliases)

    def get(self, key: str) -> ModelPrice | None:
        """The entry for ``provider/model`` (or an alias of one)."""
        return self._models.get(key) or self._models.get(self._aliases.get(key, ""))

    def __iter__(self) -> Iterator[str]:
        """The ``provider/model`` keys, sorted."""
        return iter(sorted(self._models))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        return len(self._models)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Prices:
        """A copy where each ``provider/model`` in ``overrides`` gets the given fields (merged over its entry,
        or a new entry; ``source`` defaults to ``"user override"``)."""
        models = dict(self._models)
        for key, fields_ in overrides.items():
            if "/" not in key:
                raise ValueError(f"override keys are 'provider/model', got {key!r}")
            canonical = self._aliases.get(key, key)
            base = models.get(canonical)
            models[canonical] = _merge(base, canonical, fields_)
        return Prices(models, self.updated, self._aliases)

    def __repr__(self) -> str:
        return f"Prices({len(self._models)} models, updated={self.updated!r})"


def parse_entry(key: str, entry: Any) -> ModelPrice:
    if "/" not in key:
        raise ValueError(f"price keys are 'provider/model', got {key!r}")
    if not isinstance(entry, Mapping):
        raise ValueError(f"{key}: a price entry is an object")
    source = entry.get("source")
    if not isinstance(source, str) or not source:
        raise ValueError(f"{key}: every price entry needs a 'source'")
    tiers_doc = entry.get("tiers") or {}
    if not isinstance(tiers_doc, Mapping):
        raise ValueError(f"{key}: 'tiers' is an object")
    base = ModelPrice(
        rates=_rates(key, entry, _ENTRY_KEYS),
        source=source,
        long_context=_long(key, entry.get("long_context")),
        tiers={name: _tier(f"{key}.tiers.{name}", t) for name, t in tiers_doc.items()},
        units=parse_units(key, entry),
        geo=_geo(key, entry.get("geo")),
    )
    return _with_changes(key, base, entry.get("changes"))


def _geo(where: str, doc: Any) -> dict[str, float]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping) or not all(isinstance(k, str) and k for k in doc):
        raise ValueError(f'{where}.geo: an object of region -> multiplier (e.g. {{"us": 1.1}})')
    return {k: _number(f"{where}.geo.{k}", v) for k, v in doc.items()}


def _with_changes(key: str, base: ModelPrice, doc: Any) -> ModelPrice:
    """``base`` carrying its dated changes (``{"YYYY-MM-DD": {fields}}``), each folded over the one before."""
    if doc is None:
        return base
    if not isinstance(doc, Mapping) or not doc:
        raise ValueError(f"{key}.changes: an object of 'YYYY-MM-DD' dates, each with the fields that change then")
    timeline: list[tuple[float, ModelPrice]] = []
    current = base
    for day in sorted(doc):
        fields_ = doc[day]
        where = f"{key}.changes.{day}"
        try:
            start = datetime.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp()
        except (TypeError, ValueError):
            raise ValueError(f"{where}: a change is keyed by its date, YYYY-MM-DD (UTC)") from None
        if not isinstance(fields_, Mapping) or not fields_:
            raise ValueError(f"{where}: the fields that change, as an object")
        if set(fields_) & {"source", "aliases", "changes"}:
            raise ValueError(f"{where}: a change gives prices only (not source, aliases or changes)")
        current = _merge(current, where, fields_)
        timeline.append((start, replace(current, source=base.source)))
    return replace(base, changes=tuple(timeline))


#: Keys besides the rates that each level of an entry may hold (anything else is a typo, refused at load).
_ENTRY_KEYS = frozenset({"source", "aliases", "long_context", "tiers", "note", "changes", "geo"}) | UNIT_KEYS
_LONG_KEYS = frozenset({"threshold"})
_TIER_KEYS = frozenset({"multiplier", "long_context", "source", "note"})


def _rates(where: str, doc: Mapping[str, Any], allowed: frozenset[str]) -> Rates:
    unknown = set(doc) - set(RATE_FIELDS) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown price field(s) {sorted(unknown)}; known: {', '.join(RATE_FIELDS)}")
    values: dict[str, float] = {}
    for name in RATE_FIELDS:
        if name in doc and doc[name] is not None:
            values[name] = _number(f"{where}.{name}", doc[name])
    return Rates(**values)


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: a price is a non-negative number, got {value!r}")
    return float(value)


def _long(where: str, doc: Any) -> LongContext | None:
    if doc is None:
        return None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("threshold"), int):
        raise ValueError(f"{where}.long_context needs an integer 'threshold'")
    return LongContext(doc["threshold"], _rates(f"{where}.long_context", doc, _LONG_KEYS))


def _tier(where: str, doc: Any) -> Tier:
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where}: a tier is an object")
    if "multiplier" in doc:
        extra = set(doc) - {"multiplier", "source", "note"}
        if extra:
            raise ValueError(f"{where}: a multiplier tier takes no rates of its own, got {sorted(extra)}")
        return Tier(multiplier=_number(f"{where}.multiplier", doc["multiplier"]))
    return Tier(rates=_rates(where, doc, _TIER_KEYS), long_context=_long(where, doc.get("long_context")))


def _merge(base: ModelPrice | None, key: str, doc: Mapping[str, Any]) -> ModelPrice:
    if base is None:
        return parse_entry(key, {"source": "user override", **doc})
    new = parse_entry(key, {"source": base.source, **doc})
    merged = replace(
        base,
        rates=base.rates.updated(new.rates),
        source=new.source,
        long_context=new.long_context or base.long_context,
        tiers={**base.tiers, **new.tiers},
        units=new.units or base.units,
        geo=new.geo or base.geo,
        changes=(),
    )
    # an override is the caller's price from now on: the bundled entry's dated changes would undo it
    return _with_changes(key, merged, doc.get("changes"))


def load_prices(path: str | os.PathLike[str] | Mapping[str, Any]) -> Prices:
    """A :class:`Prices` from a JSON file in the ``prices.json`` format (or an already parsed document).

    It does not become the default by itself: pass it as ``prices=`` or to :func:`set_default_prices`.
    """
    if isinstance(path, Mapping):
        return Prices.from_dict(path)
    with open(path, encoding="utf-8") as fh:
        return Prices.from_dict(json.load(fh))


@functools.lru_cache(maxsize=1)
def bundled_prices() -> Prices:
    """The price file shipped in the package (``modelmux/data/prices.json``), parsed on first use."""
    text = resources.files("modelmux").joinpath("data/prices.json").read_text("utf-8")
    return Prices.from_dict(json.loads(text))


_default: Prices | None = None


def default_prices() -> Prices:
    """The process-wide default: the bundled prices unless :func:`set_default_prices` chose others."""
    return _default if _default is not None else bundled_prices()


def set_default_prices(prices: Prices | None) -> None:
    """Make ``prices`` the default for every later cost computation (``None``: back to the bundled file).

    Each computation reads the default once, so a call in progress never mixes two tables.
    """
    global _default
    if prices is not None and not isinstance(prices, Prices):
        raise TypeError("set_default_prices() takes a modelmux.Prices (see modelmux.load_prices)")
    _default = prices
