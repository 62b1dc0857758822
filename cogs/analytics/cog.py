"""The analytics cog: counts activity (never text), and answers with KPIs, charts and reports.

Thin: counting rules are in :mod:`base`, queries in :mod:`queries`, words and pages in :mod:`report`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, Reply
from bot.cog import Page, command, job, on
from bot.commands import Param, ParamType
from bot.content import Content, Segment, UserText, fmt
from bot.events import CommandInvoked, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from bot.facts import OnboardingAnswered
from bot.permissions import Level
from bot.persons import PersonId
from bot.scheduler import JobRun
from cogs.analytics import store
from cogs.analytics.base import AnalyticsBase
from cogs.analytics.charts import Charts, render_all
from cogs.analytics.models import activity
from cogs.analytics.period import PeriodError, parse_days
from cogs.analytics.report import as_csv, as_json, page, summary
from cogs.analytics.retention import RolledUp, roll_up

FORMATS = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
           "json": "application/json"}
CAMPAIGN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def campaign_name(raw: str | None) -> str | None:
    """A campaign's name as typed, folded to lower case; None unless it is 1–40 of a-z 0-9 - _."""
    clean = (raw or "").strip().casefold()
    return clean if CAMPAIGN.fullmatch(clean) and clean.isascii() else None


def _reply(event: CommandInvoked, content: str | Content) -> Reply:
    return Reply(origin=event.origin, content=fmt("{m}", m=content) if isinstance(content, str) else content,
                 ephemeral=True)


class AnalyticsCog(AnalyticsBase):
    """Counts messages, replies, reactions, mentions, joins and leaves; reports KPIs to the team."""

    @on(MessagePosted, priority=50)
    async def counted_message(self, event: MessagePosted) -> None:
        """One message: messages, a reply if it answers one, its mentions."""
        if event.is_bot or event.is_dm:
            return
        name = self.ctx.community.channel_name(event.channel)  # looked up once
        if name is not None and name in self.conf.ignore_channels:
            return
        person = await self.ctx.person(event.author)
        channel = name or event.channel_name or event.channel.id
        self.count(person, channel, event.occurred_at, messages=1, replies=int(event.reply_to is not None),
                   mentions=len(event.mentions) + len(event.role_mentions))
        self.remember(event.message, person)

    @on(ReactionAdded, priority=50)
    async def counted_reaction(self, event: ReactionAdded) -> None:
        """A reaction: given by the reactor, received by the author when the message is recent."""
        if self.ignored(event.message.channel):
            return
        person = await self.ctx.person(event.user)
        channel = self.ctx.community.channel_name(event.message.channel) or event.message.channel.id
        self.count(person, channel, event.occurred_at, reactions_given=1)
        author = self.authors.get(event.message)
        if author is not None and author != person:
            self.count(author, channel, event.occurred_at, reactions_received=1)

    @on(MemberJoined, priority=50)
    async def counted_join(self, event: MemberJoined) -> None:
        """A join, with the invite it came through where the platform tells."""
        if event.is_bot:
            return
        person = await self.ctx.person(event.member)
        if event.platform not in self.invites:  # no snapshot yet: this one becomes the baseline
            uses = await self.ctx.invite_uses(event.platform)
            if uses is not None:
                self.invites[event.platform] = uses
            source = None
        else:
            source = await self.invite_used(event.platform)
        self.member_event(person, "join", event.occurred_at, source)

    @on(MemberLeft, priority=50)
    async def counted_leave(self, event: MemberLeft) -> None:
        """A leave."""
        person = await self.ctx.person(event.member)
        self.member_event(person, "leave", event.occurred_at)

    @on(OnboardingAnswered)
    async def source_answered(self, fact: OnboardingAnswered) -> None:
        """The onboarding answer to "how did you find us?" is the join source where no invite told it."""
        if fact.source and fact.person is not None and fact.choices:
            self.member_event(fact.person, "source", fact.at or self.ctx.now(), str(fact.choices[0])[:60])

    @command("stats", "Community KPIs for a period (7d, 30d, 4w): members, activity, retention, response times.",
             level=Level.MODERATOR, params=[Param("period", ParamType.TEXT, "7d, 30d or 4w", required=False)])
    async def stats(self, event: CommandInvoked, period: str | None = None) -> Action:
        """A short private summary."""
        try:
            days = parse_days(period) if period and period.strip() else self.conf.stats_days
        except PeriodError as exc:
            return _reply(event, fmt("I can't read that period: {e}", e=str(exc)))
        return _reply(event, summary(await self.kpis(days), title=f"Stats, last {days} day(s)"))

    @command("invite", "Invite campaigns: create NAME makes a tracked invite; list shows them.",
             level=Level.MODERATOR, params=[
                 Param("action", ParamType.CHOICE, "what to do", choices=("create", "list")),
                 Param("name", ParamType.TEXT, "the campaign's name (letters, digits, - and _)", required=False)])
    async def invite(self, event: CommandInvoked, action: str, name: str | None = None) -> Action:
        """Create or list campaigns."""
        if action == "list":
            return _reply(event, await self.campaigns())
        clean = campaign_name(name)
        if clean is None:
            return _reply(event, fmt("A campaign name is 1–40 lower-case letters, digits, - or _, e.g. "
                                     "`spring-meetup`; got {n}.", n=UserText((name or "nothing")[:60])))
        return _reply(event, await self.create_campaign(event, clean))

    async def create_campaign(self, event: CommandInvoked, name: str) -> Content:
        """A tracked invite on each platform that can make one; elsewhere the onboarding answer counts."""
        person = await self.ctx.person(event.user)
        made: list[Segment] = []
        fallback: list[str] = []
        async with self.ctx.db.session() as session, session.begin():
            for platform in self.ctx.platforms():
                channel = self.conf.invite_channel and self.ctx.community.channel(self.conf.invite_channel, platform)
                invite = await self.ctx.create_invite(channel) if channel else None
                added = await store.add_campaign(session, self.community, name, platform, code=invite and invite[0],
                                                 url=invite and invite[1], person=person, at=self.ctx.now())
                if not added:
                    return fmt("There is already a campaign {n}: /invite list shows it.", n=name)
                if invite is not None:
                    made += fmt("\n{p}: {url} — joins through it count for {n}.", p=platform, url=invite[1],
                                n=name).segments
                else:
                    fallback.append(platform)
        segments: list[Segment] = [*fmt("Campaign {n} created.", n=name).segments, *made]
        if fallback:
            why = "no invite links to track here" if self.conf.invite_channel else \
                "no invite made (analytics.invite_channel is not set)"
            segments += fmt("\n{p}: {why}, so members who answer {n} to the onboarding question on how they found "
                            "us count for it.", p=", ".join(fallback), why=why, n=name).segments
        return Content(tuple(segments))

    async def campaigns(self) -> Content:
        """Every campaign and its link."""
        async with self.ctx.db.session() as session:
            found = await store.campaign_list(session, self.community)
        if not found:
            return fmt("No campaigns yet: /invite create NAME makes one.")
        segments: list[Segment] = ["Campaigns:"]
        for name, platform, url in found:
            link = url or "counted by the onboarding answer"
            segments += fmt("\n{n} ({p}): {u}", n=name, p=platform, u=link).segments
        return Content(tuple(segments))

    @job("weekly")
    async def weekly(self, run: JobRun) -> None:
        """Post the weekly report with its charts to the staff channel."""
        actions = await self.weekly_actions(run.due_at)
        if not actions:
            await self.ctx.modlog(fmt("The weekly report has no staff channel to go to; set analytics.report.channel "
                                      "to a channel declared under channels."))
            return
        await self.ctx.perform_all(actions)

    @job("rollup")
    async def rollup(self, run: JobRun) -> RolledUp:
        """Roll up activity older than ``retention.keep`` (idempotent: a re-run finds nothing to do)."""
        assert self.conf.retention is not None
        before = self.today(run.due_at) + 1 - self.conf.retention.keep.days
        await self.ctx.writer(activity).flush()  # rows still queued are summed in now, not on the next run
        done = await roll_up(self.ctx.db, self.community, before)
        if done.days:
            self.ctx.log.info("rolled up %d row(s) of %d day(s) into %d", done.before, done.days, done.after)
        return done

    async def page(self, name: str, query: Mapping[str, str]) -> Page | None:
        """``/report`` on the operations endpoint: ``?since=30d&format=html|csv|json`` (charts drawn off the loop)."""
        if name != "report":
            return None
        try:
            days = parse_days(query.get("since") or "30d")
        except PeriodError as exc:
            return Page(f"since: {exc}\n".encode(), "text/plain; charset=utf-8", 400)
        form = query.get("format") or "html"
        if form not in FORMATS:
            return Page(b"format: html, csv or json\n", "text/plain; charset=utf-8", 400)
        now = self.ctx.now()
        k = await self.kpis(days, now)
        if form != "html":
            return Page((as_csv(k) if form == "csv" else as_json(k)).encode(), FORMATS[form])
        charts = await asyncio.to_thread(render_all, k) if k.has_data else Charts()
        return Page(page(k, charts, generated=now).encode(), FORMATS[form])

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Re-key the person's counters."""
        return await store.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Forget the person: joins and sources go; activity stays as counts nobody's name is on."""
        return await store.delete_member(session, person)
