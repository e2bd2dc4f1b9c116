"""AWS credentials and region for one Bedrock call, resolved in a fixed order.

1. ``api_key=`` or ``AWS_BEARER_TOKEN_BEDROCK`` — a Bedrock API key, sent as ``Authorization: Bearer``
   (resolved by the core into ``ctx.api_key``; nothing to sign then);
2. explicit ``aws_access_key_id`` / ``aws_secret_access_key`` (+ ``aws_session_token``) arguments;
   an explicit ``aws_profile_name`` goes straight to the botocore chain (step 5) with that profile;
3. the standard environment variables ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``;
4. a ``credential_provider=`` callable (sync, or async on the async path) returning a mapping with
   ``aws_access_key_id``/``access_key_id``/``AccessKeyId``…, an object with ``access_key``/``secret_key``/
   ``token`` (botocore's frozen credentials) or one with ``get_frozen_credentials()``;
5. with botocore installed (``modelmux[aws]``), botocore's full chain (profiles, SSO, container and instance
   metadata, web identity, process credentials). Its refreshable credentials renew themselves before they
   expire; on the async path the first lookup and every renewal run in a worker thread, so the event loop
   never blocks on that I/O. One botocore session per profile is kept for the life of the provider.

The region: ``aws_region_name``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else the profile's region
(botocore), else the region in an ``api_base`` of the form ``bedrock-runtime.<region>.amazonaws.com``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import AuthenticationError, BadRequestError

__all__ = ["AwsCredentials", "CredentialResolver", "credentials_from", "region_from_url"]

_REGION_IN_HOST = re.compile(r"bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com")
_KEY_NAMES = ("aws_access_key_id", "access_key_id", "AccessKeyId", "access_key")
_SECRET_NAMES = ("aws_secret_access_key", "secret_access_key", "SecretAccessKey", "secret_key")
_TOKEN_NAMES = ("aws_session_token", "session_token", "SessionToken", "token")


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    access_key: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:
        return (
            f"AwsCredentials(access_key={self.access_key!r}, secret_key='***', token={'***' if self.token else None})"
        )


def _first(source: Any, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def credentials_from(value: Any) -> AwsCredentials:
    """Credentials from what a ``credential_provider`` returned (see the module docstring)."""
    if not isinstance(value, Mapping) and callable(getattr(value, "get_frozen_credentials", None)):
        value = value.get_frozen_credentials()
    if isinstance(value, tuple) and len(value) in (2, 3):
        value = dict(zip(("access_key", "secret_key", "token"), value, strict=False))
    access, secret = _first(value, _KEY_NAMES), _first(value, _SECRET_NAMES)
    if not access or not secret:
        raise AuthenticationError(
            "credential_provider returned no usable AWS credentials (need an access key id and a secret key)",
            provider="bedrock",
        )
    return AwsCredentials(access, secret, _first(value, _TOKEN_NAMES))


def region_from_url(url: str) -> str | None:
    match = _REGION_IN_HOST.search(url)
    return match.group(1) if match else None


def _explicit(options: Mapping[str, Any]) -> AwsCredentials | None:
    access, secret = options.get("aws_access_key_id"), options.get("aws_secret_access_key")
    if access and secret:
        return AwsCredentials(str(access), str(secret), options.get("aws_session_token") or None)
    if access or secret:
        raise AuthenticationError(
            "pass both aws_access_key_id and aws_secret_access_key (or neither)", provider="bedrock"
        )
    return None


def _from_environment() -> AwsCredentials | None:
    access, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if access and secret:
        return AwsCredentials(access, secret, os.environ.get("AWS_SESSION_TOKEN") or None)
    return None


_NO_CREDENTIALS = (
    "no AWS credentials for bedrock: pass api_key= (a Bedrock API key) or aws_access_key_id= and "
    "aws_secret_access_key=, set AWS_BEARER_TOKEN_BEDROCK or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass "
    "credential_provider=, or install the aws extra (pip install '.[aws]' in the modelmux checkout) to use "
    "profiles, SSO and instance credentials"
)


class CredentialResolver:
    """Resolves credentials and regions; keeps one botocore session per profile (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str | None, Any] = {}
        self._chains: dict[str | None, Any] = {}

    # ------------------------------------------------------------------ region

    def region(self, options: Mapping[str, Any], url: str = "") -> str | None:
        region = options.get("aws_region_name") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            return str(region)
        from_url = region_from_url(url)
        if from_url:
            return from_url
        session = self._session(options.get("aws_profile_name"))
        value = session.get_config_variable("region") if session is not None else None
        return str(value) if value else None

    def require_region(self, options: Mapping[str, Any], url: str = "") -> str:
        region = self.region(options, url)
        if not region:
            raise BadRequestError(
                "no AWS region for bedrock: pass aws_region_name=... or set AWS_REGION",
                provider="bedrock",
                param="aws_region_name",
            )
        return region

    # ------------------------------------------------------------------ credentials

    def resolve(self, options: Mapping[str, Any]) -> AwsCredentials:
        """Steps 2 to 5 on the calling thread (the sync path)."""
        found = self._before_provider(options)
        if found is not None:
            return found
        provider: Callable[[], Any] | None = options.get("credential_provider")
        if provider is not None and "aws_profile_name" not in options:
            result = provider()
            if inspect.isawaitable(result):
                raise TypeError("an async credential_provider needs the async functions (acompletion()…)")
            return credentials_from(result)
        return self._from_chain(options.get("aws_profile_name"))

    async def aresolve(self, options: Mapping[str, Any]) -> AwsCredentials:
        """As :meth:`resolve`; what may block (a sync provider, botocore lookups and refreshes) runs in a thread."""
        found = self._before_provider(options)
        if found is not None:
            return found
        provider: Callable[[], Any] | None = options.get("credential_provider")
        if provider is not None and "aws_profile_name" not in options:
            if inspect.iscoroutinefunction(provider):
                return credentials_from(await provider())
            result = await asyncio.to_thread(provider)
            return credentials_from(await result if inspect.isawaitable(result) else result)
        profile = options.get("aws_profile_name")
        chain = self._chains.get(profile)
        refresh_needed = getattr(chain, "refresh_needed", None)
        if chain is not None and not (callable(refresh_needed) and refresh_needed()):
            return self._frozen(chain)
        return await asyncio.to_thread(self._from_chain, profile)

    def _before_provider(self, options: Mapping[str, Any]) -> AwsCredentials | None:
        explicit = _explicit(options)
        if explicit is not None or "aws_profile_name" in options:
            return explicit
        return _from_environment()

    def _from_chain(self, profile: str | None) -> AwsCredentials:
        chain = self._chains.get(profile)
        if chain is None:
            session = self._session(profile)
            chain = session.get_credentials() if session is not None else None
            if chain is None:
                raise AuthenticationError(_NO_CREDENTIALS, provider="bedrock")
            with self._lock:
                chain = self._chains.setdefault(profile, chain)
        return self._frozen(chain)

    @staticmethod
    def _frozen(chain: Any) -> AwsCredentials:
        frozen = chain.get_frozen_credentials()  # refreshes first when close to expiry
        return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token or None)

    def _session(self, profile: str | None) -> Any:
        """botocore's session for ``profile`` (``None`` when botocore is not installed)."""
        session = self._sessions.get(profile)
        if session is not None:
            return session
        try:
            import botocore.session  # type: ignore[import-untyped]
        except ImportError:
            if profile:
                raise AuthenticationError(
                    f"aws_profile_name={profile!r} needs botocore (the modelmux 'aws' extra): pip install botocore",
                    provider="bedrock",
                ) from None
            return None
        with self._lock:
            session = self._sessions.get(profile)
            if session is None:
                session = self._sessions[profile] = botocore.session.Session(profile=profile)
        return session
