"""Shared state of the analytics cog: what is counted and how, invite snapshots, the KPIs of a period."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.actions import Action, File, SendMessage
from bot.cog import Cog
from bot.content import Content, fmt
from bot.persons import PersonId
from bot.refs import ChannelRef, MessageRef
from cogs.analytics import store
from cogs.analytics.charts import Charts, render_all
from cogs.analytics.kpis import Kpis
from cogs.analytics.models import activity, members
from cogs.analytics.period import day_bounds, window
from cogs.analytics.report import summary
from cogs.analytics.settings import AnalyticsSettings

REMEMBER = 20_000  # recent message → author, so a reaction counts as received (reactions carry no author)


class AnalyticsBase(Cog):
    """Settings, the recent-author cache, invite snapshots and the helpers every part uses."""

    name = "analytics"
    settings_model = AnalyticsSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.authors: OrderedDict[MessageRef, PersonId] = OrderedDict()
        self.invites: dict[str, dict[str, int]] = {}  # platform → invite code → uses, as last seen
        self.invite_lock = asyncio.Lock()
        self._day = (0, 0, 0)  # unix start and end of the local day last counted in, and its number

    @property
    def conf(self) -> AnalyticsSettings:
        """This community's analytics section."""
        settings: AnalyticsSettings = self.ctx.settings
        return settings

    @property
    def community(self) -> str:
        """The community's name."""
        return str(self.ctx.community.name)

    async def setup(self) -> None:
        """Take the first invite snapshot where the platform can list invites; book the weekly report."""
        for platform in self.ctx.platforms():
            uses = await self.ctx.invite_uses(platform)
            if uses is not None:
                self.invites[platform] = uses
        if self.conf.report is not None:
            self.ctx.calendar("weekly", self.conf.report.when, "weekly")
        if self.conf.retention is not None:
            self.ctx.calendar("rollup", self.conf.retention.when, "rollup")

    # -- recording --------------------------------------------------------------------------

    def today(self, at: datetime | None = None) -> int:
        """The community-local day number of ``at`` (default now); the day's bounds are worked out once a day,
        not a time-zone conversion per message."""
        at = at or self.ctx.now()
        ts, (start, end, day) = at.timestamp(), self._day
        if not start <= ts < end:
            start, end, day = self._day = day_bounds(at, self.ctx.community.tz)
        return day

    def ignored(self, channel: ChannelRef) -> bool:
        """Whether a channel is left uncounted."""
        name = self.ctx.community.channel_name(channel)
        return name is not None and name in self.conf.ignore_channels

    def count(self, person: PersonId, channel: str, at: datetime, *, messages: int = 0, replies: int = 0,
              reactions_given: int = 0, reactions_received: int = 0, mentions: int = 0) -> None:
        """Queue one counter row (the batching writer commits many at once)."""
        self.ctx.writer(activity).submit(store.activity_row(
            self.ctx.community.name, self.today(at), at, person, channel, messages=messages, replies=replies,
            reactions_given=reactions_given, reactions_received=reactions_received, mentions=mentions))

    def member_event(self, person: PersonId, kind: str, at: datetime, source: str | None = None) -> None:
        """Queue a join, leave or join-source row."""
        self.ctx.writer(members).submit(store.member_row(self.community, self.today(at), at, person, kind, source))

    def remember(self, message: MessageRef, author: PersonId) -> None:
        """Keep who wrote a recent message (bounded)."""
        self.authors[message] = author
        if len(self.authors) > REMEMBER:
            self.authors.popitem(last=False)

    async def invite_used(self, platform: str) -> str | None:
        """The join source a platform's invite counts tell: the one invite whose uses went up.

        Its campaign's name when ``/invite create`` made it, else ``invite:CODE``; None when the
        platform cannot list invites or when no single invite moved (two joins at once).
        """
        if platform not in self.invites:
            return None
        async with self.invite_lock:
            now = await self.ctx.invite_uses(platform)
            if now is None:
                return None
            before, self.invites[platform] = self.invites[platform], now
        moved = [code for code, uses in now.items() if uses > before.get(code, 0)]
        if len(moved) != 1:
            return None
        async with self.ctx.db.session() as session:
            names = await store.campaign_codes(session, self.community, platform)
        return names.get(moved[0], f"invite:{moved[0]}")

    # -- reading ----------------------------------------------------------------------------

    async def kpis(self, days: int, now: datetime | None = None) -> Kpis:
        """Every KPI of the last ``days`` local days up to ``now`` (everything counted so far included)."""
        now = now or self.ctx.now()
        await self.ctx.writer(activity).flush()
        await self.ctx.writer(members).flush()
        await self.ctx.services.facts.flush()
        w = window(self.community, days, now, self.ctx.community.tz)
        async with self.ctx.db.session() as session:
            return await store.compute(session, w, self.today(now), top=self.conf.top)

    async def weekly_actions(self, now: datetime) -> list[Action]:
        """The weekly report: its summary and PNG charts (drawn off the event loop) to the staff channel."""
        assert self.conf.report is not None
        k = await self.kpis(self.conf.report.days, now)
        charts = await asyncio.to_thread(render_all, k) if k.has_data else Charts()
        content = summary(k, title="Weekly community report")
        if charts.failed:
            content = Content((*content.segments, *fmt("\n(Charts not drawn: {c}.)",
                                                       c=", ".join(charts.failed)).segments))
        files = tuple(File(f"{name}.png", data, "image/png") for name, data in charts.images.items())
        return [SendMessage(channel=channel, content=content, files=files) for p in self.ctx.platforms()
                if (channel := self.ctx.community.channel(self.conf.report.channel, p)) is not None]
