"""Why Steward refuses to start: errors whose message is written for the admin."""

from __future__ import annotations


class StartupError(Exception):
    """Steward cannot start; the message says why in words for the admin."""


class DeclarationError(StartupError):
    """A cog declares something inconsistent (two commands of one name, a parameter its method lacks)."""


class MissingCapability(StartupError):
    """A cog needs something a platform it runs on cannot do (reading message content, say)."""
