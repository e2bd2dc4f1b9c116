"""Pieces both benchmark scripts use: strict-JSON output and the versions line."""

from __future__ import annotations

import math
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any


def json_safe(obj: Any) -> Any:
    """NaN (a missing figure) becomes null, keeping the file strict JSON."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_safe(v) for v in obj]
    return obj


def versions(dists: tuple[str, ...]) -> dict[str, str]:
    """Python's version and those of the installed distributions among ``dists``."""
    out = {"python": platform.python_version()}
    for dist in dists:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            continue
    return out
