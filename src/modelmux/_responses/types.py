"""What ``responses()`` returns: the ``Response`` object and stream events, as pydantic models that keep every field
(output items stay plain dicts in OpenAI's shapes; validate with ``openai.types.responses`` when you need types)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ResponseEvent", "ResponseObject"]


class ResponseObject(BaseModel):
    """A Responses API ``response`` (https://platform.openai.com/docs/api-reference/responses/object)."""

    model_config = ConfigDict(extra="allow")

    id: str
    object: str = "response"
    created_at: float = 0
    status: str | None = None
    model: str = ""
    output: list[dict[str, Any]] = []
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    previous_response_id: str | None = None

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of the output messages, joined (as the ``openai`` SDK's)."""
        return "".join(
            part.get("text") or ""
            for item in self.output
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if isinstance(part, dict) and part.get("type") == "output_text"
        )


class ResponseEvent(BaseModel):
    """One server-sent event of a streamed response; ``type`` says which (``response.output_text.delta``…)."""

    model_config = ConfigDict(extra="allow")

    type: str
    sequence_number: int = 0
