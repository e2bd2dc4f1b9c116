"""A pydantic-ai conversation continued over several runs (``message_history=``) on the mock ends every run.

Regression: once every tool had been called somewhere in the conversation, ``tool_choice="required"`` made the
mock pick a function tool by word overlap on every request, and the second run hit pydantic-ai's 50-request limit.
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.usage import UsageLimits

from modelmux.integrations.pydantic_ai import ModelmuxModel


class City(BaseModel):
    city: str
    country: str


def test_each_run_of_a_continued_conversation_calls_the_tools_then_the_output_tool() -> None:
    agent: Agent[None, City] = Agent(ModelmuxModel("mock/agent"), output_type=City)
    called: list[str] = []

    @agent.tool_plain
    def get_user_country() -> str:
        """Get the user's country."""
        called.append("get_user_country")
        return "Mexico"

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Weather in a city."""
        called.append("get_weather")
        return "sunny"

    history = None
    questions = ["What is the largest city in the user's country?", "And the weather there?", "Again?", "Once more"]
    for question in questions:
        called.clear()
        result = agent.run_sync(question, message_history=history, usage_limits=UsageLimits(request_limit=5))
        assert isinstance(result.output, City)
        assert sorted(called) == ["get_user_country", "get_weather"]  # each tool once, then final_result
        assert result.usage.requests == 3
        history = result.all_messages()
