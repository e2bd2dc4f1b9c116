"""``POST /v1/audio/transcriptions``: a ``multipart/form-data`` upload of the audio file and the options."""

from __future__ import annotations

import math
from typing import Any

from ...errors import APIError
from ..config_cache import cache_option
from ..multipart import FormPart, MultipartError, boundary_of, parse_form
from ..request import Request
from ..responses import Response, model_response, text_response
from ..upstreams import Upstreams
from ..validate import bad_request, media_type

__all__ = ["create_transcription"]

_TEXT_FIELDS = {"model", "language", "prompt", "response_format", "temperature", "timestamp_granularities[]"}
_FORMATS = {"json", "text", "srt", "verbose_json", "vtt"}
_GRANULARITIES = {"word", "segment"}


def _form(request: Request) -> dict[str, list[FormPart]]:
    if media_type(request) != "multipart/form-data":
        raise bad_request("Invalid Content-Type header: expected multipart/form-data.", code="invalid_content_type")
    try:
        parts = parse_form(request.body, boundary_of(request.headers["content-type"]))
    except MultipartError as exc:
        raise bad_request(f"Malformed multipart body: {exc}", code="invalid_multipart") from None
    form: dict[str, list[FormPart]] = {}
    for part in parts:
        name = "timestamp_granularities[]" if part.name == "timestamp_granularities" else part.name
        if name != "file" and name not in _TEXT_FIELDS:
            raise bad_request(f"Unrecognized request argument supplied: {name[:100]}", param=name[:100])
        form.setdefault(name, []).append(part)
    return form


def _text(form: dict[str, list[FormPart]], name: str) -> str | None:
    parts = form.get(name)
    if not parts:
        return None
    if len(parts) > 1:
        raise bad_request(f"'{name}' was given more than once.", param=name)
    try:
        return parts[0].text()
    except MultipartError as exc:
        raise bad_request(str(exc), param=name) from None


def _options(form: dict[str, list[FormPart]]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name in ("language", "prompt"):
        value = _text(form, name)
        if value:
            options[name] = value
    fmt = _text(form, "response_format")
    if fmt:
        if fmt not in _FORMATS:
            raise bad_request(
                f"'response_format' must be one of {', '.join(sorted(_FORMATS))}.", param="response_format"
            )
        options["response_format"] = fmt
    temperature_text = _text(form, "temperature")
    if temperature_text:
        try:
            temperature = float(temperature_text)
        except ValueError:
            temperature = math.nan
        if not 0 <= temperature <= 1:  # NaN fails too
            raise bad_request("'temperature' must be a number between 0 and 1.", param="temperature")
        options["temperature"] = temperature
    granularities = []
    for part in form.get("timestamp_granularities[]", ()):
        try:
            value_text = part.text()
        except MultipartError:
            value_text = ""
        if value_text not in _GRANULARITIES:
            raise bad_request(
                "'timestamp_granularities[]' takes 'word' and/or 'segment'.", param="timestamp_granularities"
            )
        granularities.append(value_text)
    if granularities:
        options["timestamp_granularities"] = granularities
    return options


async def create_transcription(request: Request, upstreams: Upstreams) -> Response:
    form = _form(request)
    model = _text(form, "model")
    if not model:
        raise bad_request("Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
    route = upstreams.route(request, model)
    files = form.get("file") or []
    if len(files) != 1 or files[0].filename is None:
        raise bad_request("Send exactly one audio file as the 'file' part (with a filename).", param="file")
    upload = files[0]
    if not upload.data:
        raise bad_request("The uploaded file is empty.", param="file")
    options = upstreams.options(route, request.key)
    options.update(_options(form))
    options.update(cache_option(upstreams.cache, route, request.key, request.headers, None))  # Cache-Control only
    file = (upload.filename, upload.data, upload.content_type or "application/octet-stream")
    try:
        result = await upstreams.atranscription(route, file, **options)
    except APIError as exc:
        raise upstreams.error(exc, route) from None
    if isinstance(result, str):
        return text_response(result)
    return model_response(result, upstreams.headers(route, result))
