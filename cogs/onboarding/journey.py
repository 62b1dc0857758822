"""A newcomer's way through the flow: the join, each step passing, completion, leaving, their posts, nudges."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, SendMessage
from bot.cog import job, on
from bot.components import Button
from bot.content import Content, Mention, Segment, fmt
from bot.durations import format_duration
from bot.events import MemberJoined, MemberLeft, MemberUpdated, MessagePosted
from bot.facts import OnboardingCompleted, OnboardingStarted
from bot.persons import PersonId
from bot.refs import RoleRef, UserRef
from bot.scheduler import JobRun
from cogs.onboarding import store
from cogs.onboarding.base import WATCH_FOR, OnboardingBase, Watched
from cogs.onboarding.flow import ACTIVE_7D, FIRST_MESSAGE, Burst, batch_welcome, left_text, should_nudge
from cogs.onboarding.models import ACTIVE, DENIED, DONE, HELD, LEFT
from cogs.onboarding.settings import IntroduceStep, QuestionStep, ResourcesStep, RulesStep, WelcomeStep
from cogs.onboarding.store import Newcomer


class Journey(OnboardingBase):
    """Runs the flow for every person who joins."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        batch = self.conf.welcome_batch
        self.burst = Burst(batch.above, batch.within)

    async def setup(self) -> None:
        """Notice the posts of everyone who joined in the last days (the funnel's first message and activity)."""
        async with self.ctx.db.session() as session:
            for newcomer in await store.watching(session, self.community, self.ctx.now() - WATCH_FOR):
                self._watch(newcomer)

    def _watch(self, newcomer: Newcomer) -> None:
        intros = {s.channel for s in self.conf.steps if isinstance(s, IntroduceStep) and s.name not in newcomer.done}
        watched = Watched(newcomer.person, newcomer.joined_at, newcomer.first_message_at is not None,
                          newcomer.active_after_day, intros)
        if watched.posted and watched.active and not intros:
            self.watch.pop(newcomer.user, None)
        else:
            self.watch[newcomer.user] = watched

    # -- joining ----------------------------------------------------------------------------

    @on(MemberJoined)
    async def joined(self, event: MemberJoined) -> None:
        """Start (or resume) the flow; hold young accounts at the verification gate."""
        if event.is_bot or await self.is_moderator(event.member):
            return  # staff arriving with a moderator or admin role are no newcomers to walk through the flow
        person = await self.ctx.person(event.member)
        now = self.ctx.now()
        name = event.display_name or event.name
        async with self.ctx.lock(person):
            async with self.ctx.db.session() as session, session.begin():
                newcomer = await store.get(session, self.community, person)
                resumed = newcomer is not None and self.conf.rejoin == "resume" and newcomer.state != DENIED
                if newcomer is None:
                    newcomer = await store.create(session, self.community, person, event.member, name,
                                                  state=ACTIVE, now=now)
                elif resumed:  # the account they came back with is the one Steward reaches
                    newcomer = await store.save(session, newcomer, platform=event.member.platform,
                                                user_id=event.member.id, name=name[:100],
                                                state=DONE if newcomer.state == DONE else ACTIVE)
                else:
                    newcomer = await self._restart(session, newcomer, now, user=event.member, name=name)
                gate = self.conf.verification
                young = (event.account_created_at is not None and gate is not None
                         and now - event.account_created_at < gate.account_age)
                if young and newcomer.state != DONE:
                    newcomer = await store.save(session, newcomer, state=HELD)
                    await self._hold(session, newcomer)
                elif not resumed:
                    newcomer = await self._admit(session, newcomer)
        if newcomer.state == HELD:
            return
        if resumed:
            await self.resume(newcomer)
            return
        await self.started(newcomer)

    async def _restart(self, session: AsyncSession, newcomer: Newcomer, now: datetime, *,
                       user: UserRef | None = None, name: str | None = None) -> Newcomer:
        """The flow from the start: a new generation (new follow-up keys), nothing done or answered."""
        await self._cancel_nudges(newcomer)
        changes: dict[str, object] = {"generation": newcomer.generation + 1, "state": ACTIVE, "done": (),
                                      "answers": {}, "welcomed": "", "completed_at": None, "joined_at": now}
        if user is not None:
            changes.update(platform=user.platform, user_id=user.id)
        if name is not None:
            changes["name"] = name[:100]
        return await store.save(session, newcomer, **changes)

    async def _hold(self, session: AsyncSession, newcomer: Newcomer) -> None:
        """The verification card for moderators (Approve / Deny), and the newcomer role meanwhile."""
        gate = self.conf.verification
        assert gate is not None
        key = f"{int(newcomer.person)}:g{newcomer.generation}"
        if self.conf.newcomer_role:
            await self.grant(session, newcomer, [self.conf.newcomer_role], key=f"gate:{key}")
        channel = self.ctx.community.channel(gate.channel, newcomer.platform)
        if channel is None:
            return
        value = str(int(newcomer.person))
        content = fmt("Verification: {member}'s account is younger than the {age} this community asks for. "
                      "Their onboarding waits for a moderator.", member=self.mention(newcomer),
                      age=format_duration(gate.account_age)).with_buttons(
            Button("Approve", self.action_id("verify"), f"{value}:approve", "success"),
            Button("Deny", self.action_id("verify"), f"{value}:deny", "danger"))
        await self.ctx.effect(session, SendMessage(channel=channel, content=content), key=f"verify:{key}")

    async def _admit(self, session: AsyncSession, newcomer: Newcomer) -> Newcomer:
        """What a join does at once, in the join's transaction: the public welcome (or its place in a burst),
        the greeters' post, a buddy, the newcomer role."""
        key = f"{int(newcomer.person)}:g{newcomer.generation}"
        welcome = next((s for s in self.conf.steps if isinstance(s, WelcomeStep)), None)
        if self.burst.join(self.ctx.now()):  # the batch job is booked after the commit (one writer on SQLite)
            newcomer = await store.save(session, newcomer, welcomed="batched")
        else:
            newcomer = await store.save(session, newcomer, welcomed="posted")
            if welcome is not None and welcome.channel is not None:
                channel = self.ctx.community.channel(welcome.channel, newcomer.platform)
                if channel is not None:
                    await self.ctx.effect(session, SendMessage(channel=channel, content=self.template(
                        welcome.text, newcomer)), key=f"welcome:{key}")
            await self._greeters_post(session, newcomer, key)
        if self.conf.newcomer_role:
            await self.grant(session, newcomer, [self.conf.newcomer_role], key=f"gate:{key}")
        return newcomer

    async def _greeters_post(self, session: AsyncSession, newcomer: Newcomer, key: str) -> None:
        greeters = self.conf.greeters
        if greeters is None:
            return
        channel = self.ctx.community.channel(greeters.channel, newcomer.platform)
        if channel is None:
            return
        buddy_line: list[Segment] = []
        if greeters.buddies:
            buddy = await self._pick_buddy(session, newcomer)
            if buddy is not None:
                newcomer = await store.save(session, newcomer, buddy=int(buddy.person))
                buddy_line = ["\nBuddy: ", Mention(buddy.user, buddy.user.id), " — please look after them this week."]
        content = Content((*fmt("{member} just joined.", member=self.mention(newcomer)).segments, *buddy_line),
                          (Button("Say hi", self.action_id("hi"), str(int(newcomer.person)), "primary"),))
        await self.ctx.effect(session, SendMessage(channel=channel, content=content), key=f"greeters:{key}")

    async def _pick_buddy(self, session: AsyncSession, newcomer: Newcomer) -> store.Greeter | None:
        """Round-robin among greeters who are not away and under their cap."""
        greeters = self.conf.greeters
        assert greeters is not None
        load = await store.buddies_load(session, self.community)
        for greeter in await store.greeters(session, self.community):
            if greeter.away or greeter.person == newcomer.person or load.get(int(greeter.person), 0) >= greeters.cap:
                continue
            await store.assigned(session, self.community, greeter.person, self.ctx.now())
            return greeter
        return None

    async def _book_batch(self) -> None:
        """One batch post per window: the key names the window, so a burst books it once."""
        window = self.conf.welcome_batch.within
        now = self.ctx.now()
        start = datetime.fromtimestamp(now.timestamp() // window.total_seconds() * window.total_seconds(), now.tzinfo)
        key = f"batch:{start:%Y%m%dT%H%M%S}"
        job_info = await self.ctx.job(key)
        if job_info is None:
            await self.ctx.schedule("batch", start + window, {}, key=key)

    async def started(self, newcomer: Newcomer) -> None:
        """After the join commits: the batch welcome, the fact, follow-ups, and the flow's first steps."""
        if newcomer.welcomed == "batched":
            await self._book_batch()
        await self.ctx.publish(OnboardingStarted(person=newcomer.person, flow=self.conf.flow))
        self._watch(newcomer)
        key = f"{int(newcomer.person)}:g{newcomer.generation}"
        for index, follow_up in enumerate(self.conf.follow_up):
            await self._schedule("nudge", newcomer.joined_at + follow_up.after,
                                 {"person": int(newcomer.person), "gen": newcomer.generation, "index": index},
                                 f"nudge:{key}:{index}")
        await self._schedule("week", newcomer.joined_at + timedelta(days=7),
                             {"person": int(newcomer.person), "gen": newcomer.generation}, f"week:{key}")
        await self.marked_by_roles(newcomer, None)
        await self.advance(newcomer.person)

    async def _schedule(self, kind: str, due: datetime, payload: dict[str, object], key: str) -> None:
        try:
            await self.ctx.schedule(kind, due, payload, key=key)
        except ValueError:  # this very nudge already ran (a restart right after it): never twice
            pass

    async def _cancel_nudges(self, newcomer: Newcomer) -> None:
        key = f"{int(newcomer.person)}:g{newcomer.generation}"
        for index in range(len(self.conf.follow_up)):
            await self.ctx.cancel(f"nudge:{key}:{index}")

    async def resume(self, newcomer: Newcomer) -> None:
        """A member who came back picks up where they left off."""
        self._watch(newcomer)
        if newcomer.state == DONE:
            await self.tell(newcomer.user, fmt("Welcome back to {community}! You finished onboarding before, "
                                               "so there's nothing to redo.", community=self.community))
            return
        await self.tell(newcomer.user, fmt("Welcome back to {community}! Let's pick up where you left off.",
                                           community=self.community))
        await self.advance(newcomer.person)

    # -- moving on --------------------------------------------------------------------------

    async def advance(self, pid: PersonId, *, quiet: bool = False) -> None:
        """Pass the steps that need nothing from the member, then ask for the next one (or finish).

        ``quiet``: say nothing when there is nothing to ask here (roles from Discord's screens arrived).
        """
        async with self.ctx.db.session() as session, session.begin():
            newcomer = await store.get(session, self.community, pid)
            if newcomer is None or newcomer.state != ACTIVE:
                return
            where = self.where(newcomer)
            said: list[Content] = []
            for step in where.passing:
                if isinstance(step, WelcomeStep) and step.dm:
                    said.append(self.template(step.text, newcomer))
                elif isinstance(step, ResourcesStep):
                    said.append(self.resources(step))
                newcomer = await self.step_done(session, newcomer, step.name)
            where = self.where(newcomer)
            finished = where.finished
            if finished:
                newcomer = await store.save(session, newcomer, state=DONE, completed_at=self.ctx.now())
        if quiet and not said and not finished:
            return  # the card that waits was sent already
        for content in said:
            await self.tell(newcomer.user, content)
        if finished:
            await self.completed(newcomer)
        elif where.waiting is not None:
            await self.tell(newcomer.user, self.card(newcomer, where.waiting, where.left))
        elif not quiet:
            await self.tell(newcomer.user, text_left(self, newcomer))

    async def completed(self, newcomer: Newcomer) -> None:
        """Everything required is done: the fact, no more nudges, the newcomer role goes."""
        seconds = (self.ctx.now() - newcomer.joined_at).total_seconds()
        await self.ctx.publish(OnboardingCompleted(person=newcomer.person, seconds=seconds))
        await self._cancel_nudges(newcomer)
        await self.tell(newcomer.user, self.template(self.conf.done_text, newcomer))

    # -- leaving, roles, posts --------------------------------------------------------------

    @on(MemberLeft)
    async def left(self, event: MemberLeft) -> None:
        """A member who leaves stops getting nudges; coming back resumes or restarts (``rejoin``)."""
        person = await self.ctx.person(event.member)
        self.watch.pop(event.member, None)
        async with self.ctx.lock(person), self.ctx.db.session() as session, session.begin():
            newcomer = await store.get(session, self.community, person)
            if newcomer is not None and newcomer.state in (ACTIVE, HELD):
                await store.save(session, newcomer, state=LEFT)

    @on(MemberUpdated)
    async def roles_changed(self, event: MemberUpdated) -> None:
        """On Discord, roles its own onboarding screens grant mark those steps done."""
        if event.member.platform != "discord" or not any(s.discord for s in self.conf.steps):
            return
        if event.before_roles is not None and set(event.before_roles) == set(event.roles):
            return
        person = await self.ctx.person(event.member)
        async with self.ctx.db.session() as session:
            newcomer = await store.get(session, self.community, person)
        if newcomer is not None and newcomer.state == ACTIVE:
            if await self.marked_by_roles(newcomer, frozenset(event.roles)):
                await self.advance(person, quiet=True)

    async def marked_by_roles(self, newcomer: Newcomer, roles: frozenset[RoleRef] | None) -> bool:
        """Mark the Discord-handled steps whose roles the member holds; True when any was marked."""
        handled = [s for s in self.conf.steps if s.discord and s.name not in newcomer.done]
        if not handled or newcomer.platform != "discord":
            return False
        if roles is None:
            info = await self.ctx.member(newcomer.user)
            roles = info.roles if info is not None else frozenset()
        marked: list[tuple[str, list[str]]] = []
        for step in handled:
            if isinstance(step, RulesStep) and step.role and self.role(step.role, newcomer.platform) in roles:
                marked.append((step.name, []))
            elif isinstance(step, QuestionStep):
                chosen = [o.id for o in step.options if any(self.role(r, newcomer.platform) in roles for r in o.roles)]
                if chosen:
                    marked.append((step.name, chosen))
        if not marked:
            return False
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
            fresh = await store.get(session, self.community, newcomer.person)
            if fresh is None:
                return False
            answers = dict(fresh.answers)
            for name, chosen in marked:
                if chosen:
                    answers[name] = chosen
                fresh = await self.step_done(session, fresh, name)
            await store.save(session, fresh, answers=answers)
        for name, chosen in marked:
            await self.publish_done(fresh, name)
            if chosen:
                await self.answered(fresh, name, chosen)
        return True

    async def answered(self, newcomer: Newcomer, step: str, chosen: list[str]) -> None:
        """Overridden by the question handling: facts and preferences of an answer."""

    @on(MessagePosted)
    async def posted(self, event: MessagePosted) -> None:
        """A newcomer's first message, their introduction, and whether they are still around after day one."""
        watched = self.watch.get(event.author)
        if watched is None or event.is_bot or event.is_dm:
            return
        now = self.ctx.now()
        # the configured name of the channel (platforms spell channel_name differently, Slack often not at all)
        where = self.ctx.community.channel_name(event.message.channel) or event.channel_name
        intro = where in watched.intro_channels
        after_day = now - watched.joined_at >= timedelta(days=1) and not watched.active
        if watched.posted and not intro and not after_day:
            return
        async with self.ctx.lock(watched.person), self.ctx.db.session() as session, session.begin():
            newcomer = await store.get(session, self.community, watched.person)
            if newcomer is None:
                self.watch.pop(event.author, None)
                return
            first = newcomer.first_message_at is None
            changes: dict[str, object] = {}
            if first:
                changes["first_message_at"] = now
            if after_day:
                changes["active_after_day"] = True
            intro_steps = [s.name for s in self.conf.steps if isinstance(s, IntroduceStep)
                           and s.channel == where and s.name not in newcomer.done]
            if intro_steps and newcomer.state == ACTIVE:
                for name in intro_steps:
                    newcomer = await self.step_done(session, newcomer, name)
            else:
                intro_steps = []
            newcomer = await store.save(session, newcomer, **changes)
        self._watch(newcomer)
        if first:
            await self.publish_done(newcomer, FIRST_MESSAGE)
        for name in intro_steps:
            await self.publish_done(newcomer, name)
        if intro_steps:
            await self.tell(newcomer.user, fmt("Thanks for introducing yourself, {member}!",
                                               member=self.mention(newcomer)))
            await self.advance(newcomer.person)

    # -- jobs -------------------------------------------------------------------------------

    @job("nudge")
    async def nudge(self, run: JobRun) -> None:
        """A follow-up: sent only while steps are unfinished or the member has not posted yet."""
        newcomer = await store.get(run.session, self.community, PersonId(int(run.payload["person"])))
        index = int(run.payload["index"])
        if newcomer is None or newcomer.generation != int(run.payload["gen"]) or index >= len(self.conf.follow_up):
            return
        where = self.where(newcomer)
        if not should_nudge(state=newcomer.state, left=where.left, posted=newcomer.first_message_at is not None):
            return
        segments = list(self.template(self.conf.follow_up[index].text, newcomer).segments)
        card = self.card(newcomer, where.waiting, where.left) if where.waiting is not None else None
        if card is not None:
            content = Content((*segments, "\n", *card.segments), card.buttons)
        else:
            content = Content(tuple(segments))
        await self.tell(newcomer.user, content, reason="onboarding follow-up")

    @job("week")
    async def week(self, run: JobRun) -> None:
        """Seven days after the join: still here, and posted after the first day?"""
        newcomer = await store.get(run.session, self.community, PersonId(int(run.payload["person"])))
        if newcomer is None or newcomer.generation != int(run.payload["gen"]):
            return
        if newcomer.state in (ACTIVE, DONE) and newcomer.active_after_day:
            await self.publish_done(newcomer, ACTIVE_7D)

    @job("batch")
    async def batch(self, run: JobRun) -> None:
        """The welcome of a burst of joins: one post per platform naming the first few and counting the rest."""
        waiting = await store.batched(run.session, self.community)
        welcome = next((s for s in self.conf.steps if isinstance(s, WelcomeStep) and s.channel), None)
        by_platform: dict[str, list[Newcomer]] = {}
        for newcomer in waiting:
            by_platform.setdefault(newcomer.platform, []).append(newcomer)
            await store.save(run.session, newcomer, welcomed="posted")
        actions: list[Action] = []
        for platform, people in by_platform.items():
            mentions = [self.mention(n) for n in people]
            if welcome is not None and welcome.channel is not None:
                channel = self.ctx.community.channel(welcome.channel, platform)
                if channel is not None:
                    actions.append(SendMessage(channel=channel, content=batch_welcome(mentions, self.community)))
            if self.conf.greeters is not None:
                channel = self.ctx.community.channel(self.conf.greeters.channel, platform)
                if channel is not None:
                    actions.append(SendMessage(channel=channel, content=fmt(
                        "{n} people joined in a burst; they were welcomed together (see /onboarding status).",
                        n=len(people))))
        await self.ctx.perform_all(actions)


def text_left(cog: OnboardingBase, newcomer: Newcomer) -> Content:
    """What is left when nothing can be asked here (steps Discord's screens ask)."""
    said = left_text(cog.conf, cog.where(newcomer).left)
    return fmt("{said} Finish them in the server's onboarding screens.", said=said) if said else Content(())
