"""The catalog knows Vertex AI's models: cloud rows keyed ``vertex/<id>`` beside the Gemini API's own rows."""

from __future__ import annotations

import modelmux
from modelmux._registry import model_info, resolve


def test_vertex_gemini_rows_do_not_shadow_the_gemini_api_rows() -> None:
    vertex = resolve("vertex/gemini-2.5-pro").info
    gemini = resolve("gemini/gemini-2.5-pro").info
    assert vertex is not None and gemini is not None
    assert (vertex.provider, vertex.model) == ("vertex", "gemini-2.5-pro")
    assert (gemini.provider, gemini.model) == ("gemini", "gemini-2.5-pro")
    assert vertex.context_window == gemini.context_window == 1048576
    assert resolve("gemini-2.5-pro").provider_name == "gemini"  # a bare id stays the Gemini API's


def test_claude_on_vertex_and_vertex_only_embeddings() -> None:
    info = resolve("vertex/claude-sonnet-4-5@20250929").info
    assert info is not None and info.max_output_tokens == 64000 and "tools" in info.capabilities
    assert resolve("claude-sonnet-4-5@20250929").provider_name == "vertex"
    assert resolve("text-embedding-005").provider_name == "vertex"
    embed = model_info("vertex", "gemini-embedding-001")
    assert embed is not None and embed.mode == "embedding"


def test_model_list_names_vertex_models_once() -> None:
    ids = {m.id for m in modelmux.model_list(provider="vertex").data}
    assert {"vertex/gemini-2.5-flash", "vertex/claude-haiku-4-5@20251001", "vertex/text-embedding-005"} <= ids
    assert not any(i.startswith("vertex/vertex/") for i in ids)
    assert "gemini/gemini-2.5-flash" in {m.id for m in modelmux.model_list(provider="gemini").data}
