"""Credentials a call carries besides ``api_key``: values of credential headers in ``extra_headers`` and of
credential options (``aws_session_token``, ``azure_ad_token``, ``vertex_credentials``…), so that ``Call.scrub`` and
the log filter redact them like the key when an upstream echoes them back (an Azure APIM gateway quoting its
``Ocp-Apim-Subscription-Key``, a proxy quoting the ``Authorization`` it refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["credentials_in"]

#: Header names whose values are credentials. Broad on purpose (``x-api-key``, ``api-key``, ``Authorization``,
#: ``Ocp-Apim-Subscription-Key``, ``X-Amz-Security-Token``, ``Cookie``…): a value redacted needlessly costs nothing,
#: one shown is a leaked credential. (The same rule hides them from callbacks: ``callbacks._event``.)
_SECRET_HEADER = re.compile(r"auth|key|token|secret|cookie|signature|password|credential", re.IGNORECASE)
#: Option names that hold credentials.
_SECRET_OPTION = re.compile(r"key|secret|token|credential|password", re.IGNORECASE)
#: Shorter values are not taken as credentials (so that a header such as ``x-key-version: 2`` does not blank
#: every "2" in an error); every real credential format is longer.
MIN_LENGTH = 8


def _values(value: str) -> Iterator[str]:
    """``value``, and its credential part after an auth scheme (``Bearer x`` → ``x``, ``SharedKey a:sig`` → ``a:sig``):
    an upstream may echo either."""
    yield value
    scheme, _, rest = value.strip().partition(" ")
    if rest and scheme.isalpha():
        yield rest.strip()


def _option_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value.lstrip().startswith("{"):  # a JSON credential (a service-account file's text)
            try:
                import json

                parsed = json.loads(value)
            except ValueError:
                return
            yield from _option_values(parsed)
    elif isinstance(value, Mapping):  # a service-account dict: its secret fields
        for name, inner in value.items():
            if isinstance(inner, str) and _SECRET_OPTION.search(str(name)):
                yield inner


def credentials_in(headers: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """The credential values in ``headers`` (``extra_headers``) and ``options`` (a provider's call options)."""
    if not headers and not options:
        return []  # most calls: nothing to look at
    found: list[str] = []
    for name, value in headers.items():
        if isinstance(value, str) and _secret(_SECRET_HEADER, name):
            found.extend(_values(value))
    for name, value in options.items():
        if _secret(_SECRET_OPTION, name):
            found.extend(_option_values(value))
    if not found:
        return []
    return [v for v in dict.fromkeys(found) if len(v) >= MIN_LENGTH]


#: Names already judged, per rule: calls repeat the same few header and option names.
_judged: dict[tuple[re.Pattern[str], str], bool] = {}


def _secret(rule: re.Pattern[str], name: Any) -> bool:
    key = (rule, str(name))
    try:
        return _judged[key]
    except KeyError:
        verdict = rule.search(key[1]) is not None
        if len(_judged) < 4096:  # names come from callers: bounded
            _judged[key] = verdict
        return verdict
