"""What a route handler gets: the request, already authenticated and with its body read."""

from __future__ import annotations

from dataclasses import dataclass

from .config import ClientKey

__all__ = ["Request"]


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names; latin-1 text of the raw bytes
    key: ClientKey
    body: bytes = b""
    path_param: str = ""  # the rest of the path after a prefix route (a model id)
