"""Embeddings on Bedrock (InvokeModel): Titan and Cohere bodies, answers, signing, the public function."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError

TITAN_V2 = "bedrock/amazon.titan-embed-text-v2:0"
COHERE = "bedrock/cohere.embed-english-v3"


class Upstream:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(200, json=self.answer)

        return httpx.MockTransport(handle)

    @property
    def body(self) -> Any:
        return json.loads(self.requests[-1].content)


def test_titan_v2() -> None:
    upstream = Upstream(
        {"embedding": [0.25, -0.5], "inputTextTokenCount": 3, "embeddingsByType": {"float": [0.25, -0.5]}}
    )
    result = modelmux.embedding(
        TITAN_V2,
        "hello there",
        dimensions=256,
        aws_region_name="us-east-1",
        aws_access_key_id="AKID",
        aws_secret_access_key="secret",
        transport=upstream.transport(),
    )
    request = upstream.requests[0]
    assert request.url.raw_path == b"/model/amazon.titan-embed-text-v2%3A0/invoke"
    assert "Credential=AKID/" in request.headers["authorization"]
    assert upstream.body == {"inputText": "hello there", "dimensions": 256}
    assert result.data[0].embedding == [0.25, -0.5]
    assert result.usage.prompt_tokens == 3


def test_titan_one_text_per_request_and_its_dimensions() -> None:
    upstream = Upstream({"embedding": [0.0]})
    with pytest.raises(BadRequestError, match="one text per request"):
        modelmux.embedding(
            TITAN_V2, ["a", "b"], api_key="k", aws_region_name="us-east-1", transport=upstream.transport()
        )
    with pytest.raises(UnsupportedParamsError, match="dimensions"):
        modelmux.embedding(
            TITAN_V2, "a", dimensions=300, api_key="k", aws_region_name="us-east-1", transport=upstream.transport()
        )


def test_cohere_batch_base64_and_options() -> None:
    upstream = Upstream(
        {
            "id": "x",
            "embeddings": {"float": [[1.0, 2.0], [3.0, 4.0]]},
            "texts": ["a", "b"],
            "response_type": "embeddings_by_type",
        }
    )
    result = modelmux.embedding(
        COHERE,
        ["a", "b"],
        encoding_format="base64",
        input_type="search_query",
        api_key="k",
        aws_region_name="us-east-1",
        transport=upstream.transport(),
    )
    assert upstream.body == {"texts": ["a", "b"], "input_type": "search_query", "embedding_types": ["float"]}
    assert upstream.requests[0].headers["authorization"] == "Bearer k"
    decoded = [list(struct.unpack("<2f", base64.b64decode(item.embedding))) for item in result.data]  # type: ignore[arg-type]
    assert decoded == [[1.0, 2.0], [3.0, 4.0]]
    assert result.usage.prompt_tokens > 0  # estimated: Cohere sends no count


def test_cohere_plain_list_answer() -> None:
    upstream = Upstream({"embeddings": [[0.5]], "response_type": "embeddings_floats"})
    result = modelmux.embedding(COHERE, "a", api_key="k", aws_region_name="us-east-1", transport=upstream.transport())
    assert result.data[0].embedding == [0.5]


def test_wrong_count_is_an_upstream_error() -> None:
    upstream = Upstream({"embeddings": {"float": [[0.5]]}})
    with pytest.raises(modelmux.UpstreamError):
        modelmux.embedding(COHERE, ["a", "b"], api_key="k", aws_region_name="us-east-1", transport=upstream.transport())


def test_other_models_and_token_ids_are_refused() -> None:
    with pytest.raises(BadRequestError, match="Titan Text Embeddings and Cohere"):
        modelmux.embedding(
            "bedrock/amazon.nova-micro-v1:0",
            "a",
            api_key="k",
            aws_region_name="us-east-1",
            transport=Upstream({}).transport(),
        )
    with pytest.raises(BadRequestError, match="token ids"):
        modelmux.embedding(
            COHERE, [1, 2, 3], api_key="k", aws_region_name="us-east-1", transport=Upstream({}).transport()
        )
