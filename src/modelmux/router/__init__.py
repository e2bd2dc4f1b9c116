"""``modelmux.Router``: model groups of deployments with routing strategies, circuit breaking, fallbacks between
groups and one retry loop; state in memory or shared through Redis. See :class:`Router`."""

from .circuit import CircuitPolicy
from .deployments import Deployment, parse_model_list
from .pick import NoDeploymentAvailableError
from .redis_state import RedisState
from .router import Router
from .state import MemoryState, RouterState, Stats
from .strategies import STRATEGIES, Strategy

__all__ = [
    "STRATEGIES",
    "CircuitPolicy",
    "Deployment",
    "MemoryState",
    "NoDeploymentAvailableError",
    "RedisState",
    "Router",
    "RouterState",
    "Stats",
    "Strategy",
    "parse_model_list",
]
