"""The offline ``mock`` provider's answers besides chat: deterministic, no key, no network.

* **Embeddings**: one unit vector per input, from a hash of the input (the same text always gets the same
  vector); ``dimensions`` long (default 8); usage counts ~4 characters per token. At most
  :data:`MAX_MOCK_EMBEDDING_VALUES` values (inputs x dimensions) per request: the mock computes them itself.
* **Images**: ``n`` small valid 8x8 PNGs in one colour taken from a hash of the prompt (whatever the
  ``size``); ``response_format="url"`` gives ``data:image/png;base64,...`` URLs, otherwise ``b64_json``.
* **Transcriptions**: the fixed :data:`TRANSCRIPT` for any audio, 2.5 seconds long, in every
  ``response_format`` (``srt``/``vtt``: a one-cue file; ``verbose_json``: one segment, and words when asked).
* **Moderations**: an input is flagged when it contains one of the words in :data:`TRIGGERS` (whole word,
  any case), in that word's category with score 0.9; every other score is 0.0001.

``mock_response=`` sets the answer of every operation: an exception (instance or class) is raised; otherwise
embeddings take a vector (every input gets it) or one vector per input, images a URL, a base64 string or PNG
bytes, transcriptions the transcript text, moderations a category name or a list of them (every input is
flagged in those); a whole response (an object or its dict) is returned as it is. ``mock/error-<status>`` raises
that status's error class, with provider and model set.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import time
import zlib
from typing import Any

from ..errors import APIError, BadRequestError, error_class_for_status
from ..types import EmbeddingResponse, ImagesResponse, ModerationResponse, TranscriptionResponse
from ._base import TEXT_TRANSCRIPT_FORMATS, CallContext
from ._shapes import make_embedding_response

__all__ = [
    "MAX_MOCK_EMBEDDING_VALUES",
    "TRANSCRIPT",
    "TRIGGERS",
    "mock_embedding",
    "mock_images",
    "mock_moderation",
    "mock_transcription",
    "raise_if_error",
]

#: Inputs x dimensions the mock computes for one request: about 0.1 s of CPU and a 6 MB answer, far more than a
#: test needs (100 inputs of 1,536 dimensions are 153,600), far less than the library's limit for real providers,
#: which compute their vectors elsewhere.
MAX_MOCK_EMBEDDING_VALUES = 262_144
TRANSCRIPT = "This is modelmux's offline mock transcription."
DURATION = 2.5
#: Word → moderation category it flags.
TRIGGERS = {"kill": "violence", "hate": "hate", "idiot": "harassment"}
#: OpenAI's omni-moderation categories; the image-capable ones are checked on images too.
_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
_IMAGE_CATEGORIES = frozenset(
    {"self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic"}
)
_TRIGGER = re.compile(r"\b(" + "|".join(TRIGGERS) + r")\b", re.IGNORECASE)


def _digest(value: Any, size: int = 32) -> bytes:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.shake_256(text.encode("utf-8")).digest(size)


def raise_if_error(ctx: CallContext) -> None:
    """``mock/error-<status>`` raises that status's error class; ``mock_response=<exception>`` raises it."""
    option = ctx.extra_body.get("mock_response")
    if isinstance(option, type) and issubclass(option, BaseException):
        option = option("mock error")
    if isinstance(option, BaseException):
        if isinstance(option, APIError):
            option.provider = option.provider or ctx.provider
            option.model = option.model or ctx.model
        raise option
    status = re.fullmatch(r"error-(\d{3})", ctx.model)
    if status:
        code = int(status.group(1))
        cls = error_class_for_status(code)
        raise cls(f"mock error {code}", status_code=code, provider=ctx.provider, model=ctx.model)


def _given(ctx: CallContext, shape: type[Any]) -> Any:
    """``mock_response`` when set (a whole response is validated and returned by the caller)."""
    raise_if_error(ctx)
    option = ctx.extra_body.get("mock_response")
    if isinstance(option, dict):
        return shape.model_validate(option)
    return option


def _bad(message: str) -> BadRequestError:
    return BadRequestError(f"mock_response: {message}", provider="mock", param="mock_response")


# ---------------------------------------------------------------- embeddings


def _unit_vector(item: Any, dimensions: int) -> list[float]:
    raw = struct.unpack(f"<{dimensions}I", _digest(item, 4 * dimensions))
    values = [v / 2**31 - 1.0 for v in raw]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _vectors(option: Any, count: int) -> list[list[float]]:
    def vector(v: Any) -> list[float] | None:
        if (
            isinstance(v, (list, tuple))
            and v
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
        ):
            return [float(x) for x in v]
        return None

    one = vector(option)
    if one is not None:
        return [one] * count
    many = [vector(v) for v in option] if isinstance(option, (list, tuple)) else []
    if len(many) != count or any(v is None for v in many):
        raise _bad(f"give one vector (a list of numbers) or one per input ({count})")
    return [v for v in many if v is not None]


def mock_embedding(params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
    given = _given(ctx, EmbeddingResponse)
    if isinstance(given, EmbeddingResponse):
        return given
    model = ctx.model
    value = params["input"]
    items = [value] if isinstance(value, str) or isinstance(value[0], int) else value
    tokens = sum(max(1, len(i) // 4) if isinstance(i, str) else len(i) for i in items)
    if given is not None:
        return make_embedding_response(
            _vectors(given, len(items)),
            model=model,
            prompt_tokens=tokens,
            encoding_format=params.get("encoding_format"),
        )
    dimensions = params.get("dimensions") or 8
    if len(items) * dimensions > MAX_MOCK_EMBEDDING_VALUES:
        raise BadRequestError(
            f"the offline mock computes at most {MAX_MOCK_EMBEDDING_VALUES} values per request"
            f" ({len(items)} inputs x {dimensions} dimensions asked)",
            param="dimensions",
        )
    return make_embedding_response(
        [_unit_vector(item, dimensions) for item in items],
        model=model,
        prompt_tokens=tokens,
        encoding_format=params.get("encoding_format"),
    )


# ---------------------------------------------------------------- images


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def tiny_png(rgb: bytes, side: int = 8) -> bytes:
    """A valid ``side`` x ``side`` truecolour PNG filled with one colour."""
    rows = b"".join(b"\x00" + rgb * side for _ in range(side))  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    chunks = _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def mock_images(params: dict[str, Any], ctx: CallContext) -> ImagesResponse:
    given = _given(ctx, ImagesResponse)
    if isinstance(given, ImagesResponse):
        return given
    if isinstance(given, str) and given.startswith(("http://", "https://", "data:")):
        image = {"url": given}
    else:
        if isinstance(given, bytes):
            encoded = base64.b64encode(given).decode("ascii")
        elif isinstance(given, str):
            encoded = given
        elif given is None:
            encoded = base64.b64encode(tiny_png(_digest(params["prompt"], 3))).decode("ascii")
        else:
            raise _bad("give a URL, a base64 string or image bytes")
        if params.get("response_format") == "url":
            image = {"url": "data:image/png;base64," + encoded}
        else:
            image = {"b64_json": encoded}
    return ImagesResponse.model_validate({"created": int(time.time()), "data": [image] * (params.get("n") or 1)})


# ---------------------------------------------------------------- transcriptions


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def _cue(separator: str, text: str) -> str:
    return f"{_timestamp(0, separator)} --> {_timestamp(DURATION, separator)}\n{text}\n"


def _words(text: str) -> list[dict[str, Any]]:
    words = text.split() or [""]
    step = DURATION / len(words)
    return [{"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)} for i, w in enumerate(words)]


def mock_transcription(params: dict[str, Any], ctx: CallContext) -> TranscriptionResponse | str:
    given = _given(ctx, TranscriptionResponse)
    if isinstance(given, TranscriptionResponse):
        return given
    if given is not None and not isinstance(given, str):
        raise _bad("give the transcript text")
    text = TRANSCRIPT if given is None else given
    fmt = params.get("response_format") or "json"
    if fmt in TEXT_TRANSCRIPT_FORMATS:
        if fmt == "text":
            return text
        return "1\n" + _cue(",", text) if fmt == "srt" else "WEBVTT\n\n" + _cue(".", text)
    usage = {"type": "duration", "seconds": math.ceil(DURATION)}
    body: dict[str, Any] = {"text": text, "usage": usage}
    if fmt == "verbose_json":
        granularities = params.get("timestamp_granularities") or ["segment"]
        body.update(task="transcribe", language=params.get("language") or "english", duration=DURATION)
        if "segment" in granularities:
            segment = {"id": 0, "seek": 0, "start": 0.0, "end": DURATION, "text": text, "tokens": []}
            segment.update(temperature=0.0, avg_logprob=-0.1, compression_ratio=1.0, no_speech_prob=0.0)
            body["segments"] = [segment]
        if "word" in granularities:
            body["words"] = _words(text)
    elif fmt == "diarized_json":
        segment = {"type": "transcript.text.segment", "id": "seg_0", "start": 0.0, "end": DURATION, "speaker": "A"}
        body.update(task="transcribe", duration=DURATION, segments=[dict(segment, text=text)])
    return TranscriptionResponse.model_validate(body)


# ---------------------------------------------------------------- moderations


def _verdict(texts: list[str], has_image: bool, forced: frozenset[str] | None = None) -> dict[str, Any]:
    hits = forced if forced is not None else {TRIGGERS[m.lower()] for text in texts for m in _TRIGGER.findall(text)}
    kinds = (["text"] if texts else []) + (["image"] if has_image else [])
    return {
        "flagged": bool(hits),
        "categories": {c: c in hits for c in _CATEGORIES},
        "category_scores": {c: 0.9 if c in hits else 0.0001 for c in _CATEGORIES},
        "category_applied_input_types": {
            c: kinds if c in _IMAGE_CATEGORIES else [k for k in kinds if k == "text"] for c in _CATEGORIES
        },
    }


def _forced(given: Any) -> frozenset[str] | None:
    if given is None:
        return None
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n in _CATEGORIES for n in names):
        raise _bad(f"give a moderation category or a list of them ({', '.join(_CATEGORIES)})")
    return frozenset(names)


def mock_moderation(params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
    given = _given(ctx, ModerationResponse)
    if isinstance(given, ModerationResponse):
        return given
    forced = _forced(given)
    value = params["input"]
    if isinstance(value, str):
        results = [_verdict([value], False, forced)]
    elif all(isinstance(v, str) for v in value):
        results = [_verdict([v], False, forced) for v in value]
    else:  # one multimodal input: text parts and images judged together
        texts = [p["text"] for p in value if p.get("type") == "text"]
        results = [_verdict(texts, any(p.get("type") == "image_url" for p in value), forced)]
    response = {"id": "modr-mock-" + _digest(value, 6).hex(), "model": ctx.model, "results": results}
    return ModerationResponse.model_validate(response)
