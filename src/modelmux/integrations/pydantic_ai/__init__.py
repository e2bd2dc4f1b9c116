"""pydantic-ai backend over modelmux (optional extra ``pydantic-ai``): ``ModelmuxModel``.

>>> from pydantic_ai import Agent
>>> from modelmux.integrations.pydantic_ai import ModelmuxModel
>>> agent = Agent(ModelmuxModel("mock/agent"))
"""

from .._extra import missing_extra

try:
    import pydantic_ai  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised by a test that hides the package
    raise missing_extra("pydantic_ai", "pydantic-ai", "pydantic-ai-slim>=2.68", e) from e

from .model import ModelmuxModel

__all__ = ["ModelmuxModel"]
