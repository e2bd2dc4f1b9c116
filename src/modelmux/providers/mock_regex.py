"""A string that a (simple) regular expression matches, for ``pattern`` in the mock's JSON schemas.

Understands what schema patterns use: literals, ``.``, classes (``[a-z0-9_]``, ``[^...]``), ``\\d \\w \\s`` and
their negations, groups with alternation, the quantifiers ``? * + {n} {n,} {n,m}`` (lazy too) and the anchors
``^ $ \\b``. Anything else (look-arounds, back-references) gives up: :func:`example_for_pattern` returns ``None``.
The result is checked with :mod:`re` before it is returned.
"""

from __future__ import annotations

import random
import re
import string

__all__ = ["example_for_pattern"]

_CLASS_ESCAPES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_", "s": " "}
_PRINTABLE = string.ascii_letters + string.digits + "-_ .@"
_MAX_REPEAT = 3


class _GiveUp(Exception):
    pass


class _Gen:
    def __init__(self, pattern: str, rng: random.Random) -> None:
        self.p = pattern
        self.i = 0
        self.rng = rng

    def peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def take(self) -> str:
        ch = self.peek()
        self.i += 1
        return ch

    def alternation(self) -> str:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[self.rng.randrange(len(branches))]

    def sequence(self) -> str:
        out = []
        while self.peek() not in ("", "|", ")"):
            start = self.i
            atom = self.atom()
            out.append(self.quantified(atom, start))
        return "".join(out)

    def quantified(self, first: str, start: int) -> str:
        low, high = self.quantifier()
        if (low, high) == (1, 1):
            return first
        end = self.i
        count = self.rng.randint(low, min(high, low + _MAX_REPEAT))
        parts = []
        for _ in range(count):  # regenerate the atom each time, so "[a-z]{3}" gives varied letters
            self.i = start
            parts.append(self.atom())
            self.quantifier()
        self.i = end
        return "".join(parts)

    def quantifier(self) -> tuple[int, int]:
        ch = self.peek()
        bounds = {"?": (0, 1), "*": (0, _MAX_REPEAT), "+": (1, _MAX_REPEAT)}.get(ch)
        if bounds is not None:
            self.i += 1
        elif ch == "{":
            match = re.match(r"\{(\d+)(,(\d*))?\}", self.p[self.i :])
            if not match:
                return 1, 1
            self.i += match.end()
            low = int(match.group(1))
            high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else low + _MAX_REPEAT)
            bounds = (low, high)
        else:
            return 1, 1
        if self.peek() == "?":  # lazy: same strings
            self.i += 1
        return bounds

    def atom(self) -> str:
        ch = self.take()
        if ch == "(":
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self.peek() == "?":
                raise _GiveUp
            value = self.alternation()
            if self.take() != ")":
                raise _GiveUp
            return value
        if ch == "[":
            return self.pick(self.klass())
        if ch == "\\":
            return self.escape()
        if ch == ".":
            return self.pick(string.ascii_lowercase)
        if ch in "^$":
            return ""
        return ch

    def escape(self) -> str:
        ch = self.take()
        if ch in _CLASS_ESCAPES:
            return self.pick(_CLASS_ESCAPES[ch])
        if ch in "DWS":
            return self.pick("".join(c for c in _PRINTABLE if c not in _CLASS_ESCAPES[ch.lower()]))
        if ch in "bBAZz":
            return ""
        if ch.isdigit() or ch in "pPk" or not ch:
            raise _GiveUp
        return {"n": "\n", "t": "\t"}.get(ch, ch)

    def klass(self) -> str:
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        chars = []
        first = True
        while self.peek() and (self.peek() != "]" or first):
            first = False
            ch = self.take()
            if ch == "\\":
                esc = self.take()
                chars.append(_CLASS_ESCAPES.get(esc, {"n": "\n", "t": "\t"}.get(esc, esc)))
                continue
            if self.peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("]", ""):
                self.i += 1
                end = self.take()
                chars.append("".join(chr(c) for c in range(ord(ch), ord(end) + 1)))
                continue
            chars.append(ch)
        if self.take() != "]":
            raise _GiveUp
        members = "".join(chars)
        if negate:
            members = "".join(c for c in _PRINTABLE if c not in members)
        return members

    def pick(self, members: str) -> str:
        if not members:
            raise _GiveUp
        return members[self.rng.randrange(len(members))]


def example_for_pattern(pattern: str, rng: random.Random) -> str | None:
    """A string ``re.search(pattern, ...)`` accepts, or ``None`` when the pattern is beyond this generator."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    for _ in range(5):
        gen = _Gen(pattern, rng)
        try:
            value = gen.alternation()
        except (_GiveUp, IndexError, ValueError):
            return None
        if gen.i >= len(pattern) and compiled.search(value):
            return value
    return None
