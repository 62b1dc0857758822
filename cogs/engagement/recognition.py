"""Kudos: ``/kudos @member for ...``, ``/kudos top``, and the monthly recognition post (opt-in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import Action, SendMessage
from bot.cog import command, job
from bot.commands import Param, ParamType
from bot.content import Mention, fmt
from bot.events import CommandInvoked
from bot.facts import KudosGiven
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.announce import Announce
from cogs.engagement.cards import board
from cogs.engagement.kudos import reason_of
from cogs.engagement.tally import tokens

KUDOS_HINT = "Thank someone with /kudos @member for helping with the release; see the leaderboard with /kudos top."


def month_start(at: datetime) -> datetime:
    """Midnight on the 1st of ``at``'s month (in ``at``'s zone)."""
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class Recognition(Announce):
    """Thank-yous and who gets them."""

    def declare_monthly(self) -> None:
        """The monthly post's calendar, when the community opted in."""
        kudos = self.conf.kudos
        if kudos is not None and kudos.monthly is not None:
            self.ctx.calendar("kudos-monthly", kudos.monthly.when, "monthly")

    @command("kudos", "Thank a member (/kudos @member for ...) or see who was thanked most (/kudos top).",
             params=[Param("what", ParamType.TEXT, "@member for what, or top", required=False)])
    async def kudos_command(self, event: CommandInvoked, what: str | None = None) -> Action:
        """Route ``/kudos``."""
        if self.conf.kudos is None:
            return self.reply(event.origin, "Kudos are off in this community.")
        raw = (what or "").strip()
        words = tokens(raw)
        if not words:
            return self.reply(event.origin, KUDOS_HINT)
        if words[0].lower() in ("top", "leaderboard"):
            return await self._top(event)
        resolver = self.ctx.services.platforms.resolver(event.origin.platform)
        user = await resolver.resolve_member(event.origin.scope, words[0])
        if user is None:
            return self.reply(event.origin, fmt("I can't find the member {who} here. {hint}", who=words[0][:60],
                                                hint=KUDOS_HINT))
        member = await self.ctx.member(user)
        if member is None or member.is_bot:
            return self.reply(event.origin, "Kudos are for members, not bots.")
        giver, receiver = await self.ctx.person(event.user), await self.ctx.person(user)
        if giver == receiver:
            return self.reply(event.origin, "Kudos are for someone else — thank a member who helped you.")
        now = self.ctx.now()
        reason = reason_of(raw[len(raw.split(maxsplit=1)[0]):])
        async with self.ctx.db.session() as session:
            given = await store.kudos_given_since(session, self.ctx.community.name, giver, now - timedelta(days=1))
            if given >= self.conf.kudos.per_day:
                return self.reply(event.origin, fmt("You've given {n} kudos in the last 24 hours, the most a day; "
                                                    "thank you for thanking!", n=given))
            number = await store.add_kudos(session, self.ctx.community.name, giver=int(giver), receiver=int(receiver),
                                           platform=user.platform, user_id=user.id, name=member.label[:100],
                                           reason=reason, source="command", at=now)
            why = fmt(" for “{r}”", r=reason) if reason else fmt("")
            public = self.conf.kudos.post_in
            where = self.ctx.community.channel(public, user.platform) if public else None
            if where is not None:  # thanked in public too, once (staged with the kudos), paced like every post
                giver_member = await self.ctx.member(event.user)
                post = fmt("🙌 {giver} thanks {who}{why}!", who=Mention(user, member.label), why=why,
                           giver=giver_member.label if giver_member is not None else "Someone")
                await self.paced_effect(session, SendMessage(channel=where, content=post),
                                        key=f"kudos:{self.ctx.community.name}:{number}", channel=where)
            await session.commit()
        await self.ctx.publish(KudosGiven(person=giver, to=int(receiver)))
        said = fmt(" I've thanked them in {c}.", c=public) if where is not None and public else fmt("")
        return self.reply(event.origin, fmt("🙌 Kudos to {who}{why}, from you.{said}", who=member.label, why=why,
                                            said=said))

    async def _top(self, event: CommandInvoked) -> Action:
        since = month_start(self.ctx.now().astimezone(self.ctx.community.tz))
        async with self.ctx.db.session() as session:
            month = await store.leaderboard(session, self.ctx.community.name, since, top=10)
            ever = await store.leaderboard(session, self.ctx.community.name, None, top=5)
        content = board(f"🏆 Most thanked this month ({since:%B %Y}):", month)
        if ever:
            more = board("All time:", ever)
            content = fmt("{a}\n{b}", a=content, b=more)
        return self.reply(event.origin, content)

    @job("monthly")
    async def monthly(self, run: JobRun) -> None:
        """The monthly recognition post: last month's most thanked members."""
        kudos = self.conf.kudos
        if kudos is None or kudos.monthly is None or await self.defer_run(run, self.channels(kudos.monthly.channel)):
            return
        local = run.due_at.astimezone(self.ctx.community.tz)
        until = month_start(local)
        since = month_start(until - timedelta(days=1))
        rows = await store.leaderboard(run.session, self.ctx.community.name, since, until, top=kudos.monthly.top)
        content = board(f"🌟 Thank you! The most thanked members of {since:%B %Y}:", rows)
        for channel in self.channels(kudos.monthly.channel):
            await self.ctx.effect(run.session, SendMessage(channel=channel, content=content),
                                  key=f"monthly:{run.key}:{channel.platform}")
