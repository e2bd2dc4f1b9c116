"""The real redis-server fixtures of ``tests/asgi/limits`` (one implementation), for the Redis cache tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_path = Path(__file__).parents[1] / "asgi" / "limits" / "conftest.py"
_spec = importlib.util.spec_from_file_location("_limits_redis_fixtures", _path)
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

redis_url = _module.redis_url
start_redis = _module.start_redis
prefix = _module.prefix
