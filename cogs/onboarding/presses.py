"""Buttons: "I agree", question answers, Done and Skip, the greeters' "Say hi", Approve / Deny at the gate.

Every value names the newcomer it belongs to (``<person>:<step>[:<option>]``, ``p<person>`` in a preview),
so a press by anyone else is answered privately, and a press on a card of a step the flow no longer has
(or an option it no longer offers) is answered with the step as it is now — never a crash.
"""

from __future__ import annotations

from bot.actions import Action, KickMember
from bot.capabilities import Capability
from bot.cog import button
from bot.content import CommandMention, Content, Segment, fmt, text
from bot.events import ButtonPressed
from bot.facts import MemberGreeted, MemberVerified, OnboardingAnswered, PreferenceChanged
from bot.permissions import Level
from bot.persons import PersonId
from cogs.onboarding import store
from cogs.onboarding.flow import toggle
from cogs.onboarding.journey import Journey
from cogs.onboarding.models import ACTIVE, DENIED, DONE, HELD
from cogs.onboarding.settings import IntroduceStep, QuestionStep, RulesStep, Step
from cogs.onboarding.store import Newcomer

NOT_YOURS = "This one is not yours: it belongs to another member's welcome."


class Presses(Journey):
    """What members, greeters and moderators press."""

    async def _step_pressed(self, event: ButtonPressed, preview_option: str | None
                            ) -> tuple[Newcomer, Step | None] | list[Action]:
        """The newcomer and the step a press names (None once the flow lost it); or the whole answer:
        a refusal from :meth:`_owned`, or a preview's walk on."""
        owned = await self._owned(event)
        if isinstance(owned, Action):
            return [owned]
        newcomer, parts, preview = owned
        if preview:
            return await self.preview_press(event, parts[0], preview_option)
        assert newcomer is not None
        return newcomer, self.conf.step(parts[0])

    async def _owned(self, event: ButtonPressed) -> tuple[Newcomer | None, list[str], bool] | Action:
        """The newcomer a press is for, the rest of its value, and whether it is a preview; or the answer."""
        head, _, rest = event.value.partition(":")
        preview = head.startswith("p")
        digits = head[1:] if preview else head
        if not digits.isdigit():
            return self.reply(event.origin, "That button isn't one of Steward's onboarding buttons any more.")
        owner = PersonId(int(digits))
        presser = await self.ctx.person(event.origin.user)
        if presser != owner:
            return self.reply(event.origin, NOT_YOURS)
        if preview:
            return None, rest.split(":"), True
        async with self.ctx.db.session() as session:
            newcomer = await store.get(session, self.community, owner)
        if newcomer is None:
            return self.reply(event.origin, "There's no welcome running for you here.")
        if newcomer.state == DONE:
            return self.reply(event.origin, "You've finished onboarding already; nothing more to press.")
        if newcomer.state == HELD:
            return self.reply(event.origin, "Your welcome is waiting for a moderator to check your account first.")
        if newcomer.state != ACTIVE:
            return self.reply(event.origin, "This welcome is no longer running.")
        return newcomer, rest.split(":"), False

    async def _stale(self, event: ButtonPressed, newcomer: Newcomer, why: str) -> list[Action]:
        """The flow changed under a card: say so and show where the member is now."""
        where = self.where(newcomer)
        if where.waiting is None:
            await self.advance(newcomer.person)
            return [self.reply(event.origin, why)]
        card = self.card(newcomer, where.waiting, where.left)
        return [self.reply(event.origin, Content((why, " Here is where you are now:\n", *card.segments),
                                                 card.buttons))]

    # -- rules ------------------------------------------------------------------------------

    @button("agree")
    async def agree(self, event: ButtonPressed) -> list[Action]:
        """"I agree": the rules step is done, its role given, the newcomer role taken."""
        pressed = await self._step_pressed(event, None)
        if isinstance(pressed, list):
            return pressed
        newcomer, step = pressed
        if not isinstance(step, RulesStep):
            return await self._stale(event, newcomer, "The rules changed since this card was sent.")
        if step.name in newcomer.done:
            return [self.reply(event.origin, "You've already agreed to the rules.")]
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
            key = f"{int(newcomer.person)}:g{newcomer.generation}:{step.name}"
            newcomer = await self.step_done(session, newcomer, step.name)
            missing = await self.grant(session, newcomer, [step.role] if step.role else [], key=f"role:{key}")
            if self.conf.newcomer_role:
                await self.grant(session, newcomer, [self.conf.newcomer_role], key=f"ungate:{key}", remove=True)
        await self.publish_done(newcomer, step.name)
        said = fmt("Thanks for agreeing to the rules. You now have the {role} role.", role=step.role) \
            if step.role and not missing else text("Thanks for agreeing to the rules.")
        await self.ctx.perform(self.reply(event.origin, said))  # before the next step's card
        await self.advance(newcomer.person)
        return []

    # -- questions --------------------------------------------------------------------------

    @button("pick")
    async def pick(self, event: ButtonPressed) -> list[Action]:
        """An answer: a single choice is final at once, a multiple choice toggles until Done."""
        owned = await self._owned(event)
        if isinstance(owned, Action):
            return [owned]
        newcomer, parts, preview = owned
        if len(parts) != 2:
            return [self.reply(event.origin, "That answer button is damaged; use the question's newest card.")]
        if preview:
            return await self.preview_press(event, parts[0], parts[1])
        assert newcomer is not None
        step = self.conf.step(parts[0])
        if not isinstance(step, QuestionStep):
            return await self._stale(event, newcomer, "That question isn't asked any more.")
        option = next((o for o in step.options if o.id == parts[1]), None)
        if option is None:
            return await self._stale(event, newcomer, "That answer isn't offered any more.")
        if step.multiple:
            async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
                fresh = await store.get(session, self.community, newcomer.person)
                assert fresh is not None
                chosen = toggle(fresh.answers.get(step.name, []), option.id)
                fresh = await store.save(session, fresh, answers={**fresh.answers, step.name: chosen})
            labels = [o.label for o in step.options if o.id in chosen]
            picked = ("Picked: " + ", ".join(labels) + ".") if labels else "Nothing picked yet."
            return [self.reply(event.origin, fmt("{picked} Press an answer again to take it back, or Done when "
                                                 "you're finished.", picked=picked))]
        return await self.finish_question(event, newcomer, step, [option.id])

    @button("done")
    async def done(self, event: ButtonPressed) -> list[Action]:
        """Done on a multiple-choice question: what was picked is the answer."""
        pressed = await self._step_pressed(event, "")
        if isinstance(pressed, list):
            return pressed
        newcomer, step = pressed
        if not isinstance(step, QuestionStep):
            return await self._stale(event, newcomer, "That question isn't asked any more.")
        offered = {o.id for o in step.options}
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session:
            fresh = await store.get(session, self.community, newcomer.person)  # after any pick still being stored
        chosen = [c for c in (fresh or newcomer).answers.get(step.name, []) if c in offered]
        if not chosen and step.required:
            return [self.reply(event.origin, "Pick at least one answer first, then press Done.")]
        return await self.finish_question(event, newcomer, step, chosen)

    async def finish_question(self, event: ButtonPressed, newcomer: Newcomer, step: QuestionStep,
                              chosen: list[str]) -> list[Action]:
        """Store the answer, give its roles (taking those of an earlier answer), and move on."""
        options = {o.id: o for o in step.options}
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
            fresh = await store.get(session, self.community, newcomer.person)
            assert fresh is not None
            again = step.name in fresh.done
            before = [c for c in fresh.answers.get(step.name, []) if c in options] if again else []
            gone = sorted({r for c in before if c not in chosen for r in options[c].roles})
            had = {r for c in before for r in options[c].roles}
            new = sorted({r for c in chosen for r in options[c].roles} - had)
            key = f"{int(fresh.person)}:g{fresh.generation}:{step.name}:{'-'.join(chosen) or 'none'}"
            fresh = await store.save(session, fresh, answers={**fresh.answers, step.name: chosen})
            fresh = await self.step_done(session, fresh, step.name)
            missing = await self.grant(session, fresh, new, key=f"role:{key}")
            await self.grant(session, fresh, gone, key=f"unrole:{key}", remove=True)
        if not again:
            await self.publish_done(fresh, step.name)
        await self.answered(fresh, step.name, chosen)
        said: list[Segment] = ["Thanks, noted."]
        granted = [r for r in new if r not in missing]
        if granted:
            said += fmt(" You now have: {roles}.", roles=", ".join(granted)).segments
        channels = [c for cid in chosen for name in options[cid].channels
                    if (c := self.ctx.community.channel(name, fresh.platform)) is not None]
        for i, channel in enumerate(channels):
            said += [" Have a look at " if i == 0 else ", ", self.ctx.channel_mention(channel)]
        if channels:
            said.append(".")
        if step.timezone and chosen:
            said += fmt(" Times will be shown in {zone} (change it with {settings}).",
                        zone=options[chosen[0]].timezone or "", settings=CommandMention("settings")).segments
        await self.ctx.perform(self.reply(event.origin, Content(tuple(said))))
        if not again:
            await self.advance(fresh.person)
        return []

    async def answered(self, newcomer: Newcomer, step: str, chosen: list[str]) -> None:
        """The answer as a fact (the "how did you find us?" one marked ``source``); a zone sets the preference."""
        question = self.conf.step(step)
        if not isinstance(question, QuestionStep):
            return
        await self.ctx.publish(OnboardingAnswered(person=newcomer.person, question=step, choices=list(chosen),
                                                  source=question.source))
        if question.timezone and chosen:
            zone = next((o.timezone for o in question.options if o.id == chosen[0]), None)
            if zone is not None:
                await self.ctx.services.members.prefs.set(newcomer.person, timezone=zone)
                await self.ctx.publish(PreferenceChanged(person=newcomer.person, setting="timezone"))

    @button("skip")
    async def skip(self, event: ButtonPressed) -> list[Action]:
        """Skip an optional question or introduction."""
        pressed = await self._step_pressed(event, "")
        if isinstance(pressed, list):
            return pressed
        newcomer, step = pressed
        if not isinstance(step, (QuestionStep, IntroduceStep)):
            return await self._stale(event, newcomer, "That step isn't part of the welcome any more.")
        if step.required:
            return [self.reply(event.origin, "This step can't be skipped.")]
        async with self.ctx.lock(newcomer.person), self.ctx.db.session() as session, session.begin():
            fresh = await store.get(session, self.community, newcomer.person)
            assert fresh is not None
            await self.step_done(session, fresh, step.name)
        await self.ctx.perform(self.reply(event.origin, "Skipped."))
        await self.advance(newcomer.person)
        return []

    async def preview_press(self, event: ButtonPressed, step: str, option: str | None) -> list[Action]:
        """Overridden by the admin part: a press in a preview walks on without recording anything."""
        return []

    # -- greeters and the gate --------------------------------------------------------------

    @button("hi")
    async def say_hi(self, event: ButtonPressed) -> list[Action]:
        """A greeter says hi: recorded once (who welcomed whom), and the newcomer hears of it."""
        if not event.value.isdigit():
            return [self.reply(event.origin, "That button isn't one of Steward's onboarding buttons any more.")]
        greeters = self.conf.greeters
        if greeters is None:
            return [self.reply(event.origin, "Greeting is switched off here.")]
        if not await self._may_greet(event):
            return [self.reply(event.origin, fmt("Saying hi here is for the {role} role and moderators.",
                                                 role=greeters.role or ""))]
        greeter = await self.ctx.person(event.origin.user)
        target = PersonId(int(event.value))
        if greeter == target:
            return [self.reply(event.origin, "That's you! Someone else will say hi.")]
        async with self.ctx.lock(target), self.ctx.db.session() as session, session.begin():
            newcomer = await store.get(session, self.community, target)
            if newcomer is None:
                return [self.reply(event.origin, "That member's welcome is gone (their data was deleted).")]
            if newcomer.greeted_by is not None:
                return [self.reply(event.origin, "Someone already said hi to them — thanks anyway!")]
            newcomer = await store.save(session, newcomer, greeted_by=int(greeter))
        await self.ctx.publish(MemberGreeted(person=target, greeter=int(greeter)))
        info = await self.ctx.member(event.origin.user)
        name = info.label if info is not None else event.origin.user.id
        await self.tell(newcomer.user, fmt("{greeter} from {community} says hi! Reply to them any time.",
                                           greeter=name, community=self.community))
        return [self.reply(event.origin, fmt("Thanks! {member} heard that you said hi.",
                                             member=self.mention(newcomer)))]

    async def _may_greet(self, event: ButtonPressed) -> bool:
        greeters = self.conf.greeters
        assert greeters is not None
        if greeters.role is None or await self.is_moderator(event.origin.user):
            return True
        info = await self.ctx.member(event.origin.user)
        role = self.role(greeters.role, event.origin.platform)
        return info is not None and role is not None and role in info.roles

    @button("verify", level=Level.MODERATOR)
    async def verify(self, event: ButtonPressed) -> list[Action]:
        """Approve (the flow starts) or Deny (kicked, by config) a member held at the gate; decided once."""
        head, _, decision = event.value.partition(":")
        if not head.isdigit() or decision not in ("approve", "deny"):
            return [self.reply(event.origin, "That button isn't one of Steward's onboarding buttons any more.")]
        person = PersonId(int(head))
        approved = decision == "approve"
        gate = self.conf.verification
        async with self.ctx.lock(person), self.ctx.db.session() as session, session.begin():
            newcomer = await store.get(session, self.community, person)
            if newcomer is None:
                return [self.reply(event.origin, "That member's data was deleted; nothing to decide.")]
            if newcomer.state != HELD:
                return [self.reply(event.origin, "Someone already decided on this member (or they left).")]
            if approved:
                newcomer = await store.save(session, newcomer, state=ACTIVE)
                newcomer = await self._admit(session, newcomer)
            else:
                newcomer = await store.save(session, newcomer, state=DENIED)
                scope = self.ctx.community.scopes.get(newcomer.platform, "")
                if gate is not None and gate.on_deny == "kick" and self.ctx.can(newcomer.platform, Capability.KICK):
                    await self.ctx.effect(session, KickMember(scope=scope, user=newcomer.user,
                                                              reason="denied at verification"),
                                          key=f"deny:{int(person)}:g{newcomer.generation}")
        await self.ctx.publish(MemberVerified(person=person, approved=approved))
        moderator = await self.ctx.member(event.origin.user)
        who = moderator.label if moderator is not None else event.origin.user.id
        verdict = "approved" if approved else "denied"
        await self.ctx.modlog(fmt("{mod} {verdict} {member} at verification.", mod=who, verdict=verdict,
                                  member=self.mention(newcomer)))
        if approved:
            await self.started(newcomer)
            return [self.reply(event.origin, fmt("Approved {member}: their welcome has started.",
                                                 member=self.mention(newcomer)))]
        await self.tell(newcomer.user, fmt("Sorry — a moderator of {community} didn't approve your account.",
                                           community=self.community))
        return [self.reply(event.origin, fmt("Denied {member}.", member=self.mention(newcomer)))]
