"""Native backends for agent frameworks, each in an optional extra the core never imports.

* :mod:`modelmux.integrations.langchain` — ``ChatModelmux`` / ``ModelmuxEmbeddings`` (extra ``langchain``);
* :mod:`modelmux.integrations.pydantic_ai` — ``ModelmuxModel`` (extra ``pydantic-ai``).

Both run over ``modelmux.completion()`` / ``acompletion()``, so every provider modelmux speaks works, offline
``mock/...`` models included; no gateway process is needed.
"""
