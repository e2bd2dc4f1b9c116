"""Token counting with tiktoken on the rank files shipped in the package: no download, ever.

OpenAI models use their own encoding (``o200k_base`` for gpt-4o, gpt-4.1, gpt-5 and the o-series;
``cl100k_base`` for gpt-4, gpt-3.5 and embeddings). Other providers do not publish their
tokenizers; for them the count is an *approximation*: the ``o200k_base`` count of the same text,
which is usually within about 15% of what Anthropic or Gemini report.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tiktoken

__all__ = ["encoding_for_model", "token_counter"]

# The published split patterns of the two encodings (part of their definition, like the rank files).
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_ENCODINGS: dict[str, tuple[str, str, dict[str, int]]] = {
    "o200k_base": (
        _O200K_PATTERN,
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": (
        _CL100K_PATTERN,
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}
#: Model-id prefixes of OpenAI models on cl100k_base; every other model uses o200k_base.
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "text-embedding-", "davinci", "babbage")
_lock = threading.Lock()


@functools.cache
def _load(name: str) -> tiktoken.Encoding:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    pattern, sha256, special = _ENCODINGS[name]
    path = resources.files("modelmux").joinpath(f"data/tiktoken/{name}.tiktoken")
    with _lock, resources.as_file(path) as real:
        ranks = load_tiktoken_bpe(str(real), expected_hash=sha256)
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The tiktoken encoding used to count ``model`` 's tokens (``provider/`` prefix allowed)."""
    bare = model.rsplit("/", 1)[-1]
    exact_cl100k = bare in ("gpt-4", "gpt-3.5-turbo")
    return _load("cl100k_base" if exact_cl100k or bare.startswith(_CL100K_PREFIXES) else "o200k_base")


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def token_counter(
    model: str = "gpt-4o",
    messages: list[dict[str, Any]] | None = None,
    text: str | list[str] | None = None,
) -> int:
    """Count tokens of ``text`` or of chat ``messages`` as ``model`` sees them.

    For messages, OpenAI's accounting is used: 3 tokens per message, 1 more for a ``name``,
    and 3 that prime the reply. Tool calls count their name and arguments.
    """
    enc = encoding_for_model(model)
    if text is not None:
        texts = [text] if isinstance(text, str) else text
        return sum(len(enc.encode(t, disallowed_special=())) for t in texts)
    if messages is None:
        raise ValueError("token_counter() needs messages= or text=")
    total = 3
    for m in messages:
        total += 3
        total += len(enc.encode(str(m.get("role", "")), disallowed_special=()))
        total += len(enc.encode(_content_text(m.get("content")), disallowed_special=()))
        if m.get("name"):
            total += 1 + len(enc.encode(str(m["name"]), disallowed_special=()))
        for call in m.get("tool_calls") or ():
            fn = call.get("function", {})
            total += len(enc.encode(fn.get("name", "") + fn.get("arguments", ""), disallowed_special=()))
    return total
