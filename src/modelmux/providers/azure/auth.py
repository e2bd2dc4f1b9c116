"""Azure OpenAI credentials → the request's auth header. No I/O at import; azure-identity is imported on first need.

Resolved per call, first match wins (https://learn.microsoft.com/azure/ai-foundry/openai/reference#authentication):

1. a Microsoft Entra ID token ``azure_ad_token=`` → ``Authorization: Bearer``;
2. ``azure_ad_token_provider=`` — a callable (or coroutine function) returning a token, called for every request
   (``azure.identity.get_bearer_token_provider`` caches by itself);
3. ``azure_credential=`` — any azure-identity ``TokenCredential`` (``get_token(scope)``);
4. an API key (``api_key=``, ``AZURE_OPENAI_API_KEY``, ``AZURE_API_KEY``) → ``api-key: <key>``;
5. a token in ``AZURE_OPENAI_AD_TOKEN`` (or ``AZURE_AD_TOKEN``);
6. ``DefaultAzureCredential()`` (``modelmux[azure]``): environment, workload and managed identity, Azure CLI…

Entra ID options named in the call come before a key, which may only come from the environment.
Tokens of 3. and 6. are kept until five minutes before their ``expires_on`` and fetched again then; fetching is blocking
I/O, so the async path runs it in a worker thread and answers from the kept token without one.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ...errors import AuthenticationError
from .._base import CallContext
from .._token_auth import TokenAuth, keep_bounded

__all__ = ["COGNITIVE_SERVICES_SCOPE", "AzureAuth"]

#: The Entra ID scope of Azure OpenAI / Foundry resources.
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
AD_TOKEN_ENV = ("AZURE_OPENAI_AD_TOKEN", "AZURE_AD_TOKEN")
_REFRESH_MARGIN_S = 300.0
_CACHE_SIZE = 16
_DEFAULT = "default-azure-credential"


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise AuthenticationError(
            "no credentials for Azure OpenAI: pass api_key= (or set AZURE_OPENAI_API_KEY), azure_ad_token=, "
            "azure_ad_token_provider=, or install the azure extra (azure-identity; pip install '.[azure]' in the "
            "modelmux checkout) for DefaultAzureCredential",
            provider="azure",
        ) from None
    return DefaultAzureCredential()


class AzureAuth(TokenAuth):
    """Per-provider token cache (thread-safe); one instance lives on the provider object."""

    provider_name = "azure"
    label = "Azure"
    caller_auth_headers = frozenset({"authorization", "api-key"})
    token_provider_option = "azure_ad_token_provider"

    def __init__(self, credential_factory: Callable[[], Any] = _default_credential) -> None:
        super().__init__()
        self._credential_factory = credential_factory
        #: source key → (credential, token or None, expires_on epoch seconds)
        self._tokens: OrderedDict[Hashable, tuple[Any, str | None, float]] = OrderedDict()

    # ------------------------------------------------------------------ sources

    def _static(self, ctx: CallContext) -> tuple[str, str] | None:
        """A token or key known without I/O; None leaves it to a token provider or credential."""
        options = ctx.options
        if options.get("azure_ad_token"):
            return self._bearer(ctx, options["azure_ad_token"])
        if options.get("azure_ad_token_provider") or options.get("azure_credential"):
            return None  # named by the caller: they win over a key found in the environment
        if ctx.api_key:
            return ("api-key", ctx.api_key)
        token = next((os.environ[name] for name in AD_TOKEN_ENV if os.environ.get(name)), None)
        return self._bearer(ctx, token) if token else None

    def _key(self, ctx: CallContext) -> tuple[Hashable, Any]:
        given = ctx.options.get("azure_credential")
        return (_DEFAULT, None) if given is None else (id(given), given)

    def _kept_token(self, ctx: CallContext) -> str | None:
        entry = self._tokens.get(self._key(ctx)[0])
        if entry is not None and entry[1] and entry[2] - _REFRESH_MARGIN_S > time.time():
            return entry[1]
        return None

    def _fetch_token(self, ctx: CallContext) -> str:
        kept = self._kept_token(ctx)
        if kept is not None:
            return kept
        key, given = self._key(ctx)
        with self._lock:  # one fetch at a time: no stampede when a token expires
            entry = self._tokens.get(key)
            if entry is not None and entry[1] and entry[2] - _REFRESH_MARGIN_S > time.time():
                return entry[1]  # fetched by another thread meanwhile
            credential = entry[0] if entry is not None else (given or self._credential_factory())
            try:
                access = credential.get_token(COGNITIVE_SERVICES_SCOPE)
            except AuthenticationError:
                raise
            except Exception as exc:  # azure-identity raises ClientAuthenticationError and friends
                raise AuthenticationError(
                    f"Azure credentials failed: {type(exc).__name__}: {str(exc)[:500]}", provider="azure"
                ) from None
            token, expires_on = str(access.token), float(access.expires_on)
            keep_bounded(self._tokens, key, (credential, token, expires_on), _CACHE_SIZE)
        return token
