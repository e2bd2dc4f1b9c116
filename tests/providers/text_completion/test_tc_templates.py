"""The shipped chat templates, byte for byte against the prompt formats the families document, and against
transformers' own renderer (``chat_template_utils.render_jinja_template``, run offline as an oracle)."""

from __future__ import annotations

from typing import Any

import pytest
from transformers.utils.chat_template_utils import render_jinja_template

from modelmux.errors import BadRequestError
from modelmux.providers.text_completion.families import FAMILIES, family_template
from modelmux.providers.text_completion.render_template import render_prompt

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TOOL_TURNS: list[dict[str, Any]] = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 21}'},
]


def render(family: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> str:
    row = FAMILIES[family]
    return render_prompt(family_template(row), messages, tools=tools, bos_token=row.bos_token, eos_token=row.eos_token)


# Expected prompts, written from each family's documentation (cited in the template files).
DOCUMENTED = [
    (  # llama.com, "Llama 3.1 prompt formats": instruct model prompt
        "llama3",
        [{"role": "system", "content": "You are a helpful assistant"}, {"role": "user", "content": "What is 2+2?"}],
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    (  # docs.mistral.ai, "Instruct tokenization & chat templates": tokenizer V2/V3
        "mistral",
        [
            {"role": "user", "content": "user message"},
            {"role": "assistant", "content": "assistant message"},
            {"role": "user", "content": "new user message"},
        ],
        "<s>[INST] user message[/INST] assistant message</s>[INST] new user message[/INST]",
    ),
    (  # same page: the system prompt goes before the last user message
        "mistral",
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
        ],
        "<s>[INST] a[/INST] b</s>[INST] Be brief.\n\nc[/INST]",
    ),
    (  # docs.mistral.ai "Tokenization" templates table: tokenizer V1
        "mistral-v1",
        [
            {"role": "user", "content": "Hello, how are you?"},
            {"role": "assistant", "content": "Fine, and you?"},
            {"role": "user", "content": "I'm doing great!"},
        ],
        "<s> [INST] Hello, how are you? [/INST] Fine, and you?</s> [INST] I'm doing great! [/INST]",
    ),
    (  # V1: the system prompt goes before the first user message
        "mistral-v1",
        [{"role": "system", "content": "S"}, {"role": "user", "content": "a"}],
        "<s> [INST] S\n\na [/INST]",
    ),
    (  # same table: tokenizer V3-Tekken
        "mistral-tekken",
        [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "Hello, how are you?"},
            {"role": "assistant", "content": "Fine, and you?"},
            {"role": "user", "content": "I'm doing great!"},
        ],
        "<s>[INST]Hello, how are you?[/INST]Fine, and you?</s>[INST]S\n\nI'm doing great![/INST]",
    ),
    (  # ChatML
        "chatml",
        [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}],
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    ),
    (  # Qwen docs: the default system prompt when none is given
        "qwen2.5",
        [{"role": "user", "content": "Hi"}],
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    ),
    (  # ai.google.dev/gemma/docs/core/prompt-structure: the knock-knock dialogue
        "gemma",
        [
            {"role": "user", "content": "knock knock"},
            {"role": "assistant", "content": "who is there"},
            {"role": "user", "content": "Gemma"},
        ],
        "<bos><start_of_turn>user\nknock knock<end_of_turn>\n<start_of_turn>model\nwho is there<end_of_turn>\n"
        "<start_of_turn>user\nGemma<end_of_turn>\n<start_of_turn>model\n",
    ),
    (  # same page: system instructions inside the first user turn
        "gemma",
        [
            {"role": "system", "content": "Only reply like a pirate."},
            {"role": "user", "content": "What is the answer to life the universe and everything?"},
        ],
        "<bos><start_of_turn>user\nOnly reply like a pirate.\n\nWhat is the answer to life the universe and "
        "everything?<end_of_turn>\n<start_of_turn>model\n",
    ),
    (  # Phi-3 model card, "Chat Format"
        "phi3",
        [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "How to explain Internet for a medieval knight?"},
        ],
        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHow to explain Internet for a medieval knight?"
        "<|end|>\n<|assistant|>\n",
    ),
    (  # phi-4 model card, "Input Formats"
        "phi4",
        [
            {"role": "system", "content": "You are a medieval knight and must provide explanations to modern people."},
            {"role": "user", "content": "How should I explain the Internet?"},
        ],
        "<|im_start|>system<|im_sep|>You are a medieval knight and must provide explanations to modern people."
        "<|im_end|><|im_start|>user<|im_sep|>How should I explain the Internet?<|im_end|>"
        "<|im_start|>assistant<|im_sep|>",
    ),
    (  # DeepSeek-V3 / R1 model cards
        "deepseek",
        [
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "<think>\nGreet back.\n</think>\n\nHi there"},
            {"role": "user", "content": "How are you?"},
        ],
        "<\uff5cbegin\u2581of\u2581sentence\uff5c>You are a helpful assistant"
        "<\uff5cUser\uff5c>Hello<\uff5cAssistant\uff5c>Hi there"
        "<\uff5cend\u2581of\u2581sentence\uff5c><\uff5cUser\uff5c>How are you?<\uff5cAssistant\uff5c>",
    ),
]


@pytest.mark.parametrize(("family", "messages", "expected"), DOCUMENTED)
def test_documented_prompts(family: str, messages: list[dict[str, Any]], expected: str) -> None:
    assert render(family, messages) == expected


def test_qwen_tools_follow_the_documented_hermes_format() -> None:
    prompt = render("qwen2.5", [{"role": "system", "content": "S"}, *TOOL_TURNS], tools=[WEATHER_TOOL])
    expected = (
        "<|im_start|>system\nS\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        '{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city", '
        '"parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}\n'
        "</tools>\n\nFor each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n'
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
        "</tool_call><|im_end|>\n"
        '<|im_start|>user\n<tool_response>\n{"temp": 21}\n</tool_response><|im_end|>\n'
        "<|im_start|>assistant\n"
    )
    assert prompt == expected


def test_llama3_tools_use_ipython_and_json_calls() -> None:
    prompt = render("llama3", TOOL_TURNS, tools=[WEATHER_TOOL])
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n")
    assert '"name": "get_weather"' in prompt
    assert (
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": "Paris"}}'
        "<|eom_id|><|start_header_id|>ipython<|end_header_id|>\n\n"
        '{"temp": 21}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'
    ) in prompt


@pytest.mark.parametrize("family", ["mistral", "mistral-v1", "mistral-tekken", "gemma"])
def test_alternation_is_enforced(family: str) -> None:
    with pytest.raises(BadRequestError, match="alternate"):
        render(family, [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])


CONVERSATIONS: list[list[dict[str, Any]]] = [
    [{"role": "user", "content": "Hi <b>&'quotes'</b> ünïcode"}],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "One"},
        {"role": "assistant", "content": "Two"},
        {"role": "user", "content": "Three"},
    ],
]


@pytest.mark.parametrize("family", sorted({f.name for f in FAMILIES.values()}))
@pytest.mark.parametrize("conversation", range(len(CONVERSATIONS)))
def test_transformers_renders_the_same(family: str, conversation: int) -> None:
    row = next(f for f in FAMILIES.values() if f.name == family)
    messages = CONVERSATIONS[conversation]
    rendered, _ = render_jinja_template(
        conversations=[messages],
        chat_template=family_template(row),
        add_generation_prompt=True,
        bos_token=row.bos_token,
        eos_token=row.eos_token,
    )
    assert render(family, messages) == rendered[0]


@pytest.mark.parametrize("family", ["llama3", "chatml", "qwen2.5"])
def test_transformers_renders_tool_conversations_the_same(family: str) -> None:
    row = FAMILIES[family]
    messages = [{"role": "system", "content": "S"}, *TOOL_TURNS, {"role": "tool", "content": "more"}]
    rendered, _ = render_jinja_template(
        conversations=[messages],
        tools=[WEATHER_TOOL],
        chat_template=family_template(row),
        add_generation_prompt=True,
        bos_token=row.bos_token,
        eos_token=row.eos_token,
    )
    assert render(family, messages, tools=[WEATHER_TOOL]) == rendered[0]
