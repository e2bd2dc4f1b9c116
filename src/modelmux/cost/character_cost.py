"""The cost of a result billed per character rather than per token.

Vertex AI bills its legacy text embedding models (``text-embedding-005``, ``text-multilingual-embedding-002``)
per 1,000 input characters (https://cloud.google.com/vertex-ai/generative-ai/pricing, "other text embedding
models"). Which characters are billable is Google's rule, so the count is Google's own: ``:predict`` answers
``metadata.billableCharacterCount``, which the Vertex translation stamps on the result (:mod:`.billing`). It is
never counted here from the input: an answer without it (or with a malformed one) costs ``None``, never a guess.
An entry with ``per_1k_characters`` is priced on it alone (its token rates, if any, are not used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .billing import billing_of
from .find_price import find_price
from .prices import Prices, default_prices

__all__ = ["PerCharacter", "character_price"]


@dataclass(frozen=True, slots=True)
class PerCharacter:
    """The billable ``characters`` a result reports and its model's USD price per 1,000 of them."""

    characters: Any
    per_1k: float

    def cost(self) -> float | None:
        """USD at the standard (online) rate, or ``None`` for a malformed count."""
        count = self.characters
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return None
        return count * self.per_1k / 1000


def character_price(
    result: Any, model: str | None = None, provider: str | None = None, prices: Prices | None = None
) -> PerCharacter | None:
    """What ``result`` costs per character, when its model (``model=``, else the ``provider/model`` stamped on it)
    has a ``per_1k_characters`` price and the provider's character count is stamped on it; ``None`` otherwise
    (the result is then priced as before: by tokens, which a per-character entry leaves unknown)."""
    billing = billing_of(result)
    if billing is None or billing.characters is None:
        return None
    entry = find_price(prices if prices is not None else default_prices(), model or billing.key, provider)
    per_1k = entry.units.per_1k_characters if entry is not None and entry.units is not None else None
    return None if per_1k is None else PerCharacter(billing.characters, per_1k)
