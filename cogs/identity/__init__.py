"""Identity: one member, two platforms — link a Discord and a Slack account with a one-time code."""

from cogs.identity.cog import IdentityCog
from cogs.identity.settings import IdentitySettings

COG = IdentityCog

__all__ = ["COG", "IdentityCog", "IdentitySettings"]
