"""The ImportError an integration raises when its framework is not installed: it names the extra to install."""

from __future__ import annotations

__all__ = ["missing_extra"]


def missing_extra(integration: str, extra: str, requirement: str, cause: ImportError) -> ImportError:
    """An ImportError saying which optional extra ``integration`` needs (raise it ``from cause``)."""
    return ImportError(
        f"modelmux.integrations.{integration} needs the optional {extra!r} extra, which is not installed "
        f"({cause.name or cause}). Install {requirement!r}, or modelmux with the extra from its checkout: "
        f"pip install -e '.[{extra}]'"
    )
