"""Scripts for the offline mock: the turns a conversation plays, in order.

A script is a list of turns; each turn is one of (as Python values or JSON)::

    "Hello"                                            # a text answer (same as {"text": "Hello"})
    {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}   # arguments optional:
                                                       #   omitted, they are built from the tool's schema
    {"tool_call": {"name": "get_weather"}}             # one call
    {"error": 429, "message": "slow down"}             # raises the error class for that status
    {"text": "Partial answ", "error": 500}             # a stream that fails midway: the text, then the error
    {"text": "Done", "delay": 1.5}                     # "delay": seconds to wait first, on any turn
    {"delay": 0.5}                                     # wait, then the mock's default answer

**Which turn plays.** A plain list is stateless: the turn played is the one at the index of the number of
assistant messages already in the conversation (the first call plays turn 0, the call after one assistant answer
turn 1...). So the same script works through a gateway with several workers, and a replayed conversation plays
the same turns. A retry of a call that got a scripted error replays that error (the conversation did not grow):
to script a transient failure, use a :class:`MockScript` object, which counts its own calls instead (one process;
thread-safe). Past the last turn, the mock answers as it does with no script. Few-shot examples written as
assistant messages count as turns too: start the script with as many placeholder turns, or use a MockScript.

A script may also be JSON text (``[...]`` or ``{"turns": [...]}``), as the gateway's ``x-mock-script`` header
sends it. Bounds: at most :data:`MAX_TURNS` turns; JSON text at most :data:`MAX_HEADER_BYTES`; a delay at most
:data:`MAX_DELAY` seconds.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequestError

__all__ = [
    "HEADER",
    "MAX_DELAY",
    "MAX_HEADER_BYTES",
    "MAX_TURNS",
    "MockScript",
    "ScriptedCall",
    "Turn",
    "parse_script",
    "turn_for",
]

HEADER = "x-mock-script"
MAX_TURNS = 256
#: A script given as JSON text (the gateway's header): at most this many bytes.
MAX_HEADER_BYTES = 16 * 1024
MAX_DELAY = 60.0


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    name: str
    arguments: Any = None  # None: built from the tool's schema; a str is sent as is; else JSON-encoded
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One scripted answer; with neither ``text``, ``tool_calls`` nor ``error`` the mock's default answer."""

    text: str | None = None
    tool_calls: tuple[ScriptedCall, ...] = ()
    error: int | None = None
    message: str | None = None
    delay: float = 0.0


class MockScript:
    """A script that counts its own calls (``mock_script=MockScript([...])``): every call plays the next turn,
    whatever the conversation holds — for retries after a scripted error, or turns outside one conversation.
    Past the end it returns ``None`` (the mock's default answer). ``played`` says how many turns were used."""

    def __init__(self, turns: Iterable[Any]) -> None:
        self.turns = parse_script(list(turns))
        self.played = 0
        self._lock = threading.Lock()

    def next_turn(self) -> Turn | None:
        with self._lock:
            if self.played >= len(self.turns):
                return None
            self.played += 1
            return self.turns[self.played - 1]

    def __repr__(self) -> str:
        return f"MockScript({len(self.turns)} turns, {self.played} played)"


def _bad(message: str) -> BadRequestError:
    return BadRequestError(f"mock_script: {message}", provider="mock", param="mock_script", code="invalid_mock_script")


def parse_script(value: Any) -> tuple[Turn, ...]:
    """A script (list of turns, or its JSON text) → turns; a malformed one is a ``BadRequestError`` naming the turn."""
    if isinstance(value, (str, bytes)):
        if len(value) > MAX_HEADER_BYTES:
            raise _bad(f"a script in JSON text (the {HEADER} header) is at most {MAX_HEADER_BYTES} bytes")
        try:
            value = json.loads(value)
        except ValueError:
            raise _bad("not valid JSON") from None
    if isinstance(value, Mapping) and "turns" in value:
        value = value["turns"]
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise _bad("must be a list of turns")
    if len(value) > MAX_TURNS:
        raise _bad(f"at most {MAX_TURNS} turns ({len(value)} given)")
    return tuple(_turn(item, i) for i, item in enumerate(value))


def _turn(item: Any, i: int) -> Turn:
    if isinstance(item, Turn):
        return item
    if isinstance(item, str):
        return Turn(text=item)
    if not isinstance(item, Mapping):
        raise _bad(f"turn {i} must be a string or an object")
    unknown = sorted(set(item) - {"text", "content", "tool_calls", "tool_call", "error", "message", "delay"})
    if unknown:
        raise _bad(f"turn {i} has unknown key(s) {', '.join(map(repr, unknown))}")
    text = item.get("text", item.get("content"))
    if text is not None and not isinstance(text, str):
        raise _bad(f"turn {i}: text must be a string")
    raw_calls = item.get("tool_calls")
    if "tool_call" in item:
        raw_calls = [item["tool_call"], *(raw_calls or [])]
    if raw_calls is not None and not isinstance(raw_calls, list):
        raise _bad(f"turn {i}: tool_calls must be a list")
    calls = tuple(_call(c, i) for c in raw_calls or ())
    error = item.get("error")
    if error is not None and (isinstance(error, bool) or not isinstance(error, int) or not 400 <= error <= 599):
        raise _bad(f"turn {i}: error must be an HTTP error status (400-599)")
    message = item.get("message")
    if message is not None and not isinstance(message, str):
        raise _bad(f"turn {i}: message must be a string")
    delay = item.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_DELAY:
        raise _bad(f"turn {i}: delay must be a number of seconds from 0 to {MAX_DELAY:g}")
    return Turn(text=text, tool_calls=calls, error=error, message=message, delay=float(delay))


def _call(c: Any, i: int) -> ScriptedCall:
    if isinstance(c, ScriptedCall):
        return c
    if not isinstance(c, Mapping) or not isinstance(c.get("name"), str) or not c["name"]:
        raise _bad(f"turn {i}: each tool call needs a name, e.g. {{'name': 'get_weather'}}")
    call_id = c.get("id")
    if call_id is not None and not isinstance(call_id, str):
        raise _bad(f"turn {i}: a tool call id must be a string")
    return ScriptedCall(name=c["name"], arguments=c.get("arguments"), id=call_id)


def turn_for(script: Any, messages: Sequence[Mapping[str, Any]]) -> Turn | None:
    """The turn to play for this conversation (see the module docstring), or ``None`` past the end."""
    if isinstance(script, MockScript):
        return script.next_turn()
    turns = parse_script(script)
    position = sum(1 for m in messages if isinstance(m, Mapping) and m.get("role") == "assistant")
    return turns[position] if position < len(turns) else None
