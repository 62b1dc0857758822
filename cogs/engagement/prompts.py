"""Scheduled prompts: a calendar per schedule, a rotation with no repeats, replies counted per prompt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, CreateThread, SendMessage
from bot.capabilities import Capability
from bot.cog import job
from bot.events import MessagePosted
from bot.facts import PromptPosted
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.base import NOWHERE
from cogs.engagement.cards import prompt_content, thread_title
from cogs.engagement.marks import REPLY, fold_replies, mark
from cogs.engagement.models import MarkRow, PromptPostRow, QuestionRow
from cogs.engagement.paced import Paced
from cogs.engagement.rotation import pick, prompt_id
from cogs.engagement.settings import PromptSchedule
from cogs.engagement.store import PromptPost

REFRESH = timedelta(minutes=1)  # how stale the in-memory list of recent prompts may be, while one is in flight
QUIET_REFRESH = timedelta(minutes=30)


class Prompts(Paced):
    """Question of the day, weekly wins, show and tell: posted on their calendars, replies counted."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._posts: list[PromptPost] = []
        self._fresh_until: datetime | None = None  # when the recent posts are read again (None: at once)
        self._threads: frozenset[str] = frozenset()  # the recent posts' thread channels
        self._expect_until: datetime | None = None

    def declare_prompts(self) -> None:
        """One calendar per schedule (called in setup; a reload re-declares and reconciles them)."""
        for schedule in self.conf.prompts:
            self.ctx.calendar(f"prompt-{schedule.name}", schedule.when, "prompt", {"schedule": schedule.name})

    def schedule(self, name: str) -> PromptSchedule | None:
        """A configured prompt schedule by name."""
        return next((s for s in self.conf.prompts if s.name == name), None)

    @job("prompt")
    async def prompt_due(self, run: JobRun) -> None:
        """Post the next prompt of the rotation; the rotation moves on in the same transaction."""
        schedule = self.schedule(str(run.payload.get("schedule", "")))
        if schedule is None:
            self.ctx.log.warning("prompt job %s: its schedule is no longer configured", run.key)
            return
        channels = self.channels(schedule.channel)
        if await self.defer_run(run, channels):
            return
        community, now = self.ctx.community.name, self.ctx.now()
        pool = schedule.pool()
        state = await store.rotation(run.session, community, schedule.name)
        index, after = pick(schedule.name, pool, state)
        await store.save_rotation(run.session, community, schedule.name, after)
        prompt = pool[index]
        number = int((await run.session.execute(select(func.count(func.distinct(PromptPostRow.occurrence))).where(
            PromptPostRow.community == community, PromptPostRow.schedule == schedule.name))).scalar_one()) + 1
        content = prompt_content(schedule.template, prompt, at=run.due_at, tz=self.ctx.community.tz, number=number)
        title = thread_title(schedule.thread_name, schedule.name, run.due_at, self.ctx.community.tz)
        for channel in channels:
            key = f"prompt:{run.key}:{channel.platform}"
            threaded = schedule.thread and self.ctx.can(channel.platform, Capability.THREADS)
            action: Action = (CreateThread(channel=channel, name=title, content=content) if schedule.thread
                              else SendMessage(channel=channel, content=content))
            await self.ctx.effect(run.session, action, key=key)
            await store.add_prompt_post(run.session, community=community, schedule=schedule.name,
                                        prompt=prompt_id(prompt), label=prompt[:80], occurrence=run.key,
                                        platform=channel.platform, channel=channel.id, thread=threaded,
                                        outbox_key=key, posted_at=now)
        if not channels:
            self.ctx.log.warning("prompt %s: %s exists on no platform", schedule.name, schedule.channel)
        self._fresh_until = None  # the next message reloads the recent prompts (every minute for a while:
        self._expect_until = now + REFRESH * 5  # this job's transaction commits after that message perhaps)
        await self.ctx.publish(PromptPosted(prompt=f"{schedule.name}:{prompt_id(prompt)}", occurrence=run.key))

    # -- replies per prompt -------------------------------------------------------------------

    async def _recent(self, now: datetime) -> list[PromptPost]:
        # read again after a prompt job (it clears _fresh_until), every minute while a post is not
        # delivered yet (its message is not known), else every half hour
        if self._fresh_until is not None and now < self._fresh_until:
            return self._posts
        since = now - self.conf.count_window - timedelta(days=7)
        async with self.ctx.db.session() as session:
            posts = await store.prompt_posts_since(session, self.ctx.community.name, since)
            changed = False
            for i, post in enumerate(posts):
                if post.message:
                    continue
                ref = await self.ctx.delivered(post.outbox_key)
                if ref is None:
                    continue
                thread_channel = ref.channel_id if post.thread and ref.channel_id != post.channel else ""
                await store.resolve_prompt_post(session, post.id, ref.id, thread_channel)
                posts[i] = PromptPost(post.id, post.schedule, post.platform, post.channel, post.thread,
                                      post.outbox_key, ref.id, thread_channel, post.posted_at)
                changed = True
            if changed:
                await session.commit()
        busy = any(not p.message for p in posts) or (self._expect_until is not None and now < self._expect_until)
        self._posts, self._fresh_until = posts, now + (REFRESH if busy else QUIET_REFRESH)
        self._threads = frozenset(p.thread_channel for p in posts if p.thread_channel)
        return posts

    def may_reply(self, event: MessagePosted, prompted: bool) -> bool:
        """Whether :meth:`count_reply` has anything to do with the message: the recent prompts are due to be
        read again, or it is a reply, or in a prompt's channel (``prompted``) or thread."""
        fresh = self._fresh_until
        return fresh is None or event.occurred_at >= fresh or event.reply_to is not None or prompted \
            or event.message.channel_id in self._threads

    async def count_reply(self, event: MessagePosted) -> None:
        """Count a message as a reply to the prompt it answers: in its thread, replying to it, or (a
        prompt without a thread) in its channel within ``count_window`` while it is the latest there."""
        if not self.conf.prompts:
            return
        now = event.occurred_at
        fresh = self._fresh_until
        recent = self._posts if fresh is not None and now < fresh else await self._recent(now)
        # cheap checks first: not a reply, not in a prompt's channel or thread -> nothing to count
        if event.reply_to is None and event.channel.id not in self.routes.prompts.get(event.platform, NOWHERE) \
                and event.message.channel_id not in self._threads:
            return
        latest: set[str] = set()
        for post in recent:
            if post.platform != event.platform:
                continue
            first_here = post.channel not in latest
            latest.add(post.channel)
            if (post.thread_channel and event.message.channel_id == post.thread_channel) or \
                    (event.reply_to is not None and post.message and event.reply_to.id == post.message):
                self._reply(post, event)
                return
            if not post.thread and first_here and event.message.channel_id == post.channel \
                    and post.posted_at <= now <= post.posted_at + self.conf.count_window:
                self._reply(post, event)
                return

    async def flush_marks(self) -> None:
        """Put the batching writers' pending rows (questions, marks) in the database: before a session writes,
        as on SQLite a second writer waits for the first."""
        await self.ctx.writer(QuestionRow.__table__).flush()  # type: ignore[arg-type]
        await self.ctx.writer(MarkRow.__table__).flush()  # type: ignore[arg-type]

    def _reply(self, post: PromptPost, event: MessagePosted) -> None:
        self.ctx.writer(MarkRow.__table__).submit(mark(  # type: ignore[arg-type]
            self.ctx.community.name, REPLY, event.platform, str(post.id), 0, event.occurred_at))

    async def flush_replies(self, session: AsyncSession) -> None:
        """Add the replies marked since the last fold to their posts' counts (after :meth:`flush_marks`)."""
        await fold_replies(session, self.ctx.community.name)
