"""A separate process using a Redis-backed Router: ``python router_redis_worker.py URL PREFIX CALLS D1_BASE [D2_BASE]``.

Prints one JSON line: the deployment id that answered each call, or the error class name.
"""

from __future__ import annotations

import json
import sys

import modelmux
from modelmux.errors import APIError


def main() -> None:
    url, prefix, calls, *bases = sys.argv[1:]
    model_list = [
        {
            "model_name": "g",
            "litellm_params": {"model": "openai/gpt-4o", "api_base": base, "api_key": "k", "order": i, "rpm": 3},
            "model_info": {"id": f"d{i + 1}"},
        }
        for i, base in enumerate(bases)
    ]
    router = modelmux.Router(model_list, state=modelmux.router.RedisState(url, prefix=prefix), num_retries=1)
    out: list[str] = []
    for _ in range(int(calls)):
        try:
            answer = router.completion("g", [{"role": "user", "content": "hi"}])
            out.append(answer._hidden_params["model_id"])
        except APIError as exc:
            out.append(type(exc).__name__)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
