"""Watchers on the message stream: unanswered questions, hot-topic counts, "thanks @member"."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import AddReaction, SendMessage
from bot.capabilities import Capability
from bot.cog import job
from bot.events import MessagePosted
from bot.facts import KudosGiven, QuestionAnswered, QuestionAsked
from bot.persons import PersonId
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.cards import hot_topics, ping_helpers
from cogs.engagement.kudos import thanks_someone
from cogs.engagement.polls import Polls
from cogs.engagement.questions import is_question
from cogs.engagement.store import Question
from cogs.engagement.terms import terms, trending

TRACKED = timedelta(days=1)  # a question is watched for its first answer this long
MAX_DAY_TERMS = 100_000  # distinct terms kept in memory per day between flushes
FLUSH_EVERY = timedelta(hours=1)
THANKS_EVERY = timedelta(hours=1)  # one "thanks @x" kudos per giver and receiver in this time


class Watch(Polls):
    """Reads messages for questions, trending terms and thank-yous; keeps only ids and counts."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._open: dict[tuple[str, str], list[Question]] = {}  # (platform, channel) -> open questions
        self._terms: dict[str, Counter[str]] = {}  # local day -> messages per term, not yet written
        self._flushed_at: datetime | None = None

    async def load_questions(self) -> None:
        """At start: the questions still waiting for their first answer."""
        async with self.ctx.db.session() as session:
            found = await store.open_questions(session, self.ctx.community.name, self.ctx.now() - TRACKED)
        self._open = {}
        for q in found:
            self._open.setdefault((q.platform, q.channel), []).append(q)

    def _watched(self, event: MessagePosted) -> bool:
        conf = self.conf.questions
        return conf is not None and any(self.ctx.community.channel(n, event.platform) == event.channel
                                        for n in conf.channels)

    # -- questions ----------------------------------------------------------------------------

    async def watch_questions(self, event: MessagePosted) -> None:
        """Record a question in a help channel; a message from someone else answers the open ones."""
        conf = self.conf.questions
        if conf is None:
            return
        watched = self._watched(event)
        here = self._open.get((event.platform, event.channel.id), [])
        threaded = [q for qs in self._open.values() for q in qs
                    if q.platform == event.platform and event.message.channel_id == q.message]  # a thread off it
        if not watched and not threaded and event.reply_to is None:
            return
        asks = watched and is_question(event.text)
        candidates = here + threaded if watched or threaded else \
            [q for qs in self._open.values() for q in qs if q.platform == event.platform]
        answered: list[Question] = []
        for q in candidates:
            if q.user_id == event.author.id:
                continue
            direct = (event.reply_to is not None and event.reply_to.id == q.message) or q in threaded
            if direct or (conf.answer == "any" and watched and q in here and not asks and event.reply_to is None):
                answered.append(q)
        if answered:
            await self._answered(event, answered)
        if asks and (event.reply_to is None or event.reply_to.id in {q.message for q in here}):
            await self._asked(event)

    async def _answered(self, event: MessagePosted, answered: list[Question]) -> None:
        by = await self.ctx.person(event.author)
        now = event.occurred_at
        done: list[Question] = []
        async with self.ctx.db.session() as session:
            for q in answered:
                if q.person == int(by):
                    continue  # the asker's other account
                if await store.answer(session, q.id, by, now):
                    done.append(q)
            await session.commit()
        for q in done:
            for qs in self._open.values():
                if q in qs:
                    qs.remove(q)
        for q in done:
            await self.ctx.cancel(f"q:{q.id}:ping")
            channel = self.name_of(ChannelRef(q.platform, q.channel))
            await self.ctx.publish(QuestionAnswered(person=PersonId(q.person), channel=channel, message=q.message,
                                                    seconds=max((now - q.asked_at).total_seconds(), 0.0)))

    async def _asked(self, event: MessagePosted) -> None:
        conf = self.conf.questions
        assert conf is not None
        person = await self.ctx.person(event.author)
        async with self.ctx.db.session() as session:
            q = await store.add_question(session, self.ctx.community.name, platform=event.platform,
                                         channel=event.channel.id, message=event.message.id, person_id=int(person),
                                         user_id=event.author.id, asked_at=event.occurred_at)
            await session.commit()
        self._open.setdefault((event.platform, event.channel.id), []).append(q)
        await self.ctx.schedule("unanswered", event.occurred_at + conf.after, {"question": q.id}, key=f"q:{q.id}:ping")
        await self.ctx.publish(QuestionAsked(person=person, channel=self.name_of(event.channel),
                                             message=event.message.id))

    @job("unanswered")
    async def unanswered(self, run: JobRun) -> None:
        """Nobody else answered in time: ping the helper role, once, replying to the question."""
        conf = self.conf.questions
        q = await store.question(run.session, int(run.payload.get("question", 0)))
        if conf is None or q is None or q.answered_at is not None or q.pinged_at is not None:
            return
        role = self.ctx.community.role(conf.helpers, q.platform)
        if role is None:
            self.ctx.log.warning("questions: the role %s does not exist on %s", conf.helpers, q.platform)
            return
        if not await store.mark_pinged(run.session, q.id, self.ctx.now()):
            return
        minutes = max(int(conf.after.total_seconds() // 60), 1)
        content = ping_helpers(role, conf.helpers, UserRef(q.platform, q.user_id), minutes)
        await self.ctx.effect(run.session, SendMessage(channel=ChannelRef(q.platform, q.channel), content=content,
                                                       reply_to=MessageRef(q.platform, q.channel, q.message)),
                              key=f"q:{q.id}:pinged")

    # -- hot topics ---------------------------------------------------------------------------

    def count_terms(self, event: MessagePosted) -> None:
        """Add one per distinct term of the message to today's counts (in memory until the next flush)."""
        conf = self.conf.hot_topics
        if conf is None or any(self.ctx.community.channel(n, event.platform) == event.channel for n in conf.ignore):
            return
        day = event.occurred_at.astimezone(self.ctx.community.tz).strftime("%Y-%m-%d")
        counter = self._terms.setdefault(day, Counter())
        found = terms(event.text)
        if len(counter) > MAX_DAY_TERMS:
            found = {t for t in found if t in counter}
        counter.update(found)

    async def flush_terms(self, session: AsyncSession) -> None:
        """Write the counts gathered since the last flush."""
        pending, self._terms = self._terms, {}
        for day, counted in sorted(pending.items()):
            await store.add_terms(session, self.ctx.community.name, day, counted)

    async def flush_if_due(self, now: datetime) -> None:
        """Hourly, on the next message: term counts and prompt replies go to the database in one
        transaction (a stop or a reload writes them too; a crash loses at most an hour's counts,
        never a message). Not a calendar job, so a quiet community adds no job rows for it."""
        if self._flushed_at is None:
            self._flushed_at = now
        if now - self._flushed_at < FLUSH_EVERY or (not self._terms and not self._replies):
            return
        self._flushed_at = now
        async with self.ctx.db.session() as session:
            await self.flush_terms(session)
            await self.flush_replies(session)
            await session.commit()

    def _days(self, end: datetime, count: int, skip: int = 0) -> list[str]:
        local = end.astimezone(self.ctx.community.tz).date()
        return [(local - timedelta(days=skip + i)).isoformat() for i in range(count)]

    async def hot_report(self, session: AsyncSession, now: datetime) -> list[Any]:
        """The trending terms up to ``now``: the window ending today against the windows before it."""
        conf = self.conf.hot_topics
        assert conf is not None
        await self.flush_terms(session)
        span = 1 if conf.window == "day" else 7
        # this window: the report's day so far and the full days since the last report
        current = await store.term_counts(session, self.ctx.community.name, self._days(now, span + 1))
        before = [await store.term_counts(session, self.ctx.community.name,
                                          self._days(now, span, span + 1 + span * i)) for i in range(conf.baseline)]
        keep_from = self._days(now, 1, span + 1 + span * conf.baseline)[0]
        await store.prune_terms(session, self.ctx.community.name, keep_from)
        return trending(current, before, windows=conf.baseline, top=conf.top, min_count=conf.min_count)

    @job("hot")
    async def hot(self, run: JobRun) -> None:
        """Post the hot topics to the staff channel."""
        conf = self.conf.hot_topics
        if conf is None:
            return
        content = hot_topics(await self.hot_report(run.session, self.ctx.now()), conf.window, conf.baseline)
        for channel in self.channels(conf.channel):
            await self.ctx.effect(run.session, SendMessage(channel=channel, content=content),
                                  key=f"hot:{run.key}:{channel.platform}")

    # -- "thanks @member" ---------------------------------------------------------------------

    async def notice_thanks(self, event: MessagePosted) -> list[Any]:
        """A message thanking members it mentions gives each of them a kudos (once an hour per pair)."""
        conf = self.conf.kudos
        if conf is None or not conf.notice_thanks or not event.mentions or event.is_dm:
            return []
        targets = [u for u in dict.fromkeys(event.mentions) if u != event.author]
        if not targets or not thanks_someone(event.text, len(targets)):
            return []
        giver = await self.ctx.person(event.author)
        now = event.occurred_at
        given: list[int] = []
        async with self.ctx.db.session() as session:
            for user in targets[:5]:
                member = await self.ctx.member(user)
                if member is None or member.is_bot:
                    continue
                receiver = await self.ctx.person(user)
                if receiver == giver or await store.kudos_given_since(
                        session, self.ctx.community.name, giver, now - THANKS_EVERY, receiver):
                    continue
                if await store.kudos_given_since(session, self.ctx.community.name, giver,
                                                 now - timedelta(days=1)) >= conf.per_day:
                    break
                await store.add_kudos(session, self.ctx.community.name, giver=int(giver), receiver=int(receiver),
                                      platform=user.platform, user_id=user.id, name=member.label[:100],
                                      source="thanks", at=now)
                given.append(int(receiver))
            await session.commit()
        for to in given:
            await self.ctx.publish(KudosGiven(person=giver, to=to))
        if given and self.ctx.can(event.platform, Capability.REACT):
            return [AddReaction(message=event.message, emoji="🙌")]
        return []
