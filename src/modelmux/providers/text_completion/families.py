"""The chat-template families shipped with modelmux: template file, special tokens, stop strings, tool format.

Each row's tokens come from the family's documented prompt format (cited in its template file's header comment):
``stop`` holds the strings that end the assistant's turn, applied on the server (``stop``) and again here, since
servers differ in whether they return a matched stop string. ``tools`` names the tool-call syntax the template
teaches the model (``hermes``: ``<tool_call>{json}</tool_call>``; ``llama3_json``: a bare
``{"name": ..., "parameters": ...}`` object, maybe after ``<|python_tag|>``), or None when it has none.
``reasoning`` is ``think`` when the family writes its reasoning in ``<think>…</think>`` before the answer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

__all__ = ["FAMILIES", "Family", "family_template"]


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    file: str
    bos_token: str = ""
    eos_token: str = ""
    stop: tuple[str, ...] = ()
    tools: str | None = None
    reasoning: str | None = None


_LLAMA3 = Family(
    "llama3",
    "llama3.jinja",
    bos_token="<|begin_of_text|>",
    eos_token="<|eot_id|>",
    stop=("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"),
    tools="llama3_json",
)
_CHATML = Family("chatml", "chatml.jinja", eos_token="<|im_end|>", stop=("<|im_end|>", "<|endoftext|>"), tools="hermes")
_QWEN = Family("qwen2.5", "qwen2_5.jinja", eos_token="<|im_end|>", stop=("<|im_end|>", "<|endoftext|>"), tools="hermes")
_MISTRAL = Family("mistral", "mistral.jinja", bos_token="<s>", eos_token="</s>", stop=("</s>",))
_MISTRAL_V1 = Family("mistral-v1", "mistral_v1.jinja", bos_token="<s>", eos_token="</s>", stop=("</s>",))
_MISTRAL_TEKKEN = Family("mistral-tekken", "mistral_tekken.jinja", bos_token="<s>", eos_token="</s>", stop=("</s>",))
_GEMMA = Family("gemma", "gemma.jinja", bos_token="<bos>", eos_token="<eos>", stop=("<end_of_turn>", "<eos>"))
_PHI3 = Family("phi3", "phi3.jinja", eos_token="<|end|>", stop=("<|end|>", "<|endoftext|>"))
_PHI4 = Family("phi4", "phi4.jinja", eos_token="<|im_end|>", stop=("<|im_end|>", "<|endoftext|>"))
# DeepSeek's special tokens are written with FULLWIDTH VERTICAL LINE (U+FF5C) and LOWER ONE EIGHTH BLOCK (U+2581).
_DS_BOS = "<\uff5cbegin\u2581of\u2581sentence\uff5c>"
_DS_EOS = "<\uff5cend\u2581of\u2581sentence\uff5c>"
_DEEPSEEK = Family(
    "deepseek",
    "deepseek.jinja",
    bos_token=_DS_BOS,
    eos_token=_DS_EOS,
    stop=(_DS_EOS,),
    reasoning="think",
)

#: Family name (and its aliases) → family. ``chat_template="llama3"`` picks a row.
FAMILIES: dict[str, Family] = {
    "llama3": _LLAMA3,
    "llama3.1": _LLAMA3,
    "llama3.2": _LLAMA3,
    "llama3.3": _LLAMA3,
    "chatml": _CHATML,
    "hermes": _CHATML,
    "qwen2.5": _QWEN,
    "qwen": _QWEN,
    "mistral": _MISTRAL,
    "mistral-v3": _MISTRAL,
    "mistral-v1": _MISTRAL_V1,
    "mistral-tekken": _MISTRAL_TEKKEN,
    "mistral-nemo": _MISTRAL_TEKKEN,
    "gemma": _GEMMA,
    "phi3": _PHI3,
    "phi3.5": _PHI3,
    "phi4": _PHI4,
    "deepseek": _DEEPSEEK,
    "deepseek-v3": _DEEPSEEK,
    "deepseek-r1": _DEEPSEEK,
}


@functools.cache
def family_template(family: Family) -> str:
    """The template text shipped for ``family`` (package data, read once)."""
    return resources.files(__package__).joinpath(f"templates/{family.file}").read_text("utf-8")
