"""LiteLLM's model-information helpers, as its docs use them, with ``import modelmux as litellm``; and the LiteLLM
functions modelmux does not implement, refused with what to write instead."""

from __future__ import annotations

import pytest

import modelmux as litellm
from modelmux import model_info
from modelmux._litellm_missing import LITELLM_MISSING
from modelmux.errors import NotFoundError


def test_supports_function_calling_as_in_litellms_docs() -> None:
    # https://docs.litellm.ai/docs/completion/function_call: "Checking if a model supports function calling"
    assert litellm.supports_function_calling(model="gpt-4o") == True  # noqa: E712 (as the docs write it)
    assert litellm.supports_function_calling(model="openai/gpt-4o") is True
    assert litellm.supports_function_calling(model="ollama/llama2") == False  # noqa: E712
    assert litellm.supports_function_calling(model="no-such-model") is False  # unknown: False, no exception


def test_supports_vision_schema_and_reasoning_follow_the_catalog() -> None:
    from modelmux._registry import catalog

    for key, info in catalog().items():
        model = key if "/" in key else f"{info.provider}/{key}"
        assert litellm.supports_vision(model=model) is ("vision" in info.capabilities), model
        assert litellm.supports_response_schema(model=model) is ("json_schema" in info.capabilities), model
        assert litellm.supports_reasoning(model=model) is ("reasoning" in info.capabilities), model
        assert litellm.supports_function_calling(model=model) is ("tools" in info.capabilities), model


def test_get_supported_openai_params_as_in_litellms_docs() -> None:
    # https://docs.litellm.ai/docs/completion/input: "Translated OpenAI params"
    response = litellm.get_supported_openai_params(model="claude-sonnet-4-5", custom_llm_provider="anthropic")
    assert response is not None
    assert {"max_tokens", "tools", "tool_choice", "stream", "temperature"} <= set(response)
    assert "logit_bias" not in response  # Anthropic cannot express it
    assert response == sorted(response)
    assert litellm.get_supported_openai_params(model="anything", custom_llm_provider="nosuch") is None


def test_get_supported_openai_params_is_what_completion_accepts() -> None:
    # A parameter outside the list is refused by the call (unless drop_params=True), one inside is not.
    params = litellm.get_supported_openai_params(model="mock/demo")
    assert params is not None and "seed" in params
    litellm.completion(model="mock/demo", messages=[{"role": "user", "content": "hi"}], seed=1)


@pytest.mark.parametrize(
    "model",
    [
        "anthropic/claude-opus-4-7",
        "anthropic/claude-haiku-5-5",
        "bedrock/us.anthropic.claude-opus-5",
        "vertex/claude-opus-4-7",
        "anthropic/claude-sonnet-4-5",
        "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ],
)
def test_claude_sampling_params_are_listed_exactly_where_the_call_takes_them(model: str) -> None:
    # Claude 4.7 and later refuse temperature/top_p (Anthropic, Bedrock and Vertex alike): the per-model list says
    # so, and a call sending one is refused before anything is sent, while the list's own parameters go through.
    from modelmux.errors import UnsupportedParamsError

    params = litellm.get_supported_openai_params(model)
    assert params is not None and {"max_tokens", "tools", "stream"} <= set(params)
    listed = "temperature" in params
    assert listed == ("top_p" in params)
    sent: list[object] = []

    def refuse(request: object) -> object:
        sent.append(request)
        raise RuntimeError("stop here: the request was built and sent")

    import httpx

    call = {"model": model, "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2}
    call |= (
        {"api_key": "sk-test", "transport": httpx.MockTransport(refuse), "vertex_project": "p"}
        if "vertex" in model
        else {"api_key": "sk-test", "transport": httpx.MockTransport(refuse)}
    )
    if "bedrock" in model:
        call |= {"aws_access_key_id": "AKIA0000", "aws_secret_access_key": "s", "aws_region_name": "us-east-1"}
    if listed:
        with pytest.raises(Exception) as caught:  # accepted: it reached the (refusing) transport
            litellm.completion(**call)
        assert not isinstance(caught.value, UnsupportedParamsError) and sent
    else:
        with pytest.raises(UnsupportedParamsError):
            litellm.completion(**call)
        assert not sent


def test_get_model_info_keys_and_prices() -> None:
    info = litellm.get_model_info("gpt-4o")
    assert info["litellm_provider"] == "openai" and info["mode"] == "chat"
    assert info["max_input_tokens"] == 128_000 and info["max_output_tokens"] == info["max_tokens"]
    assert info["supports_function_calling"] is True and info["supports_vision"] is True
    price = litellm.default_prices().get("openai/gpt-4o")
    assert price is not None and price.rates.input is not None
    assert info["input_cost_per_token"] == pytest.approx(price.rates.input / 1e6)
    assert info["supported_openai_params"] == litellm.get_supported_openai_params("gpt-4o")


def test_get_max_tokens_is_the_output_limit() -> None:
    # https://docs.litellm.ai/docs/completion/token_usage: get_max_tokens
    assert litellm.get_max_tokens("gpt-4o") == litellm.get_model_info("gpt-4o")["max_output_tokens"] == 16384
    with pytest.raises(NotFoundError):
        litellm.get_max_tokens("no-such-model")


def test_get_model_info_of_an_unknown_model_raises_like_litellm() -> None:
    # LiteLLM raises ("This model isn't mapped yet"); code wraps it in ``except Exception``.
    for model in ("no-such-model", "openai/no-such-model"):
        with pytest.raises(Exception) as caught:
            litellm.get_model_info(model)
        assert isinstance(caught.value, NotFoundError)


def test_model_cost_reads_like_litellms_dict() -> None:
    # ``litellm.model_cost["gpt-4o"]["input_cost_per_token"]``: a read-only mapping here.
    cost = litellm.model_cost
    assert "gpt-4o" in cost and "no-such-model" not in cost
    assert cost["gpt-4o"]["input_cost_per_token"] == litellm.get_model_info("gpt-4o")["input_cost_per_token"]
    assert len(cost) == len(list(cost)) > 100
    with pytest.raises(KeyError):
        cost["no-such-model"]
    with pytest.raises(TypeError):
        cost["gpt-4o"] = {}  # type: ignore[index]


def test_cost_of_a_call_from_model_info_matches_completion_cost() -> None:
    # A typical budget check: tokens x per-token prices, against completion_cost.
    response = litellm.completion(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], mock_response="Hello there, friend"
    )
    info = litellm.get_model_info("gpt-4o")
    usage = response.usage
    assert usage is not None
    by_hand = (
        usage.prompt_tokens * info["input_cost_per_token"] + usage.completion_tokens * info["output_cost_per_token"]
    )
    assert litellm.completion_cost(completion_response=response) == pytest.approx(by_hand)


@pytest.mark.parametrize("name", sorted(LITELLM_MISSING))
def test_litellm_functions_modelmux_lacks_say_so(name: str) -> None:
    with pytest.raises(AttributeError, match=f"does not implement LiteLLM's '{name}'"):
        getattr(litellm, name)
    assert not hasattr(litellm, name)


def test_other_missing_names_stay_plain_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        litellm.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_the_module_exports_match_the_lazy_table() -> None:
    assert set(model_info.__all__) <= set(litellm.__all__)
