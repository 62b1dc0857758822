"""Watchers on the message stream: unanswered questions, hot-topic counts, "thanks @member"."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import AddReaction, SendMessage
from bot.capabilities import Capability
from bot.cog import job
from bot.events import MessagePosted
from bot.facts import KudosGiven, QuestionAnswered, QuestionAsked
from bot.job_rows import add_job
from bot.persons import PersonId
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.base import NOWHERE
from cogs.engagement.cards import hot_topics, ping_helpers
from cogs.engagement.kudos import thanks_someone
from cogs.engagement.marks import ANSWER, fold_answers, mark
from cogs.engagement.models import MarkRow, QuestionRow
from cogs.engagement.polls import Polls
from cogs.engagement.questions import is_question
from cogs.engagement.quiet import first_at
from cogs.engagement.store import Question
from cogs.engagement.terms import DayCounts, terms, trending

TRACKED = timedelta(days=1)  # a question is watched for its first answer this long
MAX_DAY_TERMS = 100_000  # distinct terms kept in memory per day between flushes
FLUSH_EVERY = timedelta(hours=1)
THANKS_EVERY = timedelta(hours=1)  # one "thanks @x" kudos per giver and receiver in this time


class Watch(Polls):
    """Reads messages for questions, trending terms and thank-yous; keeps only ids and counts."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._open: dict[tuple[str, str], list[Question]] = {}  # (platform, channel) -> open questions
        self._by_message: dict[str, dict[str, Question]] = {}  # platform -> message id -> open question
        self._terms = DayCounts(MAX_DAY_TERMS)  # local day -> messages per term, not yet written
        self._flush_at: datetime | None = None  # when the counts in memory are written next
        self._day: tuple[datetime, datetime, str] | None = None  # the local day being counted: start, end, name
        self._sweeping: dict[tuple[str, str], datetime] = {}  # (platform, channel) -> its pending sweep
        self._pinged: set[tuple[str, str]] = set()  # (platform, message) whose helpers were pinged

    async def load_questions(self) -> None:
        """At start: the questions still waiting for their first answer, and their sweeps."""
        await self.flush_marks()
        async with self.ctx.db.session() as session:
            await self.write_answers(session)  # a crash's answers are marks: none pings
            await self.flush_replies(session)
            await session.commit()
            found = await store.open_questions(session, self.ctx.community.name, self.ctx.now() - TRACKED)
        self._open, self._by_message = {}, {}
        for q in found:
            self._remember(q)
        conf = self.conf.questions
        if conf is not None:
            for (platform, channel), qs in self._open.items():
                waiting = [q.asked_at for q in qs if q.pinged_at is None]
                if waiting:
                    await self._sweep_at(platform, channel, min(waiting) + conf.after)

    def _remember(self, q: Question) -> None:
        self._open.setdefault((q.platform, q.channel), []).append(q)
        self._by_message.setdefault(q.platform, {})[q.message] = q

    def _forget(self, q: Question) -> None:
        here = self._open.get((q.platform, q.channel), [])
        if q in here:
            here.remove(q)
        self._by_message.get(q.platform, {}).pop(q.message, None)

    # -- questions ----------------------------------------------------------------------------
    # A busy help channel must not cost a commit per message: a question's row goes through the
    # batching writer, answers are written with the next flush or sweep, and the pings of one
    # channel are one job per minute (a sweep) rather than one per question.

    def may_ask(self, event: MessagePosted, watched: bool) -> bool:
        """Whether :meth:`watch_questions` has anything to do with the message: it is in a help channel
        (``watched``), or in the thread of an open question or a reply to one."""
        if watched:
            return True
        open_here = self._by_message.get(event.platform)
        if not open_here:
            return False
        return event.message.channel_id in open_here or (event.reply_to is not None
                                                         and event.reply_to.id in open_here)

    async def watch_questions(self, event: MessagePosted) -> None:
        """Record a question in a help channel; a message from someone else answers the open ones."""
        conf = self.conf.questions
        if conf is None:
            return
        # cheap checks first: a set look-up, then (with questions open) two dictionary look-ups
        watched = event.channel.id in self.routes.questions.get(event.platform, NOWHERE)
        open_here = self._by_message.get(event.platform)
        if not watched and not open_here:
            return
        # a thread started from the question (Discord: the thread's id is the question's) or a reply to it
        threaded = open_here.get(event.message.channel_id) if open_here else None
        replied = None if event.reply_to is None or not open_here else open_here.get(event.reply_to.id)
        if not watched and threaded is None and replied is None:
            return
        here = self._open.get((event.platform, event.channel.id), [])
        asks = watched and is_question(event.text)
        answered: list[Question] = [q for q in (threaded, replied) if q is not None and q.user_id != event.author.id]
        if conf.answer == "any" and watched and not asks and event.reply_to is None:
            answered += [q for q in here if q.user_id != event.author.id and q not in answered]
        if answered:
            await self._answered(event, answered)
        if asks and (event.reply_to is None or replied is not None):
            await self._asked(event)

    async def _answered(self, event: MessagePosted, answered: list[Question]) -> None:
        by = await self.ctx.person(event.author)
        now = event.occurred_at
        for q in answered:
            if q.person == int(by):
                continue  # the asker's other account
            self._forget(q)
            self.ctx.writer(MarkRow.__table__).submit(mark(  # type: ignore[arg-type]
                self.ctx.community.name, ANSWER, q.platform, q.message, int(by), now))
            channel = self.name_of(ChannelRef(q.platform, q.channel))
            await self.ctx.publish(QuestionAnswered(person=PersonId(q.person), channel=channel, message=q.message,
                                                    seconds=max((now - q.asked_at).total_seconds(), 0.0)))

    async def _asked(self, event: MessagePosted) -> None:
        conf = self.conf.questions
        assert conf is not None
        person = await self.ctx.person(event.author)
        q = Question(0, event.platform, event.channel.id, event.message.id, int(person), event.author.id,
                     event.occurred_at, None, None)
        self.ctx.writer(QuestionRow.__table__).submit({  # type: ignore[arg-type]
            "community": self.ctx.community.name, "platform": q.platform, "channel": q.channel,
            "message": q.message, "person_id": q.person, "user_id": q.user_id, "asked_at": q.asked_at})
        self._remember(q)
        if (q.platform, q.channel) not in self._sweeping:  # a pending sweep comes before this one's time
            await self._sweep_at(q.platform, q.channel, q.asked_at + conf.after)
        await self.ctx.publish(QuestionAsked(person=person, channel=self.name_of(event.channel),
                                             message=event.message.id))

    @staticmethod
    def _minute(due: datetime) -> datetime:
        """The minute a sweep for ``due`` runs (the one after it, unless it is on the minute)."""
        minute = due.replace(second=0, microsecond=0)
        return minute + timedelta(minutes=1) if minute < due else minute

    async def _sweep_at(self, platform: str, channel: str, due: datetime) -> None:
        """Schedule the channel's one pending sweep (each sweep schedules the next while questions wait)."""
        minute = self._minute(due)
        self._sweeping[(platform, channel)] = minute
        try:
            await self.ctx.schedule("unanswered", minute, {"platform": platform, "channel": channel},
                                    key=f"qsweep:{platform}:{channel}:{minute:%Y%m%dT%H%M}")
        except ValueError:  # that minute's sweep already ran (a restart): its successor covers the rest
            pass

    async def write_answers(self, session: AsyncSession) -> None:
        """Fold the answers marked since the last fold into their questions (after :meth:`flush_marks`)."""
        await fold_answers(session, self.ctx.community.name)

    @job("unanswered")
    async def unanswered(self, run: JobRun) -> None:
        """Nobody else answered in time: ping the helper role once per question, replying to it."""
        conf = self.conf.questions
        if conf is None:
            return
        await self.flush_marks()  # before this job writes
        await self.write_answers(run.session)
        platform, channel = str(run.payload.get("platform", "")), str(run.payload.get("channel", ""))
        role = self.ctx.community.role(conf.helpers, platform)
        due = await store.unpinged(run.session, self.ctx.community.name, platform, channel,
                                   run.due_at - conf.after, run.due_at - TRACKED)
        if role is None:
            self.ctx.log.warning("questions: the role %s does not exist on %s", conf.helpers, platform)
            self._sweeping.pop((platform, channel), None)
            return
        if due and await self.defer_run(run, [ChannelRef(platform, channel)]):
            self._sweeping[(platform, channel)] = self._minute(self.ctx.now())  # the moved run covers the rest
            return
        minutes = max(int(conf.after.total_seconds() // 60), 1)
        for q in due:
            self._pinged.add((q.platform, q.message))
            if not await store.mark_pinged(run.session, q.id, self.ctx.now()):
                continue
            content = ping_helpers(role, conf.helpers, UserRef(q.platform, q.user_id), minutes)
            await self.ctx.effect(run.session, SendMessage(channel=ChannelRef(q.platform, q.channel), content=content,
                                                           reply_to=MessageRef(q.platform, q.channel, q.message)),
                                  key=f"q:{q.platform}:{q.message}:pinged")
        await self._next_sweep(run, platform, channel, run.due_at - conf.after)

    async def _next_sweep(self, run: JobRun, platform: str, channel: str, covered: datetime) -> None:
        """Store the channel's next sweep in this job's transaction: at the time of the first question
        still waiting that this one did not cover (none: the next question schedules one)."""
        conf = self.conf.questions
        assert conf is not None
        for q in [q for q in self._open.get((platform, channel), []) if q.asked_at < run.due_at - TRACKED]:
            self._forget(q)  # questions older than a day are no longer watched
        kept = self._open.get((platform, channel), [])
        waiting = [q.asked_at for q in kept if q.asked_at > covered and (q.platform, q.message) not in self._pinged]
        if not waiting:
            self._sweeping.pop((platform, channel), None)
            return
        minute = self._minute(min(waiting) + conf.after)
        self._sweeping[(platform, channel)] = minute  # set with no wait since reading the questions
        name = self.ctx.community.name
        key = f"{name}:qsweep:{platform}:{channel}:{minute:%Y%m%dT%H%M}"
        await add_job(run.session, "engagement.unanswered", minute, {"platform": platform, "channel": channel},
                      key=key, community=name, now=self.ctx.now())

    # -- hot topics ---------------------------------------------------------------------------

    def count_terms(self, event: MessagePosted) -> None:
        """Add one per distinct term of the message to today's counts (in memory until the next flush)."""
        if self.routes.lane(event.platform, event.message.channel_id)[0]:
            self.add_terms(event.text, event.occurred_at)

    def add_terms(self, text: str, at: datetime) -> None:
        """Count a message of a channel whose terms are counted (:meth:`count_terms` without its test)."""
        day = self._day
        if day is None or not day[0] <= at < day[1]:  # the local day's name, worked out once a day
            local = at.astimezone(self.ctx.community.tz).date()
            tz = self.ctx.community.tz
            day = self._day = (first_at(local, time(0), tz), first_at(local + timedelta(days=1), time(0), tz),
                               local.isoformat())
        self._terms.add(day[2], terms(text))

    async def flush_terms(self, session: AsyncSession) -> None:
        """Write the counts gathered since the last flush."""
        for day, counted in sorted(self._terms.take().items()):
            await store.add_terms(session, self.ctx.community.name, day, counted)

    async def flush_if_due(self, now: datetime) -> None:
        """Hourly, on the next message: term counts and prompt replies go to the database in one
        transaction (a stop or a reload writes them too; a crash loses at most an hour's counts,
        never a message). Not a calendar job, so a quiet community adds no job rows for it."""
        if self._flush_at is None:
            self._flush_at = now + FLUSH_EVERY
        if now < self._flush_at or not self.holding():
            return
        self._flush_at = now + FLUSH_EVERY
        await self.flush_marks()
        async with self.ctx.db.session() as session:
            await self.write_held(session)
            await session.commit()

    def holding(self) -> bool:
        """Whether anything counted in memory waits to be written."""
        return bool(self._terms)

    async def write_held(self, session: AsyncSession) -> None:
        """Write everything counted in memory (in ``session``; the caller commits)."""
        await self.flush_terms(session)
        await self.flush_replies(session)
        await self.write_answers(session)

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
        if await self.defer_run(run, self.channels(conf.channel)):
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
