"""AWS Bedrock: the Converse API, SigV4 signing and the AWS event-stream framing."""

from .provider import BedrockProvider

__all__ = ["BedrockProvider", "provider"]

provider = BedrockProvider()
