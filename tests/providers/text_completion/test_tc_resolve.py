"""Choosing the template: family names, template strings, tokenizer_config.json files, the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmux.errors import BadRequestError
from modelmux.providers.text_completion.families import FAMILIES, family_template
from modelmux.providers.text_completion.resolve_template import catalog_family, resolve_template


def test_family_names_pick_shipped_templates() -> None:
    t = resolve_template("anything", "Llama3", has_tools=False)
    assert t.text == family_template(FAMILIES["llama3"])
    assert (t.bos_token, t.eos_token, t.tools, t.family) == ("<|begin_of_text|>", "<|eot_id|>", "llama3_json", "llama3")
    assert "<|eom_id|>" in t.stop


def test_catalog_picks_by_full_id_or_last_part_without_case() -> None:
    assert catalog_family("Qwen/Qwen2.5-7B-Instruct") == "qwen2.5"
    assert catalog_family("qwen2.5-7b-instruct") == "qwen2.5"
    assert catalog_family("meta-llama/Llama-3.3-70B-Instruct") == "llama3"
    assert catalog_family("someone/unknown-model") is None
    assert resolve_template("google/gemma-2-9b-it", None, has_tools=False).family == "gemma"


def test_unknown_model_without_template_says_what_to_pass() -> None:
    with pytest.raises(BadRequestError, match="chat_template=") as info:
        resolve_template("my-finetune", None, has_tools=False)
    assert info.value.param == "chat_template"


def test_template_string_recognises_tool_and_reasoning_markers() -> None:
    t = resolve_template("m", "{% for m in messages %}<tool_call>{{ m.content }}{% endfor %}</think>", False)
    assert (t.tools, t.reasoning, t.bos_token, t.stop) == ("hermes", "think", "", ())
    assert resolve_template("m", "{{ '<|python_tag|>' }}", False).tools == "llama3_json"
    assert resolve_template("m", "{{ messages }}", False).tools is None


def test_tokenizer_config_path(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    config = {
        "bos_token": {"content": "<s>", "lstrip": False},
        "eos_token": "</s>",
        "chat_template": [
            {"name": "default", "template": "{{ bos_token }}plain"},
            {"name": "tool_use", "template": "{{ bos_token }}<tool_call>"},
        ],
    }
    path.write_text(json.dumps(config))
    plain = resolve_template("m", str(path), has_tools=False)
    assert (plain.text, plain.bos_token, plain.eos_token, plain.stop) == (
        "{{ bos_token }}plain",
        "<s>",
        "</s>",
        ("</s>",),
    )
    assert resolve_template("m", path, has_tools=True).tools == "hermes"  # a PathLike works too
    assert resolve_template("m", config, has_tools=False).text == "{{ bos_token }}plain"  # and a parsed mapping


def test_jinja_file_path(tmp_path: Path) -> None:
    path = tmp_path / "chat.jinja"
    path.write_text("{{ messages[0].content }}")
    assert resolve_template("m", str(path), False).text == "{{ messages[0].content }}"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("no-such-family", "unknown chat template"),
        ("/nonexistent/tokenizer_config.json", "cannot read"),
        ({"eos_token": "</s>"}, "no chat_template"),
        (42, "must be"),
    ],
)
def test_unusable_templates_are_bad_requests(given: object, message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        resolve_template("m", given, False)


def test_invalid_json_config(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    path.write_text("{not json")
    with pytest.raises(BadRequestError, match="not valid JSON"):
        resolve_template("m", str(path), False)


def test_every_catalog_row_names_a_family() -> None:
    from modelmux._registry import _catalog_doc

    rows = {k: v for k, v in _catalog_doc()["chat_templates"].items() if not k.startswith("_")}
    assert rows
    assert all(v in FAMILIES for v in rows.values())


def test_model_strings_and_aliases() -> None:
    from modelmux._registry import resolve

    assert resolve("text-completion-openai/Qwen/Qwen2.5-7B-Instruct").provider_name == "text-completion-openai"
    assert resolve("text-completion-openai/Qwen/Qwen2.5-7B-Instruct").model == "Qwen/Qwen2.5-7B-Instruct"
    assert resolve("llamacpp/x").provider_name == resolve("llama_cpp/x").provider_name == "llamacpp"
    assert resolve("tgi/x").provider_name == resolve("text-generation-inference/x").provider_name == "tgi"


def test_config_files_are_read_again_when_they_change(tmp_path: Path) -> None:
    import os

    path = tmp_path / "tokenizer_config.json"
    path.write_text(json.dumps({"chat_template": "v1"}))
    assert resolve_template("m", str(path), False).text == "v1"
    path.write_text(json.dumps({"chat_template": "v2-longer"}))
    os.utime(path, ns=(1, 2_000_000_000))
    assert resolve_template("m", str(path), False).text == "v2-longer"
