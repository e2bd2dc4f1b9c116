"""OpenAI messages → Gemini ``systemInstruction`` + ``contents``.

https://ai.google.dev/api/generate-content#request-body and
https://ai.google.dev/gemini-api/docs/function-calling:

* ``system``/``developer`` messages, wherever they are, become ``systemInstruction.parts`` in order.
* ``user`` → role ``user``; ``assistant`` → role ``model`` (a text part, then one ``functionCall`` part
  per tool call, with its thought signature, see :mod:`.tool_call_ids`). ``reasoning_content`` is not
  sent back: Gemini keeps its reasoning in the signatures. An assistant message that is only a
  ``refusal`` (content null) stays a model turn, with the refusal as its text.
* Gemini 3 rejects a request whose current turn has a step (a model content) whose first
  ``functionCall`` carries no signature (https://ai.google.dev/gemini-api/docs/thought-signatures:
  the current turn is everything after the last user content with more than function responses). Such
  a call came from another provider or was written by hand, so it gets Google's documented placeholder
  (:data:`.tool_call_ids.SKIP_SIGNATURE`); earlier turns are not validated and stay as written, and so
  do the later calls of a step (Gemini signs only the first of parallel calls).
* An assistant's legacy ``function_call`` is a ``functionCall`` too (answered by a ``function`` message).
* ``tool`` messages → ``functionResponse`` parts in a ``user`` turn. Gemini pairs results with calls by
  function *name*, so the name is looked up from the assistant tool call with the same id earlier in the
  history (the latest one, should a client reuse ids across turns). The call's id is also sent as the
  ``functionCall``/``functionResponse`` ``id``, which keeps parallel calls of one function apart.
  A JSON-object result is sent as the response object; anything else as ``{"result": <text>}``, and so
  is an object that mentions ``"$ref"``: Gemini 3 reads ``$ref`` in a function response as a reference
  to a media part and answers 400 ("does not match to a display_name").
* Consecutive turns of one role are merged in place, in linear time (so parallel tool results form one
  turn), and empty turns are dropped: Gemini rejects both a content without parts and an empty
  ``contents``.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import BadRequestError
from .tool_call_ids import SKIP_SIGNATURE, signature_of, split_tool_call_id

__all__ = ["convert_messages"]

# Extension → MIME type for URLs, which carry none (https://ai.google.dev/gemini-api/docs/file-input-methods).
_MIME_BY_EXTENSION = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "mp3": "audio/mp3",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "mp4": "video/mp4",
    "mov": "video/mov",
    "webm": "video/webm",
}
_DEFAULT_IMAGE_MIME = "image/jpeg"
_URL_SCHEMES = ("http://", "https://", "gs://")


def convert_messages(messages: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Return ``(systemInstruction or None, contents)`` for OpenAI-format ``messages``.

    Raises:
        BadRequestError: a tool message answering no earlier tool call, an unknown content part,
            tool arguments that are not a JSON object, or no user/assistant content at all.
    """
    system_parts: list[dict[str, Any]] = []
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    names_by_id: dict[str, str] = {}
    for i, message in enumerate(messages):
        role = message.get("role")
        if role in ("system", "developer"):
            system_parts += [{"text": t} for t in _texts(message.get("content"), i) if t]
        elif role == "user":
            turns.append(("user", _user_parts(message.get("content"), i)))
        elif role == "assistant":
            turns.append(("model", _assistant_parts(message, i, names_by_id)))
        elif role == "tool":
            turns.append(("user", [_tool_result(message, i, names_by_id)]))
        elif role == "function":  # legacy: the function name is on the message itself
            name = str(message.get("name") or "")
            response = _function_response(name, None, _joined_text(message.get("content"), i))
            turns.append(("user", [response]))
        else:
            raise BadRequestError(f"messages[{i}] has unsupported role {role!r}", provider="gemini", param="messages")

    contents: list[dict[str, Any]] = []
    for role, parts in turns:
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    if not contents:
        raise BadRequestError(
            "Gemini needs at least one user or assistant message with content (system messages alone "
            "become the systemInstruction)",
            provider="gemini",
            param="messages",
        )
    _sign_current_turn(contents)
    system = {"parts": system_parts} if system_parts else None
    return system, contents


def _sign_current_turn(contents: list[dict[str, Any]]) -> None:
    """Give the first ``functionCall`` of each model step of the current turn a signature if it has none."""
    start = 0
    for i in range(len(contents) - 1, -1, -1):
        content = contents[i]
        if content["role"] == "user" and any("functionResponse" not in p for p in content["parts"]):
            start = i + 1
            break
    for content in contents[start:]:
        if content["role"] != "model":
            continue
        for part in content["parts"]:
            if "functionCall" in part:
                part.setdefault("thoughtSignature", SKIP_SIGNATURE)
                break


def _assistant_parts(message: dict[str, Any], index: int, names_by_id: dict[str, str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": t} for t in _texts(message.get("content"), index) if t]
    refusal = message.get("refusal")
    if not parts and isinstance(refusal, str) and refusal:
        parts.append({"text": refusal})
    for call in message.get("tool_calls") or ():
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict):
            raise BadRequestError(
                f"messages[{index}]: a tool call must be {{'id': ..., 'type': 'function', 'function': {{...}}}}",
                provider="gemini",
                param="messages",
            )
        name = str(fn.get("name") or "")
        call_id = str(call.get("id") or "")
        function_call: dict[str, Any] = {"name": name, "args": _arguments(fn.get("arguments"), index, name)}
        plain_id, _ = split_tool_call_id(call_id)
        if plain_id:
            function_call["id"] = plain_id
            names_by_id[call_id] = name
            names_by_id[plain_id] = name
        part: dict[str, Any] = {"functionCall": function_call}
        signature = signature_of(call)
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    legacy = message.get("function_call")  # the deprecated single call: no id, paired by name
    if isinstance(legacy, dict) and legacy.get("name"):
        name = str(legacy["name"])
        parts.append({"functionCall": {"name": name, "args": _arguments(legacy.get("arguments"), index, name)}})
    return parts


def _tool_result(message: dict[str, Any], index: int, names_by_id: dict[str, str]) -> dict[str, Any]:
    call_id = str(message.get("tool_call_id") or "")
    plain_id, _ = split_tool_call_id(call_id)
    name = names_by_id.get(call_id) or names_by_id.get(plain_id)
    if name is None:
        raise BadRequestError(
            f"messages[{index}] is a tool result for tool_call_id {plain_id!r}, but no earlier assistant "
            "message has a tool call with that id (Gemini needs the function name, taken from that call)",
            provider="gemini",
            param="messages",
        )
    return _function_response(name, plain_id or None, _joined_text(message.get("content"), index))


def _function_response(name: str, call_id: str | None, text: str) -> dict[str, Any]:
    response: Any = None
    if text.lstrip().startswith("{") and '"$ref"' not in text:
        try:
            response = json.loads(text)
        except ValueError:
            response = None
    if not isinstance(response, dict):
        response = {"result": text}
    body: dict[str, Any] = {"name": name, "response": response}
    if call_id:
        body["id"] = call_id
    return {"functionResponse": body}


def _arguments(raw: Any, index: int, name: str) -> dict[str, Any]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise BadRequestError(
            f"messages[{index}]: arguments of tool call {name!r} must be a JSON object, got {raw!r:.200}",
            provider="gemini",
            param="messages",
        )
    return value


def _texts(content: Any, index: int) -> list[str]:
    """The text pieces of a system/assistant/tool content (a string or text/refusal parts)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    texts: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text") or ""))
        elif kind == "refusal":
            texts.append(str(part.get("refusal") or ""))
        else:
            raise BadRequestError(
                f"messages[{index}]: content part type {kind!r} is not allowed here",
                provider="gemini",
                param="messages",
            )
    return texts


def _joined_text(content: Any, index: int) -> str:
    return "".join(_texts(content, index))


def _user_parts(content: Any, index: int) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if part.get("text"):
                parts.append({"text": str(part["text"])})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            parts.append(_media_part(str(url or ""), _DEFAULT_IMAGE_MIME, index))
        elif kind == "input_audio":
            audio = part.get("input_audio") or {}
            fmt = str(audio.get("format") or "wav")
            parts.append({"inlineData": {"mimeType": f"audio/{fmt}", "data": str(audio.get("data") or "")}})
        elif kind == "file":
            parts.append(_file_part(part.get("file") or {}, index))
        else:
            raise BadRequestError(
                f"messages[{index}]: content part type {kind!r} is not supported by Gemini",
                provider="gemini",
                param="messages",
            )
    return parts


def _file_part(file: dict[str, Any], index: int) -> dict[str, Any]:
    mime = _mime_from_name(str(file.get("filename") or ""), "application/pdf")
    data = file.get("file_data")
    if isinstance(data, str) and data:
        if data.startswith("data:"):
            return _media_part(data, mime, index)
        return {"inlineData": {"mimeType": mime, "data": data}}
    file_id = file.get("file_id")
    if isinstance(file_id, str) and file_id:  # a Gemini Files API URI
        return {"fileData": {"mimeType": mime, "fileUri": file_id}}
    raise BadRequestError(f"messages[{index}]: a file part needs file_data or file_id", provider="gemini")


def _media_part(url: str, default_mime: str, index: int) -> dict[str, Any]:
    """``data:`` URLs are sent inline; http(s)/gs URLs as ``fileData``, which Gemini fetches itself."""
    if url.startswith("data:"):
        header, sep, data = url[5:].partition(",")
        if not sep or not header.endswith(";base64"):
            raise BadRequestError(
                f"messages[{index}]: data URLs must be base64 ('data:<mime>;base64,...')", provider="gemini"
            )
        mime = header[: -len(";base64")].split(";", 1)[0] or default_mime
        return {"inlineData": {"mimeType": mime, "data": data}}
    if url.startswith(_URL_SCHEMES):
        return {"fileData": {"mimeType": _mime_from_name(url, default_mime), "fileUri": url}}
    raise BadRequestError(
        f"messages[{index}]: media URL must be a data:, http(s):// or gs:// URL, got {url[:80]!r}",
        provider="gemini",
    )


def _mime_from_name(name: str, default: str) -> str:
    path = name.split("?", 1)[0].split("#", 1)[0]
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return default
    return _MIME_BY_EXTENSION.get(last.rsplit(".", 1)[-1].lower(), default)
