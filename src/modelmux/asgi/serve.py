"""``modelmux serve``: the gateway under uvicorn (the ``server`` extra), imported only when asked for."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from .app import Gateway, create_app
from .config import ConfigError, load_config

__all__ = ["CONFIG_ENV", "app_from_env", "is_loopback", "run"]

#: How worker processes learn the config file (uvicorn starts them from an import string).
CONFIG_ENV = "MODELMUX_GATEWAY_CONFIG"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_from_env() -> Gateway:
    """The app a uvicorn worker builds (``factory=True``)."""
    return create_app(os.environ.get(CONFIG_ENV) or None)


def run(config_path: str | None, *, host: str, port: int, workers: int, log_level: str) -> int:
    """Check the config, then serve until interrupted. Returns the exit status."""
    try:
        import uvicorn
    except ImportError:
        print("modelmux serve needs uvicorn: pip install 'modelmux[server]'", file=sys.stderr)
        return 2
    path = str(Path(config_path).resolve()) if config_path else None
    try:
        config = load_config(path)  # fail here, once, rather than in every worker
    except ConfigError as exc:
        print(f"modelmux: config error: {exc}", file=sys.stderr)
        return 2
    if not config.auth_enabled and not is_loopback(host):
        print(
            f"modelmux: refusing to serve on {host} without client keys (anyone could use the upstreams); "
            "add a [keys.<id>] table to the config, or serve on 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    if workers > 1 and not config.redis_url:
        print(
            f"modelmux: note: {workers} workers each keep their own limits; set [limits] redis_url_env "
            "to share one budget per key",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(
        f"modelmux gateway: http://{shown}:{port}/v1 - {len(config.models)} model(s), "
        f"{'keys required' if config.auth_enabled else 'no keys (authentication off)'}",
        file=sys.stderr,
        flush=True,
    )
    if path:
        os.environ[CONFIG_ENV] = path
    else:
        os.environ.pop(CONFIG_ENV, None)
    uvicorn.run(
        "modelmux.asgi.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        server_header=False,
    )
    return 0
