"""Per-call overhead of modelmux (and litellm, if importable) against a raw-httpx floor.

Starts ``fake_upstream.py`` in a subprocess, then times every contender in one
process, interleaved: each round calls every active contender once, rotating
the starting contender from round to round, so drift (CPU frequency, noisy
neighbours, cache state) hits all contenders alike.  Warm-up rounds come first
and are not recorded.

Then measures import time and resident-memory growth of ``import X`` in fresh
interpreters.

    python benchmarks/bench_completion.py            # full run
    python benchmarks/bench_completion.py --quick    # smoke run
    python benchmarks/bench_completion.py --json out.json

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import math
import os
import platform
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import json_safe, versions
from fake_upstream import STREAM_EVENTS, start_in_subprocess, words

# litellm otherwise tries to download its model price map at import time.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx

API_KEY = "sk-bench"
OPENAI_MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-sonnet-4-20250514"
ANTHROPIC_VERSION = "2023-06-01"
ANTHROPIC_MAX_TOKENS = 4096
BEDROCK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
BEDROCK_MODEL_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0"
AWS_CREDENTIALS = {
    "aws_access_key_id": "AKIDEXAMPLE",
    "aws_secret_access_key": "secret",
    "aws_region_name": "us-east-1",
}
COHERE_MODEL = "command-a-03-2025"
OLLAMA_MODEL = "llama3.1"
GEMINI_MODEL = "gemini-2.0-flash"
MISTRAL_MODEL = "mistral-small-latest"
SYSTEM_PROMPT = "You are a helpful assistant."
USER_PROMPT = "Write about thirty words on benchmarking."
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": SYSTEM_PROMPT},
    {"role": "user", "content": USER_PROMPT},
]

EXPECTED_TEXT = "".join(words(30))
EXPECTED_STREAM_TEXT = "".join(words(STREAM_EVENTS))

FLOOR = "floor (httpx)"
MODELMUX = "modelmux"
LITELLM = "litellm"

PROVIDERS = ("openai", "anthropic", "gemini", "bedrock", "cohere", "ollama", "mistral")
# "(one read)": the fake upstream sends the whole stream as one HTTP chunk (path prefix /one-read), so the
# client gets every event in one network read and only its per-event CPU shows.
SCENARIOS = tuple(s for p in PROVIDERS for s in (p, f"{p} stream", f"{p} stream (one read)"))
ONE_READ = "/one-read"

# Length scaling (--lengths): the same streams with n content events (path prefix /events/{n}), both shapes.
DEFAULT_LENGTHS = (50, 200, 1000, 5000)
#: Flat: from the second length on, modelmux's CPU per event at a length is at most this much over the length
#: before (per-event cost must not grow with the stream; the call's fixed cost makes it fall at first).
FLAT_TOLERANCE = 1.15


def length_scenarios(lengths: Iterable[int]) -> tuple[str, ...]:
    return tuple(s for p in PROVIDERS for n in lengths for s in (f"{p} stream n={n}", f"{p} stream n={n} (one read)"))


def scenario_events(scenario: str) -> int:
    """The content events of a streamed scenario (``n=…`` in its name, else the default)."""
    for word in scenario.split():
        if word.startswith("n="):
            return int(word[2:])
    return STREAM_EVENTS


#: Aims of issue 12: non-streamed at most the floor, a 200-event stream at most 1.3x, either shape.
AIMS = {s: (1.3 if "stream" in s else 1.0) for s in SCENARIOS}
IMPORT_AIM = 1.5

Call = Callable[[], str]
"""A contender: makes one request and returns the assistant text (for the sanity check)."""


# --------------------------------------------------------------------------- helpers


def _get(obj: Any, *path: str | int) -> Any:
    """Walk ``path`` through dicts, sequences and attributes alike."""
    for key in path:
        obj = obj[key] if isinstance(key, int) or isinstance(obj, dict) else getattr(obj, key)
    return obj


def _chunk_text(chunk: Any) -> str:
    """The text of a chunk: a parsed JSON dict (the floor), or a library's object read as its users write it."""
    if isinstance(chunk, dict):
        choices = chunk.get("choices")
        return (choices[0]["delta"].get("content") or "") if choices else ""
    choices = chunk.choices
    return (choices[0].delta.content or "") if choices else ""


def select_scenarios(spec: str | None, known: tuple[str, ...] = SCENARIOS) -> tuple[str, ...]:
    """The scenarios named by ``--scenarios``: comma-separated names or prefixes.

    An entry selects the scenario of that name and every scenario that starts with it followed by a space,
    so ``bedrock`` selects ``bedrock``, ``bedrock stream`` and ``bedrock stream (one read)``, and
    ``openai stream`` selects ``openai stream`` and ``openai stream (one read)``.
    """
    if not spec:
        return known
    entries = [e.strip() for e in spec.split(",") if e.strip()]
    unknown = [e for e in entries if not any(s == e or s.startswith(e + " ") for s in known)]
    if unknown:
        raise SystemExit(f"--scenarios: no scenario matches {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    return tuple(s for s in known if any(s == e or s.startswith(e + " ") for e in entries))


def event_stream_payloads(chunks: Iterable[bytes]) -> Iterable[bytes]:
    """The payloads of AWS event-stream messages, minimal: lengths from the prelude, no CRC check, no headers."""
    buf = bytearray()
    unpack = struct.unpack_from
    for chunk in chunks:
        buf += chunk
        pos = 0
        while len(buf) - pos >= 12:
            total, headers_len = unpack(">II", buf, pos)
            if len(buf) - pos < total:
                break
            yield bytes(buf[pos + 12 + headers_len : pos + total - 4])
            pos += total
        if pos:
            del buf[:pos]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


# --------------------------------------------------------------------------- contenders


def floor_calls(url: str, lengths: Iterable[int] = ()) -> dict[str, Call]:
    """Raw httpx: one shared client, the request a library would send, minimal parsing."""
    client = httpx.Client(timeout=30.0)
    calls = {
        **_floor_calls(client, url),
        **{f"{k} (one read)": v for k, v in _floor_calls(client, url + ONE_READ).items() if "stream" in k},
    }
    for n in lengths:
        for prefix, suffix in (("", ""), (ONE_READ, " (one read)")):
            sized = _floor_calls(client, f"{url}{prefix}/events/{n}")
            calls.update({f"{k} n={n}{suffix}": v for k, v in sized.items() if "stream" in k})
    return calls


def _floor_calls(client: httpx.Client, url: str) -> dict[str, Call]:
    oa_url = url + "/v1/chat/completions"
    oa_headers = {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
    an_url = url + "/v1/messages"
    an_headers = {
        "x-api-key": API_KEY,
        "anthropic-version": ANTHROPIC_VERSION,
        "content-type": "application/json",
    }

    def openai() -> str:
        body = {"model": OPENAI_MODEL, "messages": MESSAGES}
        resp = client.post(oa_url, content=json.dumps(body).encode(), headers=oa_headers)
        resp.raise_for_status()
        data = resp.json()
        return str(data["choices"][0]["message"]["content"])

    def openai_stream() -> str:
        body = {"model": OPENAI_MODEL, "messages": MESSAGES, "stream": True}
        parts: list[str] = []
        with client.stream("POST", oa_url, content=json.dumps(body).encode(), headers=oa_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                parts.append(_chunk_text(json.loads(payload)))
        return "".join(parts)

    def _anthropic_body(stream: bool) -> bytes:
        body: dict[str, Any] = {
            "model": ANTHROPIC_MODEL,
            "max_tokens": ANTHROPIC_MAX_TOKENS,
            "system": SYSTEM_PROMPT,
            "messages": [{"role": "user", "content": USER_PROMPT}],
        }
        if stream:
            body["stream"] = True
        return json.dumps(body).encode()

    def anthropic() -> str:
        resp = client.post(an_url, content=_anthropic_body(False), headers=an_headers)
        resp.raise_for_status()
        data = resp.json()
        return "".join(block["text"] for block in data["content"] if block["type"] == "text")

    def anthropic_stream() -> str:
        parts: list[str] = []
        with client.stream("POST", an_url, content=_anthropic_body(True), headers=an_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event["type"] == "content_block_delta":
                    parts.append(event["delta"].get("text", ""))
        return "".join(parts)

    # Bedrock: the Converse body modelmux sends; the floor neither signs the request nor checks CRCs.
    br_url = url + BEDROCK_MODEL_PATH
    br_headers = {"content-type": "application/json", "accept": "application/json"}
    br_stream_headers = {"content-type": "application/json", "accept": "application/vnd.amazon.eventstream"}
    br_body = {
        "messages": [{"role": "user", "content": [{"text": USER_PROMPT}]}],
        "system": [{"text": SYSTEM_PROMPT}],
        "inferenceConfig": {},
    }

    def bedrock() -> str:
        resp = client.post(br_url + "/converse", content=json.dumps(br_body).encode(), headers=br_headers)
        resp.raise_for_status()
        data = resp.json()
        return "".join(block.get("text", "") for block in data["output"]["message"]["content"])

    def bedrock_stream() -> str:
        parts: list[str] = []
        body = json.dumps(br_body).encode()
        with client.stream("POST", br_url + "/converse-stream", content=body, headers=br_stream_headers) as resp:
            resp.raise_for_status()
            for payload in event_stream_payloads(resp.iter_bytes()):
                event = json.loads(payload)
                delta = event.get("delta")
                if delta is not None:
                    parts.append(delta.get("text", ""))
        return "".join(parts)

    co_url = url + "/v2/chat"
    co_headers = {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}

    def cohere() -> str:
        body = {"model": COHERE_MODEL, "messages": MESSAGES, "stream": False}
        resp = client.post(co_url, content=json.dumps(body).encode(), headers=co_headers)
        resp.raise_for_status()
        data = resp.json()
        return "".join(block["text"] for block in data["message"]["content"] if block["type"] == "text")

    def cohere_stream() -> str:
        body = {"model": COHERE_MODEL, "messages": MESSAGES, "stream": True}
        parts: list[str] = []
        with client.stream("POST", co_url, content=json.dumps(body).encode(), headers=co_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event["type"] == "content-delta":
                    parts.append(event["delta"]["message"]["content"].get("text", ""))
        return "".join(parts)

    ge_url = f"{url}/v1beta/models/{GEMINI_MODEL}"
    ge_headers = {"x-goog-api-key": API_KEY, "content-type": "application/json"}
    ge_body = {
        "contents": [{"role": "user", "parts": [{"text": USER_PROMPT}]}],
        "systemInstruction": {"parts": [{"text": SYSTEM_PROMPT}]},
    }

    def gemini() -> str:
        resp = client.post(ge_url + ":generateContent", content=json.dumps(ge_body).encode(), headers=ge_headers)
        resp.raise_for_status()
        data = resp.json()
        return "".join(part.get("text", "") for part in data["candidates"][0]["content"]["parts"])

    def gemini_stream() -> str:
        parts: list[str] = []
        stream_url = ge_url + ":streamGenerateContent?alt=sse"
        with client.stream("POST", stream_url, content=json.dumps(ge_body).encode(), headers=ge_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                parts += (part.get("text", "") for part in event["candidates"][0]["content"]["parts"])
        return "".join(parts)

    # Mistral speaks the OpenAI dialect at /v1/chat/completions (the fake upstream answers as for OpenAI).
    mi_body = {"model": MISTRAL_MODEL, "messages": MESSAGES}

    def mistral() -> str:
        resp = client.post(oa_url, content=json.dumps(mi_body).encode(), headers=oa_headers)
        resp.raise_for_status()
        return str(resp.json()["choices"][0]["message"]["content"])

    def mistral_stream() -> str:
        parts: list[str] = []
        body = json.dumps({**mi_body, "stream": True}).encode()
        with client.stream("POST", oa_url, content=body, headers=oa_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                parts.append(_chunk_text(json.loads(payload)))
        return "".join(parts)

    ol_url = url + "/api/chat"
    ol_headers = {"content-type": "application/json"}

    def ollama() -> str:
        body = {"model": OLLAMA_MODEL, "messages": MESSAGES, "stream": False}
        resp = client.post(ol_url, content=json.dumps(body).encode(), headers=ol_headers)
        resp.raise_for_status()
        return str(resp.json()["message"]["content"])

    def ollama_stream() -> str:
        body = {"model": OLLAMA_MODEL, "messages": MESSAGES, "stream": True}
        parts: list[str] = []
        with client.stream("POST", ol_url, content=json.dumps(body).encode(), headers=ol_headers) as resp:
            resp.raise_for_status()
            for line in resp.iter_lines():
                if line:
                    parts.append(json.loads(line)["message"]["content"])
        return "".join(parts)

    return {
        "openai": openai,
        "openai stream": openai_stream,
        "anthropic": anthropic,
        "anthropic stream": anthropic_stream,
        "bedrock": bedrock,
        "bedrock stream": bedrock_stream,
        "cohere": cohere,
        "cohere stream": cohere_stream,
        "ollama": ollama,
        "ollama stream": ollama_stream,
        "gemini": gemini,
        "gemini stream": gemini_stream,
        "mistral": mistral,
        "mistral stream": mistral_stream,
    }


def modelmux_routes(url: str) -> dict[str, dict[str, Any]]:
    """Provider name → the keyword arguments of a ``modelmux.completion`` call against the fake upstream at ``url``.

    ``api_base`` is the one key that changes for the one-read variants (``url`` + ``/one-read``).
    """
    return {
        "openai": {"model": f"openai/{OPENAI_MODEL}", "api_base": url + "/v1", "api_key": API_KEY},
        "anthropic": {"model": f"anthropic/{ANTHROPIC_MODEL}", "api_base": url, "api_key": API_KEY},
        # Signed with SigV4 on every call (modelmux appends /model/{id}/converse[-stream] to api_base).
        "bedrock": {"model": f"bedrock/{BEDROCK_MODEL}", "api_base": url, **AWS_CREDENTIALS},
        "cohere": {"model": f"cohere/{COHERE_MODEL}", "api_base": url, "api_key": API_KEY},  # + /v2/chat
        "ollama": {"model": f"ollama/{OLLAMA_MODEL}", "api_base": url},  # + /api/chat
        # + /v1beta/models/{model}:generateContent (:streamGenerateContent?alt=sse)
        "gemini": {"model": f"gemini/{GEMINI_MODEL}", "api_base": url, "api_key": API_KEY},
        "mistral": {"model": f"mistral/{MISTRAL_MODEL}", "api_base": url + "/v1", "api_key": API_KEY},
    }


def litellm_routes(url: str) -> dict[str, dict[str, Any]]:
    """The same calls through litellm: its Converse route for Bedrock, its v2 route for Cohere, and
    ``ollama_chat/`` (``/api/chat``; litellm's ``ollama/`` prefix calls ``/api/generate``)."""
    routes = modelmux_routes(url)
    routes["bedrock"] = {"model": f"bedrock/converse/{BEDROCK_MODEL}", "api_base": url, **AWS_CREDENTIALS}
    routes["cohere"] = {"model": f"cohere_chat/{COHERE_MODEL}", "api_base": url + "/v2/chat", "api_key": API_KEY}
    routes["ollama"] = {"model": f"ollama_chat/{OLLAMA_MODEL}", "api_base": url}
    return routes


def _library_calls(
    completion: Callable[..., Any],
    url: str,
    routes: Callable[[str], dict[str, dict[str, Any]]],
    lengths: Iterable[int] = (),
) -> dict[str, Call]:
    """Calls for any litellm-style ``completion(model=..., messages=..., api_base=..., ...)``."""

    def nonstream(kwargs: dict[str, Any]) -> Call:
        def call() -> str:
            resp = completion(messages=MESSAGES, **kwargs)
            return str(_get(resp, "choices", 0, "message", "content"))

        return call

    def stream(kwargs: dict[str, Any]) -> Call:
        def call() -> str:
            return "".join(_chunk_text(chunk) for chunk in completion(messages=MESSAGES, stream=True, **kwargs))

        return call

    calls: dict[str, Call] = {}
    one_read = routes(url + ONE_READ)
    for provider, kwargs in routes(url).items():
        calls[provider] = nonstream(kwargs)
        calls[f"{provider} stream"] = stream(kwargs)
        calls[f"{provider} stream (one read)"] = stream(one_read[provider])
    for n in lengths:
        for prefix, suffix in (("", ""), (ONE_READ, " (one read)")):
            for provider, kwargs in routes(f"{url}{prefix}/events/{n}").items():
                calls[f"{provider} stream n={n}{suffix}"] = stream(kwargs)
    return calls


def modelmux_calls(url: str, lengths: Iterable[int] = ()) -> tuple[dict[str, Call] | None, str]:
    try:
        modelmux = importlib.import_module("modelmux")
    except ImportError as exc:
        return None, f"not importable ({exc})"
    completion = getattr(modelmux, "completion", None)
    if completion is None:
        return None, "modelmux.completion does not exist yet"
    return _library_calls(completion, url, modelmux_routes, lengths), str(getattr(modelmux, "__version__", "?"))


def litellm_calls(url: str, lengths: Iterable[int] = ()) -> tuple[dict[str, Call] | None, str]:
    try:
        litellm = importlib.import_module("litellm")
    except ImportError:
        return None, "not installed"
    # Quieter, and no usage pings to the network; everything else at its defaults.
    setattr(litellm, "telemetry", False)  # noqa: B010
    setattr(litellm, "suppress_debug_info", True)  # noqa: B010
    try:
        from importlib.metadata import version

        ver = version("litellm")
    except Exception:
        ver = "?"
    return _library_calls(litellm.completion, url, litellm_routes, lengths), ver


# --------------------------------------------------------------------------- timing


@dataclass
class Contender:
    scenario: str
    name: str
    call: Call
    samples_ns: list[int] = field(default_factory=list)
    #: CPU time of this (the calling) thread during each call: unlike wall time, it does not count the time the
    #: process waited for a core, so it holds up on a machine shared with other work.
    cpu_ns: list[int] = field(default_factory=list)
    background_cpu_ns: list[int] = field(default_factory=list)


SETTLE_POLL_S = 0.001
SETTLE_IDLE_NS = 100_000
SETTLE_MAX_S = 0.5


def settle() -> None:
    """Wait (untimed) until threads other than this one stop using CPU.

    A library may leave work to background threads (litellm logs every call from a
    worker thread).  Left running, that work competes for the GIL with whichever
    contender comes next and inflates its figures, the floor's included.  So when
    other threads exist, poll in 1 ms sleeps until one passes in which they used
    under 0.1 ms of CPU.  The CPU they used is reported per contender instead.
    """
    if threading.active_count() == 1:
        return
    deadline = time.perf_counter() + SETTLE_MAX_S
    while True:
        p0, t0 = time.process_time_ns(), time.thread_time_ns()
        time.sleep(SETTLE_POLL_S)
        others = (time.process_time_ns() - p0) - (time.thread_time_ns() - t0)
        if others < SETTLE_IDLE_NS or time.perf_counter() > deadline:
            return


def sanity_check(contenders: list[Contender], notes: list[str]) -> list[Contender]:
    """Call each contender once; drop (with a note) any that fails or returns the wrong text."""
    ok: list[Contender] = []
    for c in contenders:
        expected = "".join(words(scenario_events(c.scenario))) if "stream" in c.scenario else EXPECTED_TEXT
        try:
            got = c.call()
        except Exception as exc:
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            if "\n" in detail:  # some messages carry a whole traceback: keep their first line
                detail = detail.splitlines()[0] + " (…)"
            notes.append(f"{c.name} / {c.scenario}: dropped, raised {detail}")
            continue
        if got != expected:
            notes.append(
                f"{c.name} / {c.scenario}: dropped, returned {len(got)} chars of text "
                f"instead of {len(expected)} ({got[:60]!r}...)"
            )
            continue
        ok.append(c)
    return ok


def run_rounds(contenders: list[Contender], rounds: int, stream_stride: int, record: bool) -> None:
    """Round-robin: every round calls each active contender once, rotating the start."""
    perf = time.perf_counter_ns
    cpu, own_cpu = time.process_time_ns, time.thread_time_ns
    n = len(contenders)
    for i in range(rounds):
        start = i % n
        for c in contenders[start:] + contenders[:start]:
            if "stream" in c.scenario and i % stream_stride:
                continue
            p0, m0 = cpu(), own_cpu()
            t0 = perf()
            c.call()
            t1 = perf()
            m1 = own_cpu()
            settle()
            if record:
                c.samples_ns.append(t1 - t0)
                c.cpu_ns.append(m1 - m0)
                c.background_cpu_ns.append(max(0, (cpu() - p0) - (own_cpu() - m0)))


@dataclass
class CallResult:
    scenario: str
    name: str
    n: int
    median_us: float
    p90_us: float
    mean_us: float
    ratio_median: float
    ratio_p90: float
    background_cpu_median_us: float
    cpu_median_us: float = math.nan
    cpu_ratio_median: float = math.nan


def summarize(contenders: list[Contender], known: tuple[str, ...] = SCENARIOS) -> list[CallResult]:
    floors: dict[str, tuple[float, float]] = {}
    floor_cpu: dict[str, float] = {}
    stats: list[tuple[Contender, float, float, float, float]] = []
    for c in contenders:
        if not c.samples_ns:
            continue
        values = sorted(s / 1000.0 for s in c.samples_ns)
        med = statistics.median(values)
        p90 = percentile(values, 90)
        bg = statistics.median(c.background_cpu_ns) / 1000.0
        stats.append((c, med, p90, statistics.fmean(values), bg))
        if c.name == FLOOR:
            floors[c.scenario] = (med, p90)
            floor_cpu[c.scenario] = statistics.median(c.cpu_ns) / 1000.0
    results = []
    for c, med, p90, mean, bg in stats:
        fmed, fp90 = floors.get(c.scenario, (math.nan, math.nan))
        cpu = statistics.median(c.cpu_ns) / 1000.0
        ratio_cpu = cpu / floor_cpu.get(c.scenario, math.nan)
        n = len(c.samples_ns)
        results.append(CallResult(c.scenario, c.name, n, med, p90, mean, med / fmed, p90 / fp90, bg, cpu, ratio_cpu))
    order = {s: i for i, s in enumerate(known)}
    names = {FLOOR: 0, MODELMUX: 1, LITELLM: 2}
    results.sort(key=lambda r: (order[r.scenario], names.get(r.name, 9)))
    return results


# --------------------------------------------------------------------------- imports


START = "python -c pass"
BASELINE_IMPORT = "import httpx, pydantic"
IMPORT_TARGETS: dict[str, str] = {
    # label -> the statement run by ``python -c``
    START: "pass",
    BASELINE_IMPORT: "import httpx, pydantic",
    # Context only: ``import pydantic`` is lazy and does not load BaseModel; any library
    # that defines models pays for this one too.
    "import httpx; from pydantic import BaseModel": "import httpx; from pydantic import BaseModel",
    "import modelmux": "import modelmux",
    # modelmux's public names load on first use: this row is what a program that calls it pays.
    "import modelmux; modelmux.completion": "import modelmux; modelmux.completion",
    "import litellm": "import litellm",
}

# Resident memory before and after the import, in KiB.  On Linux this reads the current
# VmRSS: ru_maxrss would be wrong there, because a child created by fork/exec starts with
# the parent's RSS high-water mark (here the benchmark process, far above a bare interpreter).
_RSS_SNIPPET = """\
import sys

def rss_kib():
    if sys.platform.startswith("linux"):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak

before = rss_kib()
{import_line}
after = rss_kib()
print(before, after)
"""


def _child_env() -> dict[str, str]:
    """Environment for the import-time children: bytecode caching on, in a private cache.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on the development machines) an editable
    install such as modelmux's would be recompiled from source on every import, while
    site-packages ship ``.pyc`` files: that would measure the compiler, not the import.
    ``PYTHONPYCACHEPREFIX`` keeps the bytecode out of the source tree; the warm-up run
    fills it for every statement alike.
    """
    env = os.environ.copy()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "modelmux-bench-pycache")
    return env


def _runs(code: str) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env=_child_env(),
        check=False,
    )
    return probe.returncode == 0


def _run_python(code: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_child_env(),
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{code!r} failed: {proc.stderr.strip()[-500:]}")
    return elapsed, proc.stdout


@dataclass
class ImportResult:
    target: str
    n: int
    wall_median_ms: float
    import_median_ms: float
    ratio_to_baseline: float
    rss_before_mib: float
    rss_after_mib: float
    rss_delta_mib: float
    rss_ratio_to_baseline: float


def measure_imports(
    repeats: int, rss_repeats: int, notes: list[str], *, include_litellm: bool = True
) -> list[ImportResult]:
    targets: dict[str, str] = {}
    for name, code in IMPORT_TARGETS.items():
        if name == "import litellm" and not include_litellm:
            continue
        if not _runs(code):
            notes.append(f"{name}: skipped, not importable in this environment")
            continue
        targets[name] = code

    # Warm-up: one run each (compiles .pyc files, fills the OS page cache).
    for code in targets.values():
        _run_python(code)

    walls: dict[str, list[float]] = {name: [] for name in targets}
    rss: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    names = list(targets)
    for i in range(repeats):
        start = i % len(names)
        for name in names[start:] + names[:start]:
            wall, _ = _run_python(targets[name])
            walls[name].append(wall * 1000.0)
    for _ in range(rss_repeats):
        for name in names:
            _, out = _run_python(_RSS_SNIPPET.format(import_line=targets[name]))
            before_kib, after_kib = (int(v) for v in out.split())
            rss[name].append((before_kib / 1024, after_kib / 1024))

    start_ms = statistics.median(walls[START])
    rows: dict[str, ImportResult] = {}
    for name in names:
        med = statistics.median(walls[name])
        before = statistics.median(b for b, _ in rss[name])
        after = statistics.median(a for _, a in rss[name])
        rows[name] = ImportResult(
            target=name,
            n=len(walls[name]),
            wall_median_ms=med,
            import_median_ms=med - start_ms,
            ratio_to_baseline=math.nan,
            rss_before_mib=before,
            rss_after_mib=after,
            rss_delta_mib=statistics.median(a - b for b, a in rss[name]),
            rss_ratio_to_baseline=math.nan,
        )
    base = rows.get(BASELINE_IMPORT)
    if base is not None:
        for row in rows.values():
            if row.target == START:
                continue
            if base.import_median_ms > 0:
                row.ratio_to_baseline = row.import_median_ms / base.import_median_ms
            if base.rss_delta_mib > 0:
                row.rss_ratio_to_baseline = row.rss_delta_mib / base.rss_delta_mib
    return list(rows.values())


# --------------------------------------------------------------------------- report


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}x"


def markdown_calls(results: Iterable[CallResult]) -> str:
    lines = [
        "| scenario | contender | n | median µs | p90 µs | x floor (median) | x floor (p90) | CPU µs (median) "
        "| x floor (CPU) | background CPU µs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario} | {r.name} | {r.n} | {r.median_us:,.0f} | {r.p90_us:,.0f} "
            f"| {_ratio(r.ratio_median)} | {_ratio(r.ratio_p90)} "
            f"| {r.cpu_median_us:,.0f} | {_ratio(r.cpu_ratio_median)} | {r.background_cpu_median_us:,.0f} |"
        )
    return "\n".join(lines)


def markdown_imports(results: Iterable[ImportResult]) -> str:
    lines = [
        "| import | n | wall median ms | import ms (minus start) | x httpx+pydantic "
        "| RSS after MiB | RSS delta MiB | x httpx+pydantic (RSS) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.target} | {r.n} | {r.wall_median_ms:,.1f} | {r.import_median_ms:,.1f} "
            f"| {_ratio(r.ratio_to_baseline)} | {r.rss_after_mib:,.1f} | {r.rss_delta_mib:,.1f} "
            f"| {_ratio(r.rss_ratio_to_baseline)} |"
        )
    return "\n".join(lines)


def markdown_lengths(results: Iterable[CallResult]) -> str:
    """Length scaling: per provider and shape, the cost per event at each length, the floor's and modelmux's.

    Flat means modelmux's µs per event (and the µs it adds per event over the floor) do not grow from 500 to
    5,000 events; at 50 events the fixed cost of the call (request, headers) still dominates. Wall time and
    CPU time of the calling thread (see ``Contender.cpu_ns``).
    """
    by: dict[tuple[str, str], dict[int, dict[str, CallResult]]] = {}
    for r in results:
        if " n=" not in r.scenario:
            continue
        provider = r.scenario.split()[0]
        shape = "one read" if r.scenario.endswith("(one read)") else "chunked"
        by.setdefault((provider, shape), {}).setdefault(scenario_events(r.scenario), {})[r.name] = r
    lines = [
        "| provider | shape | events | floor µs | modelmux µs | x floor | modelmux µs/event | added µs/event "
        "| modelmux CPU µs/event | added CPU µs/event | x floor (CPU) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (provider, shape), sizes in by.items():
        for n in sorted(sizes):
            floor, mm = sizes[n].get(FLOOR), sizes[n].get(MODELMUX)
            if floor is None or mm is None:
                continue
            lines.append(
                f"| {provider} | {shape} | {n:,} | {floor.median_us:,.0f} | {mm.median_us:,.0f} "
                f"| {_ratio(mm.ratio_median)} | {mm.median_us / n:.2f} | {(mm.median_us - floor.median_us) / n:+.2f} "
                f"| {mm.cpu_median_us / n:.2f} | {(mm.cpu_median_us - floor.cpu_median_us) / n:+.2f} "
                f"| {_ratio(mm.cpu_ratio_median)} |"
            )
    return "\n".join(lines)


def length_growth(results: Iterable[CallResult]) -> list[dict[str, Any]]:
    """Per provider and shape: modelmux's and the floor's CPU µs per event at each length, and whether
    modelmux's is flat (from the second length on, each at most ``FLAT_TOLERANCE`` times the one before)."""
    by: dict[tuple[str, str], dict[int, dict[str, CallResult]]] = {}
    for r in results:
        if " n=" not in r.scenario:
            continue
        shape = "one read" if r.scenario.endswith("(one read)") else "chunked"
        by.setdefault((r.scenario.split()[0], shape), {}).setdefault(scenario_events(r.scenario), {})[r.name] = r
    rows: list[dict[str, Any]] = []
    for (provider, shape), sizes in by.items():
        lengths = sorted(n for n in sizes if FLOOR in sizes[n] and MODELMUX in sizes[n])
        if not lengths:
            continue
        mm = [sizes[n][MODELMUX].cpu_median_us / n for n in lengths]
        floor = [sizes[n][FLOOR].cpu_median_us / n for n in lengths]
        steps = [b / a for a, b in itertools.pairwise(mm[1:])]
        rows.append(
            {
                "provider": provider,
                "shape": shape,
                "lengths": lengths,
                "modelmux_cpu_us_per_event": mm,
                "floor_cpu_us_per_event": floor,
                "added_cpu_us_per_event": [m - f for m, f in zip(mm, floor, strict=True)],
                "cpu_ratio": [sizes[n][MODELMUX].cpu_ratio_median for n in lengths],
                "worst_step": max(steps, default=math.nan),
                "flat": all(step <= FLAT_TOLERANCE for step in steps),
            }
        )
    return rows


def markdown_growth(rows: Iterable[dict[str, Any]]) -> str:
    """One row per provider and shape: the per-event figures at every length, and the flatness verdict."""
    rows = list(rows)
    if not rows:
        return ""
    lengths = "/".join(f"{n:,}" for n in rows[0]["lengths"])
    lines = [
        f"| provider | shape | modelmux CPU µs/event at {lengths} | floor CPU µs/event | added CPU µs/event "
        f"| x floor (CPU) | worst step (x the length before) | flat |",
        "| --- | --- | --- | --- | --- | --- | ---: | --- |",
    ]

    def join(values: list[float], fmt: str) -> str:
        return " / ".join(format(v, fmt) for v in values)

    for r in rows:
        lines.append(
            f"| {r['provider']} | {r['shape']} | {join(r['modelmux_cpu_us_per_event'], '.1f')} "
            f"| {join(r['floor_cpu_us_per_event'], '.1f')} | {join(r['added_cpu_us_per_event'], '+.1f')} "
            f"| {join(r['cpu_ratio'], '.2f')} | {r['worst_step']:.2f} | {'yes' if r['flat'] else 'NO'} |"
        )
    return "\n".join(lines)


def aims_report(
    calls: list[CallResult], imports: list[ImportResult], growth: Iterable[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The aims of issue 12 on the CPU ratio (the one that holds on a shared machine; the wall ratio is given too),
    the import aims, and with ``--lengths`` no growth of the cost per event."""
    aims: list[dict[str, Any]] = []
    for r in calls:
        if r.name != MODELMUX or r.scenario not in AIMS:
            continue
        limit = AIMS[r.scenario]
        aims.append(
            {
                "aim": f"modelmux {r.scenario} within {limit:.2f}x of floor (CPU; wall {r.ratio_median:.2f}x)",
                "value": r.cpu_ratio_median,
                "wall_value": r.ratio_median,
                "limit": limit,
                "met": r.cpu_ratio_median <= limit,
            }
        )
    for g in growth:
        aims.append(
            {
                "aim": f"modelmux {g['provider']} stream ({g['shape']}): CPU per event flat over "
                f"{'/'.join(map(str, g['lengths']))} events (each step within {FLAT_TOLERANCE:.2f}x)",
                "value": g["worst_step"],
                "limit": FLAT_TOLERANCE,
                "met": g["flat"],
            }
        )
    for imp in imports:
        if imp.target.startswith("import modelmux") and not math.isnan(imp.ratio_to_baseline):
            aims.append(
                {
                    "aim": f"{imp.target} within {IMPORT_AIM:.2f}x of import httpx, pydantic",
                    "value": imp.ratio_to_baseline,
                    "limit": IMPORT_AIM,
                    "met": imp.ratio_to_baseline <= IMPORT_AIM,
                }
            )
    return aims


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="modelmux per-call overhead benchmark")
    parser.add_argument("--iterations", type=int, default=None, help="recorded rounds (default 1000)")
    parser.add_argument("--warmup", type=int, default=None, help="unrecorded rounds first (default 50)")
    parser.add_argument(
        "--stream-stride",
        type=int,
        default=None,
        help="streamed scenarios run every Nth round only (default 4); n = iterations / N",
    )
    parser.add_argument("--import-repeats", type=int, default=None, help="import-time runs (default 15)")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write all figures as JSON")
    parser.add_argument("--no-litellm", action="store_true", help="skip litellm even if importable")
    parser.add_argument("--no-imports", action="store_true", help="skip the import-time/RSS part")
    parser.add_argument("--no-calls", action="store_true", help="skip the per-call part")
    parser.add_argument("--upstream", metavar="URL", help="use a running fake_upstream instead of starting one")
    parser.add_argument(
        "--lengths",
        nargs="?",
        const=",".join(map(str, DEFAULT_LENGTHS)),
        default="",
        metavar="N,N,...",
        help="also run every stream at these lengths, both shapes (bare: 50,200,1000,5000); scenarios '<p> stream n=N'",
    )
    parser.add_argument(
        "--scenarios",
        metavar="LIST",
        help="comma-separated scenario names or prefixes, e.g. 'bedrock,cohere stream' (default: all)",
    )
    args = parser.parse_args(argv)

    quick = args.quick
    iterations = args.iterations if args.iterations is not None else (100 if quick else 1000)
    warmup = args.warmup if args.warmup is not None else (10 if quick else 50)
    stride = max(1, args.stream_stride if args.stream_stride is not None else 4)
    import_repeats = args.import_repeats if args.import_repeats is not None else (3 if quick else 15)
    rss_repeats = 1 if quick else 3
    lengths = tuple(int(n) for n in args.lengths.split(",") if n.strip())
    known = SCENARIOS + length_scenarios(lengths)
    selected = select_scenarios(args.scenarios, known)

    notes: list[str] = []
    calls: list[CallResult] = []
    growth: list[dict[str, Any]] = []
    proc: subprocess.Popen[bytes] | None = None
    meta: dict[str, Any] = {
        "versions": versions(
            ("httpx", "httpcore", "h11", "pydantic", "pydantic-core", "modelmux", "litellm", "openai")
        ),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "iterations": iterations,
        "warmup": warmup,
        "stream_stride": stride,
        "stream_events": STREAM_EVENTS,
        "lengths": list(lengths),
        "import_repeats": import_repeats,
        "scenarios": list(selected),
    }
    print(f"# modelmux benchmark ({'quick' if quick else 'full'})\n")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    print(f"platform: {meta['platform']}, {meta['cpus']} CPUs\n")

    if not args.no_calls:
        if args.upstream:
            url = args.upstream.rstrip("/")
        else:
            url, proc = start_in_subprocess()
        meta["upstream"] = url
        try:
            contenders: list[Contender] = [
                Contender(s, FLOOR, f) for s, f in floor_calls(url, lengths).items() if s in selected
            ]
            for name, factory, enabled in (
                (MODELMUX, modelmux_calls, True),
                (LITELLM, litellm_calls, not args.no_litellm),
            ):
                if not enabled:
                    notes.append(f"{name}: skipped (--no-{name})")
                    continue
                lib, info = factory(url, lengths)
                if lib is None:
                    notes.append(f"{name}: skipped, {info}")
                    continue
                contenders += [Contender(s, name, f) for s, f in lib.items() if s in selected]
            contenders = sanity_check(contenders, notes)
            contenders.sort(key=lambda c: (known.index(c.scenario), c.name))
            print(
                f"timing {len(contenders)} contenders: {warmup} warm-up + {iterations} rounds "
                f"(streams every {stride}th round, {STREAM_EVENTS} events each unless n=… says otherwise) ...",
                flush=True,
            )
            t0 = time.perf_counter()
            run_rounds(contenders, warmup, stride, record=False)
            gc.collect()
            run_rounds(contenders, iterations, stride, record=True)
            meta["calls_seconds"] = round(time.perf_counter() - t0, 1)
            calls = summarize(contenders, known)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        print("\n## Per call\n")
        print(markdown_calls(calls))
        if any(" n=" in r.scenario for r in calls):
            print("\n## Length scaling\n")
            print(markdown_lengths(calls))
            growth = length_growth(calls)
            print("\n## Cost per event by length (flat = no growth)\n")
            print(markdown_growth(growth))

    imports: list[ImportResult] = []
    if not args.no_imports:
        print(f"\nmeasuring imports ({import_repeats} fresh interpreters each) ...", flush=True)
        imports = measure_imports(import_repeats, rss_repeats, notes, include_litellm=not args.no_litellm)
        print("\n## Import\n")
        print(markdown_imports(imports))

    aims = aims_report(calls, imports, growth)
    if aims:
        print("\n## Aims\n")
        for a in aims:
            print(f"- {'met' if a['met'] else 'MISSED'}: {a['aim']} (got {a['value']:.3f}x)")
    if notes:
        print("\n## Notes\n")
        for note in notes:
            print(f"- {note}")

    if args.json:
        payload = {
            "meta": meta,
            "calls": [vars(r) for r in calls],
            "imports": [vars(r) for r in imports],
            "aims": aims,
            "length_growth": growth,
            "notes": notes,
        }
        with open(args.json, "w") as fh:
            json.dump(json_safe(payload), fh, indent=2)
            fh.write("\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
