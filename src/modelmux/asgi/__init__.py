"""The gateway: an embeddable ASGI 3 app serving the OpenAI API in front of any provider modelmux speaks.

>>> from modelmux.asgi import create_app
>>> app = create_app("gateway.toml")      # or create_app(None): the offline mock models, no keys

Serve it with ``modelmux serve --config gateway.toml`` (uvicorn, the ``server`` extra), any ASGI server, or mount it
in Starlette/FastAPI.
"""

from .app import Gateway, create_app
from .config import ClientKey, ConfigError, GatewayConfig, Limits, ModelRoute, load_config, parse_config

__all__ = [
    "ClientKey",
    "ConfigError",
    "Gateway",
    "GatewayConfig",
    "Limits",
    "ModelRoute",
    "create_app",
    "load_config",
    "parse_config",
]
