"""What every part of the engagement cog shares: settings, replies, channels on each platform."""

from __future__ import annotations

from pathlib import Path

from bot.actions import Reply
from bot.cog import Cog
from bot.content import Content, text
from bot.events import Origin
from bot.permissions import Level
from bot.refs import ChannelRef, UserRef
from cogs.engagement.settings import EngagementSettings


class EngagementBase(Cog):
    """The engagement cog's shared state and helpers."""

    name = "engagement"
    settings_model = EngagementSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    @property
    def conf(self) -> EngagementSettings:
        """This community's engagement settings."""
        settings: EngagementSettings = self.ctx.settings
        return settings

    @staticmethod
    def reply(origin: Origin, message: str | Content) -> Reply:
        """Answer the member in front of Steward, privately."""
        return Reply(origin=origin, content=text(message) if isinstance(message, str) else message)

    def channels(self, name: str) -> list[ChannelRef]:
        """A configured ``#name`` on every running platform of the community where it exists."""
        return [c for p in self.ctx.platforms() if (c := self.ctx.community.channel(name, p)) is not None]

    def name_of(self, channel: ChannelRef) -> str:
        """A channel's configured ``#name`` (or its id)."""
        return self.ctx.community.channel_name(channel) or f"#{channel.id}"

    async def is_moderator(self, user: UserRef) -> bool:
        """Whether the member is a moderator or an admin here."""
        return await self.ctx.level_of(user) >= Level.MODERATOR
