"""The ``modelmux`` command: ``modelmux chat -m MODEL "prompt"``, ``modelmux models`` and ``modelmux serve``.

``modelmux`` alone prints the help (exit 0); ``modelmux --version`` the version. Output piped into a reader
that stops early (``modelmux models | head``) ends quietly with status 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .providers._base import ModelInfo

__all__ = ["main"]

#: How fast the chat command streams a mock model's words unless told (visible streaming, not a wait).
MOCK_TOKENS_PER_SECOND = 20.0

_SERVE_HELP = """\
With no --config this is a development server: the offline mock models ({models}) with authentication off, so it
only binds a loopback address; no requests-per-minute limit and 256 requests in flight (a test suite may call it
hard), counted per worker process; streams as fast as possible unless --tokens-per-second. Anything else needs
a config file (see the README)."""


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("modelmux")
    except metadata.PackageNotFoundError:  # run from a source tree
        from . import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
    from .providers.mock import MOCK_MODELS

    parser = argparse.ArgumentParser(
        prog="modelmux",
        description="Call any LLM through the OpenAI format.",
        epilog='Try it offline: modelmux chat "Hello" (the mock model needs no key).',
    )
    parser.add_argument("--version", action="version", version=f"modelmux {_version()}")
    sub = parser.add_subparsers(dest="command")

    chat = sub.add_parser("chat", help="send one prompt and stream the answer")
    chat.add_argument("prompt", help="the user message ('-' reads standard input)")
    chat.add_argument("-m", "--model", default="mock/demo", help="provider/model (default: the offline mock/demo)")
    chat.add_argument("-s", "--system", help="a system message")
    chat.add_argument("-t", "--temperature", type=float)
    chat.add_argument("--max-tokens", type=int)
    chat.add_argument("--reasoning-effort", choices=["none", "minimal", "low", "medium", "high"])
    chat.add_argument("--api-base", help="override the provider endpoint")
    chat.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    chat.add_argument("--json", action="store_true", help="print the final ChatCompletion as JSON")
    chat.add_argument(
        "--tokens-per-second",
        type=float,
        metavar="N",
        help=f"mock models: stream pace (default {MOCK_TOKENS_PER_SECOND:g}; 0: as fast as possible)",
    )
    chat.add_argument("--mock-delay", type=float, metavar="SECONDS", help="mock models: wait before each chunk")

    models = sub.add_parser("models", help="list the model catalog")
    models.add_argument("--provider", help="only this provider's models")
    models.add_argument("--json", action="store_true")

    serve = sub.add_parser(
        "serve",
        help="run the OpenAI-compatible gateway (needs the 'server' extra: uvicorn)",
        description=_SERVE_HELP.format(models=", ".join(f"mock/{name}" for name in MOCK_MODELS)),
    )
    serve.add_argument("--config", metavar="FILE", help="gateway TOML config (default: offline mock models, no keys)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    serve.add_argument(
        "--tokens-per-second",
        type=float,
        metavar="N",
        help="development server (no --config): pace the mock models' streams",
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--http",
        default="auto",
        choices=["auto", "httptools", "h11"],
        help="HTTP parser (default: httptools if installed)",
    )
    return parser


def _chat(args: argparse.Namespace) -> int:
    from . import completion, stream_chunk_builder

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    messages: list[dict[str, Any]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    options: dict[str, Any] = {
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
        "reasoning_effort": args.reasoning_effort,
        "api_base": args.api_base,
    }
    options.update(_mock_pace(args))
    if args.no_stream:
        result = completion(args.model, messages, **options)
        if args.json:
            print(result.model_dump_json(indent=2, exclude_none=True))
        else:
            print(result.choices[0].message.content or "")
        return 0
    chunks = []
    stream = completion(args.model, messages, stream=True, stream_options={"include_usage": True}, **options)
    with stream:
        for chunk in stream:
            chunks.append(chunk)
            if args.json:
                continue
            for choice in chunk.choices:
                if choice.delta.content:
                    sys.stdout.write(choice.delta.content)
                    sys.stdout.flush()
    if args.json:
        print(stream_chunk_builder(chunks).model_dump_json(indent=2, exclude_none=True))
    else:
        sys.stdout.write("\n")
    return 0


def _mock_pace(args: argparse.Namespace) -> dict[str, Any]:
    """The mock's pace options: only for mock models, where the words stream visibly unless told otherwise."""
    from ._registry import resolve

    if resolve(args.model).provider_name != "mock":
        if args.tokens_per_second is not None or args.mock_delay is not None:
            raise _UsageError("--tokens-per-second and --mock-delay only apply to mock/... models")
        return {}
    shown = not (args.json or args.no_stream)  # the default pace is for watching words arrive, not for waiting
    default = MOCK_TOKENS_PER_SECOND if shown else 0
    tps = default if args.tokens_per_second is None else args.tokens_per_second
    pace: dict[str, Any] = {"mock_tokens_per_second": tps} if tps else {}
    if args.mock_delay is not None:
        pace["mock_delay"] = args.mock_delay
    return pace


class _UsageError(Exception):
    """A wrong combination of arguments: exit status 2, like argparse's own errors."""


def _model_rows(provider: str | None) -> list[ModelInfo]:
    """The catalog and the mock models, optionally of one provider (an unknown one is a usage error)."""
    from ._registry import ALIASES, PROVIDERS, catalog
    from .providers._base import ModelInfo
    from .providers.mock import MOCK_MODELS

    if provider is not None:
        provider = ALIASES.get(provider, provider)
        if provider not in PROVIDERS:
            raise _UsageError(f"unknown provider {provider!r}; known: {', '.join(sorted(PROVIDERS))}")
    rows = list(catalog().values())
    listed = {(i.provider, i.model) for i in rows}
    rows += [
        ModelInfo("mock", name, 128_000, 4096, frozenset({"tools", "json_schema"}), mode)
        if mode == "chat"
        else ModelInfo("mock", name, mode=mode)
        for name, mode in MOCK_MODELS.items()
        if ("mock", name) not in listed
    ]
    return [i for i in rows if provider is None or i.provider == provider]


def _models(args: argparse.Namespace) -> int:
    rows = _model_rows(args.provider)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": f"{i.provider}/{i.model}",
                        "context_window": i.context_window,
                        "max_output_tokens": i.max_output_tokens,
                        "capabilities": sorted(i.capabilities),
                        "mode": i.mode,
                    }
                    for i in rows
                ],
                indent=2,
            )
        )
        return 0
    for i in rows:
        caps = ",".join(sorted(i.capabilities)) if i.mode == "chat" else i.mode
        name = f"{i.provider}/{i.model}"
        print(f"{name:<45} ctx={i.context_window or '-':<8} out={i.max_output_tokens or '-':<7} {caps}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .asgi.config import DEV_PACE_ENV
    from .asgi.serve import run

    if args.workers < 1:
        print("modelmux: error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.tokens_per_second is not None:
        if args.config:
            raise _UsageError(
                "--tokens-per-second is for the development server; in a config file, set "
                "mock_tokens_per_second on the mock models"
            )
        if not 0 < args.tokens_per_second <= 1_000_000:
            raise _UsageError("--tokens-per-second must be a positive number")
        os.environ[DEV_PACE_ENV] = repr(args.tokens_per_second)  # read by every worker's dev_config()
    return run(
        args.config, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level, parser=args.http
    )


_COMMANDS = {"chat": _chat, "models": _models, "serve": _serve}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 provider/API error, 2 usage error)."""
    from .errors import ModelmuxError

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a first try: show what there is to do
        parser.print_help()
        return 0
    try:
        return _COMMANDS[args.command](args)
    except _UsageError as exc:
        print(f"modelmux {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ModelmuxError as exc:
        print(f"modelmux: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _quiet_broken_pipe() -> int:
    """The reader stopped early (``| head``): nothing more to say. Standard output is pointed at the null
    device so the interpreter's final flush cannot raise again (https://docs.python.org/3/library/signal.html,
    "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
