"""One worker process for test_redis_limiter.py: bursts of acquires on its own RedisLimiter, each on cue.

argv: redis URL, prefix. Prints "ready", then for each line "go KEY N RPM MAX_CONCURRENT" on stdin ("-": no limit)
fires N acquires at once and prints how many were admitted; holds them until the next line, "release", releases
them and prints "released". Ends on "quit" or end of input.
"""

from __future__ import annotations

import asyncio
import sys

from modelmux.asgi.limits import Decision, RedisLimiter


def limit(text: str) -> int | None:
    return None if text == "-" else int(text)


async def reply_to(line: str, limiter: RedisLimiter, held: list[tuple[str, Decision]]) -> str:
    command, *args = line.split()
    if command == "go":
        key, n, rpm, max_concurrent = args
        acquires = (limiter.acquire(key, rpm=limit(rpm), max_concurrent=limit(max_concurrent)) for _ in range(int(n)))
        admitted = [d for d in await asyncio.gather(*acquires) if d.allowed]
        held.extend((key, d) for d in admitted)
        return str(len(admitted))
    for key, d in held:
        await limiter.release(key, d.token)
    held.clear()
    return "released"


async def main(url: str, prefix: str) -> None:
    limiter = RedisLimiter(url, prefix=prefix)
    held: list[tuple[str, Decision]] = []
    try:
        await limiter.acquire("warm-up", rpm=None, max_concurrent=1000)  # connects and loads the script
        print("ready", flush=True)
        while (line := await asyncio.to_thread(sys.stdin.readline)).strip() not in ("", "quit"):
            print(await reply_to(line, limiter, held), flush=True)
    finally:
        await limiter.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
