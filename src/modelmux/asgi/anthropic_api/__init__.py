"""The Anthropic Messages dialect, inbound: ``/v1/messages`` requests → the OpenAI-format call modelmux speaks, and
its answers, streams and errors back in Anthropic's shapes (https://platform.claude.com/docs/en/api/messages).

It mirrors the outbound provider (:mod:`modelmux.providers.anthropic`) and reuses its tables; a route whose target
is itself an Anthropic model skips the round trip and forwards the native body (:mod:`.passthrough`).
"""
