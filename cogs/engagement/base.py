"""What every part of the engagement cog shares: settings, replies, channels on each platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.actions import Reply
from bot.cog import Cog
from bot.content import Content, text
from bot.events import Origin
from bot.permissions import Level
from bot.refs import ChannelRef, UserRef
from cogs.engagement.settings import EngagementSettings

NOWHERE: frozenset[str] = frozenset()
MAX_LANES = 10_000
Lane = tuple[bool, bool, bool]  # a channel's messages: counted for hot topics, watched for questions, a prompt's


@dataclass(frozen=True)
class Routes:
    """The channels each watcher looks at, as channel ids per platform: worked out once per settings and
    community (a reload builds new ones), so a message costs a set look-up, not a walk over the config."""

    questions: dict[str, frozenset[str]]
    ignored: dict[str, frozenset[str]]  # not counted for hot topics
    prompts: dict[str, frozenset[str]]
    counting: bool = True  # whether hot topics are counted at all
    _lanes: dict[tuple[str, str], Lane] = field(default_factory=dict, compare=False, repr=False)

    def lane(self, platform: str, channel: str) -> Lane:
        """What the watchers do with a message in this channel, worked out on the channel's first message."""
        key = (platform, channel)
        found = self._lanes.get(key)
        if found is None:
            if len(self._lanes) >= MAX_LANES:  # threads are channels too: start over rather than grow
                self._lanes.clear()
            found = self._lanes[key] = (self.counting and channel not in self.ignored.get(platform, NOWHERE),
                                        channel in self.questions.get(platform, NOWHERE),
                                        channel in self.prompts.get(platform, NOWHERE))
        return found

    @classmethod
    def build(cls, community: Any, platforms: Iterable[str], settings: EngagementSettings) -> Routes:
        """The routes of these settings in this community."""
        names = list(platforms)

        def ids(channels: Iterable[str]) -> dict[str, frozenset[str]]:
            wanted = list(channels)
            return {p: frozenset(c.id for n in wanted if (c := community.channel(n, p)) is not None) for p in names}

        questions = settings.questions
        hot = settings.hot_topics
        return cls(questions=ids(questions.channels if questions else ()), ignored=ids(hot.ignore if hot else ()),
                   prompts=ids(s.channel for s in settings.prompts), counting=hot is not None)


class EngagementBase(Cog):
    """The engagement cog's shared state and helpers."""

    name = "engagement"
    settings_model = EngagementSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._routes: tuple[EngagementSettings, Any, Routes] | None = None

    @property
    def conf(self) -> EngagementSettings:
        """This community's engagement settings."""
        settings: EngagementSettings = self.ctx.settings
        return settings

    @property
    def routes(self) -> Routes:
        """The watchers' channels for the current settings (built again after a reload)."""
        conf, community = self.conf, self.ctx.community
        cached = self._routes
        if cached is None or cached[0] is not conf or cached[1] is not community:
            cached = self._routes = (conf, community, Routes.build(community, self.ctx.platforms(), conf))
        return cached[2]

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
