"""A credential in the endpoint URL of an integration's model (a proxy's ``user:password@``, a ``?api-key=``) is
shown nowhere: not in LangChain's repr, dumps and tracing parameters, not in pydantic-ai's ``base_url`` (which its
instrumentation records). The key itself already was hidden; these failed before their fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.load import dumps

from modelmux.integrations.langchain import ChatModelmux, ModelmuxEmbeddings
from modelmux.integrations.pydantic_ai import ModelmuxModel

PASSWORD = "hunter2-proxy-password"
KEY = "sk-integration-secret-0123456789"
BASES = [f"http://user:{PASSWORD}@proxy.test/v1", f"http://proxy.test/v1?api-key={PASSWORD}"]


def _answer(request: httpx.Request) -> httpx.Response:
    assert PASSWORD in str(request.url) or request.headers.get("authorization", "").startswith("Basic ")
    message = {"role": "assistant", "content": "x"}
    body = {"id": "c", "object": "chat.completion", "created": 1, "model": "m"}
    return httpx.Response(200, json={**body, "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})


@pytest.mark.parametrize("base", BASES)
def test_langchain_chat_model_shows_no_url_credential(base: str) -> None:
    model = ChatModelmux(model="openai/gpt-4o", api_key=KEY, api_base=base, transport=httpx.MockTransport(_answer))
    shown: list[Any] = [
        repr(model),
        str(model),
        model.model_dump(),
        model.model_dump_json(),
        dumps(model),
        model._identifying_params,
        model._get_invocation_params(),
    ]
    text = json.dumps(shown, default=repr)
    assert PASSWORD not in text and KEY not in text  # the URL was shown as given
    assert model.invoke("hi").content == "x"  # the call still gets the real URL


@pytest.mark.parametrize("base", BASES)
def test_langchain_embeddings_show_no_url_credential(base: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert PASSWORD in str(request.url) or request.headers.get("authorization", "").startswith("Basic ")
        data = [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}]
        return httpx.Response(200, json={"object": "list", "model": "m", "data": data})

    embeddings = ModelmuxEmbeddings(
        model="openai/text-embedding-3-small", api_key=KEY, api_base=base, transport=httpx.MockTransport(answer)
    )
    text = json.dumps([repr(embeddings), embeddings.model_dump(), embeddings.model_dump_json()], default=repr)
    assert PASSWORD not in text and KEY not in text
    assert embeddings.embed_query("hi") == [0.5, 0.25]  # the call still gets the real URL


@pytest.mark.parametrize("base", BASES)
def test_pydantic_ai_model_shows_no_url_credential(base: str) -> None:
    model = ModelmuxModel("openai/gpt-4o", api_key=KEY, api_base=base)
    assert PASSWORD not in repr(model) and KEY not in repr(model)
    assert model.base_url is not None and PASSWORD not in model.base_url  # recorded by pydantic-ai's instrumentation
    assert "proxy.test" in model.base_url


@pytest.mark.parametrize("credentials", [{"type": "service_account", "private_key": PASSWORD}, [PASSWORD]])
def test_a_credential_option_that_is_not_a_string_is_hidden_too(credentials: Any) -> None:
    model = ChatModelmux(model="vertex_ai/gemini-2.5-flash", vertex_credentials=credentials)
    shown = [repr(model), model.model_dump_json(), dumps(model), model._identifying_params]
    assert PASSWORD not in json.dumps(shown, default=repr)  # a service-account dict was shown whole
    assert model._call_kwargs([], None, False, {})["vertex_credentials"] == credentials  # the call gets it as given
