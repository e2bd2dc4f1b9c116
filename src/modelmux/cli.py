"""The ``modelmux`` command: ``modelmux chat -m MODEL "prompt"``, ``modelmux models`` and ``modelmux serve``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelmux", description="Call any LLM through the OpenAI format.")
    sub = parser.add_subparsers(dest="command", required=True)

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

    models = sub.add_parser("models", help="list the model catalog")
    models.add_argument("--provider", help="only this provider's models")
    models.add_argument("--json", action="store_true")

    serve = sub.add_parser("serve", help="run the OpenAI-compatible gateway (needs the 'server' extra: uvicorn)")
    serve.add_argument("--config", metavar="FILE", help="gateway TOML config (default: offline mock models, no keys)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
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


def _models(args: argparse.Namespace) -> int:
    from ._registry import catalog

    rows = [info for info in catalog().values() if not args.provider or info.provider == args.provider]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": f"{i.provider}/{i.model}",
                        "context_window": i.context_window,
                        "max_output_tokens": i.max_output_tokens,
                        "capabilities": sorted(i.capabilities),
                    }
                    for i in rows
                ],
                indent=2,
            )
        )
        return 0
    for i in rows:
        caps = ",".join(sorted(i.capabilities))
        name = f"{i.provider}/{i.model}"
        print(f"{name:<45} ctx={i.context_window or '-':<8} out={i.max_output_tokens or '-':<7} {caps}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .asgi.serve import run

    if args.workers < 1:
        print("modelmux: error: --workers must be at least 1", file=sys.stderr)
        return 2
    return run(
        args.config, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level, parser=args.http
    )


_COMMANDS = {"chat": _chat, "models": _models, "serve": _serve}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 provider/API error, 2 usage error)."""
    from .errors import ModelmuxError

    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ModelmuxError as exc:
        print(f"modelmux: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
