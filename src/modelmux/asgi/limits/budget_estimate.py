"""What a request may cost at most, reserved against its key's budget before the call (``BudgetGate``).

For a chat, Messages or Responses request the gate only refuses an exhausted budget when the request arrives; once
the body is read, the request's possible cost is reserved in one atomic check (refused with a 429 when it does not
fit) and settled with the real cost after. (Other endpoints, and ``reserve_max_cost = false``, hold the fixed
``spend_reserve`` from arrival.) Concurrent requests at a nearly exhausted budget are then admitted only while their
possible costs fit together, so the spend stays within the limit as far as the estimate is an upper bound:

- output: the request's own cap (``max_completion_tokens`` / ``max_tokens`` times ``n``; Messages ``max_tokens``;
  Responses ``max_output_tokens``), else the model's catalogued output limit: exact, reasoning tokens included;
- prompt: its text counted with modelmux's tokenizer, plus :data:`PROMPT_MARGIN` (a provider's tokenizer may count
  more) and a few tokens per message, priced at the higher of the input and cache-write rates (long-context tiers
  follow from the count). Images, audio and files are not counted (their inline data is skipped), nor per-call
  fees of server tools, nor the stored conversation a Responses ``previous_response_id`` adds: a request with them
  may cost more than it reserved.

A model without a price or an output cap reserves the fixed ``spend_reserve`` instead (no bound for it). A group
reserves for its most expensive deployment (not for the other models it may fall back to).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .budget_meter import METER

if TYPE_CHECKING:
    from ..request import Request

__all__ = ["PROMPT_MARGIN", "estimate_cost", "prompt_texts", "reserve_possible_cost"]

#: The prompt's token count is reserved with this margin over modelmux's tokenizer's.
PROMPT_MARGIN = 1.25
#: Tokens reserved per message or item (role, separators) and per request.
_PER_ITEM = 8
_PER_REQUEST = 16
#: Keys whose string values are inline binary data (base64), not text a tokenizer would see.
_BINARY = frozenset({"data", "file_data", "image_url", "url", "image", "audio"})
_MAX_DEPTH = 32


def prompt_texts(value: Any, depth: int = 0) -> Iterator[str]:
    """The strings of a request's prompt (messages, input, system, tools), inline binary data left out."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if not value.startswith("data:"):
            yield value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key not in _BINARY or isinstance(inner, (Mapping, list)):
                yield from prompt_texts(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            yield from prompt_texts(inner, depth + 1)


def _count(value: Any) -> int:
    from ...tokens import token_counter

    return token_counter(text=list(prompt_texts(value)))


def _output_cap(model: str, given: Any) -> int | None:
    if isinstance(given, int) and not isinstance(given, bool) and given > 0:
        return given
    from ...model_info import get_model_info

    try:
        cap = get_model_info(model).get("max_output_tokens")
    except Exception:  # an uncatalogued model: no cap known
        return None
    return cap if isinstance(cap, int) and cap > 0 else None


def _most(model: str, prompt: int, completion: int) -> float | None:
    """The most ``prompt`` tokens in and ``completion`` out cost on ``model`` (None: not priced)."""
    from ...cost import cost_per_token

    plain = cost_per_token(model, prompt, completion)
    if plain is None:
        return None
    written = cost_per_token(model, prompt, completion, cache_creation_tokens=prompt, cache_creation_1h_tokens=prompt)
    return max(sum(plain), sum(written) if written is not None else 0.0)


def estimate_cost(models: Sequence[str], prompt: Sequence[Any], output: Any, n: Any = 1) -> float | None:
    """The most a request may cost on the costliest of ``models`` (USD), or None when none is priced and capped.

    Args:
        prompt: what the model reads, its messages or input items first (then system, tools…).
        output: the request's output cap (None: the model's own).
        n: choices asked for (chat's ``n``).
    """
    items = len(prompt[0]) if prompt and isinstance(prompt[0], list) else 1
    tokens = math.ceil(_count(list(prompt)) * PROMPT_MARGIN) + _PER_ITEM * items + _PER_REQUEST
    choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
    costs: list[float] = []
    for model in models:
        cap = _output_cap(model, output)
        if cap is None:
            continue
        cost = _most(model, tokens, cap * choices)
        if cost is not None and cost == cost:
            costs.append(cost)
    return max(costs) if costs else None


async def reserve_possible_cost(
    request: Request, models: Sequence[str], prompt: Sequence[Any], output: Any, n: Any = 1
) -> None:
    """Raise the request's budget reservation to its possible cost (429 when it does not fit); nothing for a key
    without a budget."""
    meter = METER.get()
    if meter is None or meter.reserve is None:
        return
    from ..validate import sized

    await meter.reserve(await sized(request, estimate_cost, models, prompt, output, n))
