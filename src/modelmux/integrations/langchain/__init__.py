"""LangChain backends over modelmux (optional extra ``langchain``): ``ChatModelmux`` and ``ModelmuxEmbeddings``.

>>> from modelmux.integrations.langchain import ChatModelmux
>>> llm = ChatModelmux(model="anthropic/claude-sonnet-4-20250514", temperature=0)
"""

from .._extra import missing_extra

try:
    import langchain_core  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised by a test that hides the package
    raise missing_extra("langchain", "langchain", "langchain-core>=1.8", e) from e

from .chat_model import ChatModelmux
from .embeddings import ModelmuxEmbeddings

__all__ = ["ChatModelmux", "ModelmuxEmbeddings"]
