"""The catalog knows the models Azure deploys (``azure/<model>`` rows) without shadowing OpenAI's."""

from __future__ import annotations

import modelmux
from modelmux._registry import resolve


def test_azure_rows() -> None:
    info = resolve("azure/gpt-4o").info
    assert info is not None and (info.provider, info.model, info.context_window) == ("azure", "gpt-4o", 128000)
    assert resolve("gpt-4o").provider_name == "openai"
    assert resolve("azure/my-deployment").info is None  # base_model= names the model behind such a deployment
    ids = {m.id for m in modelmux.model_list(provider="azure").data}
    assert {"azure/gpt-4o", "azure/text-embedding-3-small", "azure/dall-e-3", "azure/whisper"} <= ids
