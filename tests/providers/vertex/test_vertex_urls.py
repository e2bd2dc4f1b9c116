"""Vertex AI endpoints: project/location/version resolution, hosts, express mode, ``api_base`` handling."""

from __future__ import annotations

import pytest

from modelmux.providers.vertex.build_url import host_for, model_url
from modelmux.providers.vertex.map_publisher import split_model
from modelmux.providers.vertex.settings import VertexSettings, resolve


def test_settings_argument_beats_environment_beats_default() -> None:
    env = {"GOOGLE_CLOUD_PROJECT": "env-p", "GOOGLE_CLOUD_LOCATION": "europe-west4"}
    assert resolve({"vertex_project": "arg-p", "vertex_location": "us-east5"}, env) == VertexSettings(
        "arg-p", "us-east5", "v1"
    )
    assert resolve({}, env) == VertexSettings("env-p", "europe-west4", "v1")
    assert resolve({}, {}) == VertexSettings(None, "global", "v1")
    assert resolve({"api_version": "v1beta1"}, {}).api_version == "v1beta1"


def test_vertexai_variables_win_over_the_generic_google_ones() -> None:
    env = {
        "GOOGLE_CLOUD_PROJECT": "g",
        "VERTEXAI_PROJECT": "v",
        "GOOGLE_CLOUD_LOCATION": "asia-east1",
        "VERTEXAI_LOCATION": "us-central1",
    }
    assert resolve({}, env) == VertexSettings("v", "us-central1", "v1")


def test_hosts() -> None:
    assert host_for("global") == "https://aiplatform.googleapis.com"
    assert host_for("us-central1") == "https://us-central1-aiplatform.googleapis.com"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (
            "us-central1",
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1"
            "/publishers/google/models/gemini-2.5-flash:generateContent",
        ),
        (
            "global",
            "https://aiplatform.googleapis.com/v1/projects/p1/locations/global"
            "/publishers/google/models/gemini-2.5-flash:generateContent",
        ),
    ],
)
def test_regional_and_global_urls(location: str, expected: str) -> None:
    settings = VertexSettings("p1", location, "v1")
    assert model_url(None, settings, "google", "gemini-2.5-flash", "generateContent") == expected


def test_express_mode_url_has_no_project_nor_location() -> None:
    settings = VertexSettings(None, "global", "v1")
    url = model_url(None, settings, "google", "gemini-2.5-flash", "streamGenerateContent?alt=sse")
    assert (
        url
        == "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )


@pytest.mark.parametrize(
    ("api_base", "expected_prefix"),
    [
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/v1/projects/p1/locations/us-east5"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000/v1/projects/p1/locations/us-east5"),
        ("http://proxy/vertex/v1beta1", "http://proxy/vertex/v1beta1/projects/p1/locations/us-east5"),
        (
            "https://gateway.example/acct/gw/google-vertex-ai/v1/projects/other/locations/europe-west1",
            "https://gateway.example/acct/gw/google-vertex-ai/v1/projects/other/locations/europe-west1",
        ),
    ],
)
def test_api_base_gets_the_native_path(api_base: str, expected_prefix: str) -> None:
    settings = VertexSettings("p1", "us-east5", "v1")
    url = model_url(api_base, settings, "anthropic", "claude-sonnet-4-5@20250929", "rawPredict")
    assert url == expected_prefix + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"


def test_project_is_quoted() -> None:
    url = model_url(None, VertexSettings("a/b", "global", "v1"), "google", "gemini-2.0-flash", "generateContent")
    assert "/projects/a%2Fb/locations/global/" in url


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gemini-2.5-pro", ("google", "gemini-2.5-pro")),
        ("models/gemini-2.5-pro", ("google", "gemini-2.5-pro")),
        ("claude-sonnet-4-5@20250929", ("anthropic", "claude-sonnet-4-5@20250929")),
        ("claude-opus-4-1", ("anthropic", "claude-opus-4-1")),
        ("anthropic/claude-haiku-4-5@20251001", ("anthropic", "claude-haiku-4-5@20251001")),
        ("google/gemini-2.0-flash", ("google", "gemini-2.0-flash")),
        ("text-embedding-005", ("google", "text-embedding-005")),
        ("gemini-embedding-001", ("google", "gemini-embedding-001")),
        ("some-tuned-model", ("google", "some-tuned-model")),
    ],
)
def test_publisher_table(model: str, expected: tuple[str, str]) -> None:
    assert split_model(model) == expected
