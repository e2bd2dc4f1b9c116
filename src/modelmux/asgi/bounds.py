"""How much one request may ask of the gateway: every size a client controls has a limit, checked before the work.

The body itself is bounded by the key's ``max_body_bytes`` (10 MiB by default); inside it, these bound the number of
things the translation walks over, so that the work per request stays linear and small whatever the bytes hold.
Each default is far above what real agent traffic sends (the reason is given with each), so a refusal always means
a broken or hostile client. A refusal is a 400 ``invalid_request_error`` with code ``request_too_complex`` naming
the parameter and the limit.

Embedding sizes are the library's own limits (``modelmux._embeddings``), checked for every caller; image ``n`` is
1 to 10 there too (OpenAI's range).
"""

from __future__ import annotations

from .errors import HTTPError

__all__ = [
    "MAX_CONTENT_PARTS",
    "MAX_JSON_DEPTH",
    "MAX_MESSAGES",
    "MAX_PARTS_PER_MESSAGE",
    "MAX_SCHEMA_DEPTH",
    "MAX_SCHEMA_NODES",
    "MAX_TOOLS",
    "MAX_TOOL_CALLS_PER_MESSAGE",
    "check_count",
    "too_complex",
]

#: Messages in one chat request. The longest agent sessions seen are a few thousand turns; 10,000 messages of
#: even 100 tokens each already fill a 1M-token context window.
MAX_MESSAGES = 10_000
#: Content parts in one message. Gemini takes up to 3,000 images per prompt, all of which may sit in one message.
MAX_PARTS_PER_MESSAGE = 5_000
#: Content parts in the whole request (Anthropic accepts 100 images per request, OpenAI 500, Gemini 3,000).
MAX_CONTENT_PARTS = 20_000
#: Tool calls in one assistant message (parallel calls are counted in tens at most).
MAX_TOOL_CALLS_PER_MESSAGE = 1_000
#: Tools (``tools`` plus legacy ``functions``) in one request. OpenAI accepts at most 128; MCP-heavy agents on
#: other providers send a few hundred.
MAX_TOOLS = 1_024
#: JSON values (objects, arrays and scalars) in all the request's schemas together: every tool's ``parameters``
#: and ``response_format.json_schema.schema``. OpenAI's structured outputs allow 5,000 properties in a schema
#: (about 15,000 values); 128 large tool schemas stay under 50,000. Schema conversion walks each value at least
#: once per provider, so this bounds that work.
MAX_SCHEMA_NODES = 100_000
#: Nesting of any one schema, in JSON levels (a property's schema is two levels below its object: ``properties``,
#: then its name). OpenAI's structured outputs allow 10 levels of nesting, about 20 JSON levels; 64 leaves room for
#: the wrapping each provider adds and keeps the recursive converters far from Python's recursion limit.
MAX_SCHEMA_DEPTH = 64
#: Nesting of the whole body: no value may sit inside more than this many arrays and objects (the body object
#: counts). It is the JSON parser's own limit (pydantic-core's jiter refuses deeper input). The serialiser that
#: sends the translated body upstream allows 254, so whatever is accepted here can be re-serialised after a
#: provider nests it a few levels deeper; deeper bodies are a 400, never a 500.
MAX_JSON_DEPTH = 200


def too_complex(message: str, param: str) -> HTTPError:
    return HTTPError(400, message, param=param, code="request_too_complex")


def check_count(count: int, limit: int, what: str, param: str) -> None:
    if count > limit:
        raise too_complex(f"Too many {what}: {count} (at most {limit}).", param)
