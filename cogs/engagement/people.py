"""Members over time: re-engagement DMs to members gone quiet, join anniversaries, member-count milestones.

Activity is a ``seen`` mark per member and local day (the first message of the day; every other
message costs one dictionary look-up), written by the batching writer and folded into the
member's row by the re-engagement run. Everything here is keyed by person id.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.actions import Action, SendDirect, SendMessage
from bot.cog import job, on
from bot.content import Content, Mention, Segment, fmt, text
from bot.events import CommandInvoked, MemberJoined, MemberLeft
from bot.refs import UserRef
from bot.scheduler import JobRun
from cogs.engagement import roster
from cogs.engagement.models import MarkRow
from cogs.engagement.quiet import first_at
from cogs.engagement.recognition import Recognition

MAX_NAMED = 20  # anniversaries named in one post
MAX_ACCOUNTS = 200_000  # accounts whose day is remembered in memory
NEVER = datetime.min.replace(tzinfo=UTC)  # before any message


def years_on(joined: datetime, today: datetime) -> int:
    """Whole years since ``joined`` when ``today`` (both local) is its anniversary, else 0; a 29 February
    join is celebrated on 28 February in other years."""
    if today.year <= joined.year:
        return 0
    month, day = joined.month, joined.day
    if (month, day) == (2, 29):
        leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
        day = 29 if leap else 28
    return today.year - joined.year if (today.month, today.day) == (month, day) else 0


class People(Recognition):
    """Re-engagement and milestones."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        # account (platform, id: a tuple hashes in C, a frozen ref in Python) -> when its next message is a new day
        self._next_seen: dict[tuple[str, str], datetime] = {}

    def declare_people(self) -> None:
        """The re-engagement and anniversary calendars, where configured."""
        if self.conf.reengage is not None:
            self.ctx.calendar("reengage", self.conf.reengage.when, "reengage")
        milestones = self.conf.milestones
        if milestones is not None and milestones.anniversaries:
            self.ctx.calendar("anniversaries", milestones.when, "anniversaries")

    async def seen(self, user: UserRef, at: datetime) -> None:
        """A member's message: the first of their local day is a ``seen`` mark (the batching writer has it in the
        database within a second); every other message of the day is one dictionary look-up."""
        key = (user.platform, user.id)
        if at < self._next_seen.get(key, NEVER):
            return
        tz = self.ctx.community.tz
        self._next_seen[key] = first_at(at.astimezone(tz).date() + timedelta(days=1), time(0), tz)
        if len(self._next_seen) > MAX_ACCOUNTS:
            self._next_seen.clear()  # a new day's first messages write a mark again; a day is counted once
        person = await self.ctx.person(user)
        self.ctx.writer(MarkRow.__table__).submit({  # type: ignore[arg-type]
            "community": self.ctx.community.name, "kind": "seen", "platform": user.platform, "ref": user.id,
            "person_id": int(person), "at": at})

    # -- /engagement optout | optin -------------------------------------------------------------

    async def opt(self, event: CommandInvoked, out: bool) -> Action:
        """Stop (or allow again) the re-engagement DMs and anniversary mentions for the member."""
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            await roster.set_opted_out(session, self.ctx.community.name, person, event.user, out)
            await session.commit()
        if out:
            return self.reply(event.origin, "Done: no more \"we miss you\" messages or anniversary mentions from "
                                            "me. /engagement optin turns them back on.")
        return self.reply(event.origin, "Done: you may get an occasional hello if you go quiet, and your join "
                                        "anniversary is celebrated. /engagement optout stops both.")

    # -- re-engagement -----------------------------------------------------------------------------

    @job("reengage")
    async def reengage(self, run: JobRun) -> None:
        """One gentle DM to each member who was active and went quiet (at most one per period), never to
        someone who opted out or turned DMs off."""
        conf = self.conf.reengage
        if conf is None:
            return
        # the marks first: defer_run writes in the job's transaction, and on SQLite the batching writer's
        # insert would then wait for that very transaction (busy for 10 s, twice, then the marks dropped)
        await self.flush_marks()
        if await self.defer_run(run, []):
            return
        await roster.fold_seen(run.session, self.ctx.community.name, self.ctx.community.tz)
        now, community = self.ctx.now(), self.ctx.community.name
        candidates = await roster.gone_quiet(run.session, community, active=conf.active_days,
                                             silent_since=now - conf.after, nudged_before=now - conf.period,
                                             limit=conf.per_run * 3)
        sent = 0
        for known in candidates:
            if sent >= conf.per_run:
                break
            if known.user.platform not in self.ctx.platforms():
                continue
            if not (await self.ctx.preferences(known.person)).dms:
                continue  # /settings dm off: a "we miss you" is not worth a post in a channel
            member = await self.ctx.member(known.user)
            if member is None or member.is_bot:
                continue
            days = int((now - (known.last_active or now)).total_seconds() // 86400)
            body = conf.template.format(name=member.label, community=self.ctx.community.name, days=days)
            await self.ctx.effect(run.session, SendDirect(user=known.user, content=text(body),
                                                          scope=self.ctx.scope(known.user.platform)),
                                  key=f"reengage:{int(known.person)}:{now:%Y%m%d}")
            await roster.nudged(run.session, community, known.person, now)
            sent += 1

    # -- milestones ------------------------------------------------------------------------------

    @on(MemberJoined)
    async def member_joined(self, event: MemberJoined) -> list[Action]:
        """Remember the join (for anniversaries) and celebrate a member count reached, once each."""
        conf = self.conf.milestones
        if conf is None or event.is_bot:
            return []
        person = await self.ctx.person(event.member)
        async with self.ctx.db.session() as session:
            await roster.joined(session, self.ctx.community.name, person, event.member, event.occurred_at)
            count = conf.members_before + await roster.member_count(session, self.ctx.community.name)
            await session.commit()
        for n in [n for n in conf.members if n <= count]:
            if await self.ctx.job(f"milestone:{n}") is None:
                await self.ctx.schedule("milestone", self.ctx.now(), {"count": n}, key=f"milestone:{n}")
        return []

    @on(MemberLeft)
    async def member_left(self, event: MemberLeft) -> list[Action]:
        """A leave lowers the count (a milestone already celebrated is not celebrated again)."""
        if self.conf.milestones is None:
            return []
        person = await self.ctx.person(event.member)
        async with self.ctx.db.session() as session:
            await roster.left(session, self.ctx.community.name, person, event.occurred_at)
            await session.commit()
        return []

    @job("milestone")
    async def milestone(self, run: JobRun) -> None:
        """The community reached a member count: one post per platform, once (the job's key is the count)."""
        conf = self.conf.milestones
        if conf is None:
            return
        channels = self.channels(conf.channel)
        if await self.defer_run(run, channels):
            return
        content = fmt("🎉 We're {n} members now — thank you all for being here!", n=int(run.payload.get("count", 0)))
        for channel in channels:
            await self.ctx.effect(run.session, SendMessage(channel=channel, content=content),
                                  key=f"milestone:{run.key}:{channel.platform}")

    @job("anniversaries")
    async def anniversaries(self, run: JobRun) -> None:
        """Today's join anniversaries, named in one post per platform (each member pinged by name)."""
        conf = self.conf.milestones
        if conf is None or not conf.anniversaries:
            return
        tz = self.ctx.community.tz
        today = run.due_at.astimezone(tz)
        due = [(k, y) for k in await roster.present(run.session, self.ctx.community.name)
               if k.joined_at is not None and (y := years_on(k.joined_at.astimezone(tz), today))]
        channels = self.channels(conf.channel)
        if not due or await self.defer_run(run, channels):
            return
        for channel in channels:
            here = [(k, y) for k, y in due if k.user.platform == channel.platform][:MAX_NAMED]
            if not here:
                continue
            segments: list[Segment] = ["🎂 Happy join anniversary to "]
            for i, (k, y) in enumerate(here):
                member = await self.ctx.member(k.user)
                segments += [", " if i else "", Mention(k.user, member.label if member else k.user.id),
                             *fmt(" ({y} year{s})", y=y, s="" if y == 1 else "s").segments]
            segments.append(" — thank you for being part of the community!")
            content = Content(tuple(segments), ping=tuple(k.user for k, _ in here))
            await self.ctx.effect(run.session, SendMessage(channel=channel, content=content),
                                  key=f"anniversaries:{run.key}:{channel.platform}")
