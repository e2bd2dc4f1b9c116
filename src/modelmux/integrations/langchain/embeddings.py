"""``ModelmuxEmbeddings``: LangChain embeddings over ``modelmux.embedding()`` / ``aembedding()`` — any provider."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ..._url_secrets import url_secrets
from ...types import EmbeddingResponse
from .hide_secrets import hide_secret_options, reveal

__all__ = ["ModelmuxEmbeddings"]


class ModelmuxEmbeddings(BaseModel, Embeddings):
    """Embeddings for every provider modelmux speaks (``"openai/text-embedding-3-small"``, ``"mock/embedding"``...).

    Documents go in batches of ``chunk_size`` texts per call; the vectors come back in input order.
    ``model_kwargs`` are sent with every call (a provider's own options, e.g. Gemini's ``taskType``)."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, extra="forbid")

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    dimensions: int | None = None
    chunk_size: int = Field(default=512, gt=0)
    timeout: float | None = Field(default=None, validation_alias=AliasChoices("timeout", "request_timeout"))
    api_key: SecretStr | None = None
    api_base: str | SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_base", "base_url"))
    """A ``SecretStr`` when the URL carries a credential (``user:password@``, ``?api-key=``)."""
    extra_headers: dict[str, SecretStr] | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    transport: Any = Field(default=None, exclude=True, repr=False)

    @field_validator("api_base", mode="after")
    @classmethod
    def _hide_url_secrets(cls, value: str | SecretStr | None) -> str | SecretStr | None:
        return SecretStr(value) if isinstance(value, str) and url_secrets(value) else value

    @field_validator("model_kwargs")
    @classmethod
    def _hide_secrets(cls, value: dict[str, Any]) -> dict[str, Any]:
        return hide_secret_options(value)

    def _kwargs(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "dimensions": self.dimensions,
            "timeout": self.timeout,
            "api_base": self.api_base.get_secret_value() if isinstance(self.api_base, SecretStr) else self.api_base,
            "extra_headers": reveal(self.extra_headers) if self.extra_headers else None,
            "transport": self.transport,
            "api_key": self.api_key.get_secret_value() if self.api_key is not None else None,
        }
        return {**{k: v for k, v in params.items() if v is not None}, **reveal(self.model_kwargs)}

    @staticmethod
    def _vectors(response: EmbeddingResponse, count: int) -> list[list[float]]:
        vectors: list[list[float] | None] = [None] * count
        for item in response.data:
            if not isinstance(item.embedding, list) or not 0 <= item.index < count:
                raise ValueError(f"embedding response item {item.index} is not a float vector for one of the inputs")
            vectors[item.index] = item.embedding
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing:
            raise ValueError(f"the embedding response has no vector for inputs {missing[:5]}")
        return [v for v in vectors if v is not None]

    def _batches(self, texts: list[str]) -> list[list[str]]:
        return [texts[i : i + self.chunk_size] for i in range(0, len(texts), self.chunk_size)]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from ... import embedding

        out: list[list[float]] = []
        for batch in self._batches(texts):
            out.extend(self._vectors(embedding(self.model, batch, **self._kwargs()), len(batch)))
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        from ... import aembedding

        out: list[list[float]] = []
        for batch in self._batches(texts):
            out.extend(self._vectors(await aembedding(self.model, batch, **self._kwargs()), len(batch)))
        return out

    async def aembed_query(self, text: str) -> list[float]:
        return (await self.aembed_documents([text]))[0]
