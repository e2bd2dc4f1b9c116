"""Cost of calls from bundled, dated prices (nothing is fetched): see :func:`completion_cost`."""

from .compute import completion_cost, cost_for_usage, cost_per_token
from .normalize_usage import TokenUsage, normalize_usage
from .prices import ModelPrice, Prices, Rates, bundled_prices, default_prices, load_prices, set_default_prices

__all__ = [
    "ModelPrice",
    "Prices",
    "Rates",
    "TokenUsage",
    "bundled_prices",
    "completion_cost",
    "cost_for_usage",
    "cost_per_token",
    "default_prices",
    "load_prices",
    "normalize_usage",
    "set_default_prices",
]
