"""Admin commands: ``/onboarding status|reset|preview|stats``, and ``/greeter`` for the greeters' roster."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from bot.actions import Action
from bot.cog import command
from bot.content import Content, Mention, Segment, UserText, fmt, text
from bot.events import ButtonPressed, CommandInvoked
from bot.facts import OnboardingCompleted, OnboardingStarted, OnboardingStepDone
from bot.permissions import Level
from bot.persons import PersonId
from bot.refs import UserRef
from cogs.onboarding import store
from cogs.onboarding.flow import funnel, left_text, position, toggle
from cogs.onboarding.presses import Presses
from cogs.onboarding.settings import QuestionStep, ResourcesStep, WelcomeStep
from cogs.onboarding.store import Newcomer

USAGE = "/onboarding status @member, /onboarding reset @member, /onboarding preview, /onboarding stats"
STATS_DAYS = 30


class Admin(Presses):
    """The admin's view of onboarding, and the greeters' roster."""

    @command("onboarding", "A member's onboarding (status, reset), walk the flow (preview), the funnel (stats).",
             level=Level.ADMIN)
    async def onboarding_command(self, event: CommandInvoked,
                                 action: Literal["status", "reset", "preview", "stats"] | None = None,
                                 member: UserRef | None = None) -> Action | list[Action]:
        """Route ``/onboarding ACTION [@member]``."""
        origin = event.origin
        if action is None:
            return self.reply(origin, fmt("Usage: {usage}", usage=USAGE))
        if action == "stats":
            return self.reply(origin, await self.stats())
        if action == "preview":
            return await self.preview_start(event)
        if member is None:
            return self.reply(origin, fmt("Name the member: /onboarding {action} @member", action=action))
        person = await self.ctx.person(member)
        async with self.ctx.db.session() as session:
            newcomer = await store.get(session, self.community, person)
        if newcomer is None:
            return self.reply(origin, fmt("{member} has not been through onboarding here.", member=member.id))
        if action == "status":
            return self.reply(origin, await self.status(newcomer))
        return await self.reset(event, newcomer)

    async def status(self, newcomer: Newcomer) -> Content:
        """One member's onboarding: state, steps, answers, greeter and buddy."""
        where = self.where(newcomer)
        done = [s.name for s in self.conf.steps if s.name in newcomer.done]
        segments: list[Segment] = [*fmt("Onboarding of {member}: {state}, joined ", member=self.mention(newcomer),
                                        state=newcomer.state).segments, self.ctx.moment(newcomer.joined_at, "F"),
                                   *fmt("\nDone: {done}", done=", ".join(done) or "nothing yet").segments]
        said = left_text(self.conf, where.left)
        if said:
            segments += fmt("\n{said}", said=said).segments
        for name, chosen in newcomer.answers.items():
            question = self.conf.step(name)
            labels = {o.id: o.label for o in question.options} if isinstance(question, QuestionStep) else {}
            shown = ", ".join(labels.get(c, c + " (no longer offered)") for c in chosen) or "—"
            segments += fmt("\n{q}: {a}", q=name if question else name + " (no longer asked)", a=shown).segments
        segments.append("\nFirst message: yes" if newcomer.first_message_at else "\nFirst message: not yet")
        for label, person in (("Greeted by", newcomer.greeted_by), ("Buddy", newcomer.buddy)):
            if person is not None:
                segments += fmt("\n{label}: {who}", label=label, who=await self.who(PersonId(person))).segments
        return Content(tuple(segments))

    async def who(self, person: PersonId) -> Segment:
        """A person as a mention of their first account (an id when none is left)."""
        accounts = await self.ctx.services.members.persons.accounts_of(person)
        if not accounts:
            return UserText(f"person {int(person)}")
        info = await self.ctx.member(accounts[0])
        return Mention(accounts[0], info.label if info is not None else accounts[0].id)

    async def reset(self, event: CommandInvoked, newcomer: Newcomer) -> list[Action]:
        """Start a member's flow again from the first step (roles they were given stay)."""
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
            fresh = await store.get(session, self.community, newcomer.person)
            assert fresh is not None
            fresh = await self._restart(session, fresh, self.ctx.now())
            fresh = await store.save(session, fresh, welcomed="posted")
        await self.started(fresh)
        return [self.reply(event.origin, fmt("{member}'s onboarding starts again from the first step.",
                                             member=self.mention(fresh)))]

    async def stats(self) -> Content:
        """The funnel of the last 30 days, from the facts log."""
        since = self.ctx.now() - timedelta(days=STATS_DAYS)
        facts = await self.ctx.facts((OnboardingStarted, OnboardingStepDone, OnboardingCompleted),
                                     since=since)
        figures = funnel(self.conf, facts, since)
        head = fmt("Onboarding, last {days} days:", days=STATS_DAYS).segments
        return Content((*head, *(seg for line in figures.lines() for seg in ("\n", line))))  # Steward's own figures

    # -- preview: the admin walks the flow, nothing granted or recorded ---------------------

    def _as_newcomer(self, origin_user: UserRef, person: PersonId, done: tuple[str, ...],
                     answers: dict[str, list[str]] | None = None) -> Newcomer:
        now = self.ctx.now()
        return Newcomer(0, self.community, person, origin_user.platform, origin_user.id, origin_user.id, 0, 0,
                        "active", done, answers or {}, "", None, None, now, None, None, False)

    async def preview_start(self, event: CommandInvoked) -> list[Action]:
        """The flow from the start, as a newcomer sees it, in a preview nothing is recorded from."""
        person = await self.ctx.person(event.origin.user)
        self.previews[int(person)] = ()
        self.preview_answers[int(person)] = {}
        return await self._preview_show(event.origin.user, person, "Preview of the welcome flow (no roles are "
                                        "given and nothing is recorded):")

    async def _preview_show(self, user: UserRef, person: PersonId, intro: str) -> list[Action]:
        done = self.previews.get(int(person), ())
        answers = self.preview_answers.get(int(person), {})
        where = position(self.conf, done)
        me = self._as_newcomer(user, person, done, answers)
        said: list[Content] = [text(intro)] if intro else []
        for step in where.passing:
            if isinstance(step, WelcomeStep):
                said.append(Content(("[preview] ", *self.template(step.text, me).segments)))
            elif isinstance(step, ResourcesStep):
                said.append(Content(("[preview] ", *self.resources(step).segments)))
            done = (*done, step.name)
        self.previews[int(person)] = done
        if where.waiting is not None:
            said.append(self.card(me, where.waiting, where.left, preview=True))
        else:
            said.append(Content(("[preview] ", *self.template(self.conf.done_text, me).segments,
                                 " (end of the preview)")))
            self.previews.pop(int(person), None)
            self.preview_answers.pop(int(person), None)
        for content in said:
            await self.tell(user, content, reason="onboarding preview")
        return []

    async def preview_press(self, event: ButtonPressed, step: str, option: str | None) -> list[Action]:
        """A press in a preview: walk on (a multiple-choice pick only toggles); nothing is recorded."""
        person = await self.ctx.person(event.origin.user)
        done = self.previews.get(int(person))
        if done is None:
            return [self.reply(event.origin, "That preview is over; start another with /onboarding preview.")]
        found = self.conf.step(step)
        if found is None:
            return [self.reply(event.origin, "That step isn't part of the flow any more; start the preview again.")]
        answers = self.preview_answers.setdefault(int(person), {})
        if isinstance(found, QuestionStep) and found.multiple and option:
            answers[step] = toggle(answers.get(step, []), option)
            me = self._as_newcomer(event.origin.user, person, done, answers)
            card = self.card(me, found, position(self.conf, done).left, preview=True)
            return [self.reply(event.origin, Content(("[preview] picked; press Done.\n", *card.segments),
                                                     card.buttons))]
        self.previews[int(person)] = (*done, step)
        await self._preview_show(event.origin.user, person, "")
        return [self.reply(event.origin, "[preview] noted — nothing recorded, no role given.")]

    # -- the greeters' roster ---------------------------------------------------------------

    @command("greeter", "Greeters: sign up to welcome newcomers (on), take a break (away) or stop (off).")
    async def greeter_command(self, event: CommandInvoked,
                              status: Literal["on", "away", "off"] | None = None) -> Action:
        """``/greeter on|away|off``."""
        greeters = self.conf.greeters
        origin = event.origin
        if greeters is None:
            return self.reply(origin, "Greeters aren't set up here.")
        if status is None:
            return self.reply(origin, "Usage: /greeter on (welcome newcomers and be a buddy), /greeter away, "
                                      "/greeter off.")
        if greeters.role is not None and not await self.is_moderator(origin.user):
            info = await self.ctx.member(origin.user)
            role = self.role(greeters.role, origin.platform)
            if info is None or role is None or role not in info.roles:
                return self.reply(origin, fmt("Greeting is for members with the {role} role.", role=greeters.role))
        person = await self.ctx.person(origin.user)
        async with self.ctx.db.session() as session, session.begin():
            await store.set_greeter(session, self.community, person, origin.user, status)
        return self.reply(origin, {"on": "You're on the greeters' roster: newcomers may get you as their buddy.",
                                   "away": "You're marked away: no new buddies until /greeter on.",
                                   "off": "You're off the greeters' roster."}[status])
