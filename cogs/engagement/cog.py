"""The engagement cog: the class only composes the parts, each in its own module.

``prompts`` (scheduled prompts and their replies), ``polls`` (/poll and recurring polls), ``watch``
(unanswered questions, hot-topic counts, "thanks @member"), ``announce`` (/announce) and
``recognition`` (/kudos and the monthly post), ``people`` (re-engagement DMs, anniversaries and
member-count milestones); ``paced`` holds every post to quiet hours and a gap per channel.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.cog import command, on
from bot.commands import Param, ParamType
from bot.events import CommandInvoked, MessagePosted
from bot.persons import PersonId
from cogs.engagement import roster, store
from cogs.engagement.cards import prompt_report
from cogs.engagement.people import NEVER, People

ENGAGEMENT_HINT = ("/engagement optout stops the occasional \"we miss you\" message and anniversary mentions; "
                   "/engagement optin turns them back on. Moderators: /engagement prompts.")


class EngagementCog(People):
    """Starts conversations on a schedule, runs polls, notices unanswered questions and thanks people."""

    async def setup(self) -> None:
        """Declare the calendars from config (reconciled with the stored jobs by the core: a restart or
        a reload keeps the next occurrence), reload open questions, re-plan open polls' closes."""
        self.declare_prompts()
        self.declare_polls()
        self.declare_monthly()
        self.declare_people()
        hot = self.conf.hot_topics
        if hot is not None:
            self.ctx.calendar("hot-topics", hot.when, "hot")
        await self.load_questions()
        await self.replan_polls()

    async def teardown(self) -> None:
        """Write what was counted in memory before the instance goes (a reload or a stop)."""
        await self.flush_marks()
        if not self.holding():
            return
        async with self.ctx.db.session() as session:
            await self.write_held(session)
            await session.commit()

    @on(MessagePosted)
    async def message(self, event: MessagePosted) -> list[Action]:
        """Every member message: a reply to a prompt, a question or its answer, term counts, thanks.

        Each part's own first test is made here, so a message a part has nothing to do with costs no call
        (most chat: no new day for its author, no prompt or help channel, no mention, no flush due)."""
        if event.is_bot or event.is_dm:
            return []
        conf, at, author = self.conf, event.occurred_at, event.author
        if conf.reengage is not None and at >= self._next_seen.get((author.platform, author.id), NEVER):
            await self.seen(author, at)
        counted, watched, prompted = self.routes.lane(event.platform, event.message.channel_id)
        if counted:
            self.add_terms(event.text, at)
        if conf.prompts and self.may_reply(event, prompted):
            await self.count_reply(event)
        flush_at = self._flush_at
        if flush_at is None or at >= flush_at:
            await self.flush_if_due(at)
        if conf.questions is not None and self.may_ask(event, watched):
            await self.watch_questions(event)
        if not event.mentions or conf.kudos is None or not conf.kudos.notice_thanks:
            return []
        return await self.notice_thanks(event)

    @command("engagement", "Stop or allow the occasional hello (/engagement optout, optin); moderators: prompts.",
             params=[Param("what", ParamType.CHOICE, "what to do", required=False,
                           choices=("optout", "optin", "prompts"))])
    async def engagement_command(self, event: CommandInvoked, what: str | None = None) -> Action:
        """``/engagement optout|optin`` for every member; ``/engagement prompts`` (replies per prompt): moderators."""
        if what in ("optout", "optin"):
            return await self.opt(event, what == "optout")
        if what != "prompts":
            return self.reply(event.origin, ENGAGEMENT_HINT)
        if not await self.is_moderator(event.user):
            return self.reply(event.origin, "/engagement prompts is for moderators; you can't use it here.")
        await self.flush_marks()
        async with self.ctx.db.session() as session:
            await self.flush_replies(session)
            await session.commit()
            stats = await store.prompt_stats(session, self.ctx.community.name)
        return self.reply(event.origin, prompt_report(stats, self.ctx.community.tz))

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move the person's votes, questions, kudos, activity and opt-out to the kept person."""
        return await store.merge_persons(session, source, into) + await roster.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase the person's votes, questions, kudos, activity, joins and opt-out."""
        return await store.delete_member(session, person) + await roster.delete_member(session, person)
