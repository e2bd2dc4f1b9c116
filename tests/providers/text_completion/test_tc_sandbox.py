"""The jinja sandbox: what HF chat templates may use, and what an untrusted template must not reach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from modelmux.errors import BadRequestError
from modelmux.providers.text_completion.render_template import (
    MAX_PROMPT_CHARS,
    MAX_TEMPLATE_CHARS,
    compile_template,
    render_prompt,
)

USER = [{"role": "user", "content": "hi"}]


def render(template: str, messages: list[dict[str, Any]] = USER, **extra: Any) -> str:
    return render_prompt(template, messages, tools=None, bos_token="<s>", eos_token="</s>", extra=extra)


ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ messages.__class__.__base__.__subclasses__() }}",
    "{{ raise_exception.__globals__ }}",
    "{{ raise_exception.__globals__['__builtins__']['__import__']('os').system('echo pwned') }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% set ns = namespace() %}{% set ns.__class__ = 1 %}",
    "{{ namespace(__init__=1) }}",
    "{{ messages.append({'role': 'system', 'content': 'x'}) }}",
    "{{ messages[0].update({'content': 'x'}) }}",
    "{{ messages.pop() }}",
    "{{ dict.__class__ }}",
    "{{ tojson.__globals__ }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ strftime_now.__globals__['datetime'] }}",
    "{{ '{0.__class__.__mro__}'.format(messages) }}",
    "{{ messages | attr('__class__') }}",
    "{{ (messages | attr('__class__') | attr('__base__') | attr('__subclasses__'))() }}",
    "{{ '%s' | format(messages.__class__) }}",
]


@pytest.mark.parametrize("template", ATTACKS)
def test_attack_templates_cannot_reach_python_internals(template: str) -> None:
    messages = [dict(m) for m in USER]
    try:
        out = render(template, messages)
    except BadRequestError as exc:
        assert exc.param in ("chat_template", "messages")
    else:  # jinja renders undefined attributes as empty: nothing leaked, nothing ran
        assert "class" not in out and "function" not in out and "module" not in out and "uid=" not in out
    assert messages == USER  # the caller's messages were not touched


def test_attack_cannot_run_a_command(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    template = (
        "{{ raise_exception.__globals__['__builtins__']['__import__']('os').system('touch " + str(marker) + "') }}"
    )
    with pytest.raises(BadRequestError):
        render(template)
    assert not marker.exists()


def test_tojson_is_plain_json_not_html_escaped() -> None:
    out = render("{{ {'a': \"<b>&'x'</b>\", 'u': 'é'} | tojson }}")
    assert out == '{"a": "<b>&\'x\'</b>", "u": "é"}'
    assert render("{{ {'b': 1, 'a': [1, 2]} | tojson(indent=2, sort_keys=true) }}") == (
        '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}'
    )
    assert render("{{ [1, 2] | tojson(separators=(',', ':')) }}") == "[1,2]"


def test_hf_globals_and_variables() -> None:
    assert render("{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}") == "<s>|</s>|True|None"
    assert render("{{ strftime_now('%Y') }}") == str(datetime.now().year)
    assert render("{% set d = dict(a=1) %}{{ d.a }}") == "1"
    assert (
        render("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}")
        == "1"
    )
    assert render("{{ enable_thinking }}", enable_thinking=False) == "False"


def test_loop_controls() -> None:
    messages = [{"role": "user", "content": str(i)} for i in range(5)]
    template = (
        "{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}"
        "{% if loop.index0 == 3 %}{% break %}{% endif %}{{ m.content }}{% endfor %}"
    )
    assert render(template, messages) == "02"


def test_trim_and_lstrip_blocks_as_hf_sets_them() -> None:
    template = "{% for m in messages %}\n    {% if true %}\n{{ m.content }}\n    {% endif %}\n{% endfor %}"
    assert render(template) == "hi\n"


def test_raise_exception_is_a_bad_request_about_the_messages() -> None:
    with pytest.raises(BadRequestError, match="roles must alternate") as info:
        render("{{ raise_exception('roles must alternate') }}")
    assert info.value.param == "messages"


def test_syntax_errors_and_oversized_templates_are_refused() -> None:
    with pytest.raises(BadRequestError, match="not valid jinja"):
        render("{% for %}")
    with pytest.raises(BadRequestError, match="longer than"):
        render("x" * (MAX_TEMPLATE_CHARS + 1))


def test_runtime_errors_are_bad_requests() -> None:
    with pytest.raises(BadRequestError, match="failed"):
        render("{{ messages[0].content + 1 }}")


def test_templates_compile_once_per_text() -> None:
    text = "{{ messages[0].content }} compiled-once"
    assert compile_template(text) is compile_template(text)
    assert compile_template(text) is not compile_template(text + " ")


def test_range_is_bounded() -> None:
    with pytest.raises(BadRequestError):
        render("{% for i in range(10**9) %}{% endfor %}")


def test_runaway_output_is_cut_off() -> None:
    with pytest.raises(BadRequestError, match="more than"):
        render("{% for i in range(100000) %}{% for j in range(100000) %}" + "x" * 100 + "{% endfor %}{% endfor %}")
    assert MAX_PROMPT_CHARS >= 1_000_000
