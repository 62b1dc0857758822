"""Buttons members press: Going / Maybe / Can't go, "I'm here", and the 1–5 rating with its comment."""

from __future__ import annotations

from datetime import datetime

from bot.actions import Action, OpenForm
from bot.cog import button, form, on
from bot.components import Form, FormField
from bot.content import UserText, fmt
from bot.events import ButtonPressed, FormSubmitted, InterestChanged
from bot.facts import AttendanceChecked, EventRated, RsvpChanged
from cogs.events import store
from cogs.events.base import occurrence_key
from cogs.events.card import stamp
from cogs.events.interest import interest
from cogs.events.planning import Planning
from cogs.events.recurrence import Occurrence
from cogs.events.refusal import Refusal
from cogs.events.rsvp import Answer, Standing, answer
from cogs.events.store import Event

_SAID = {Standing.GOING: "You're going", Standing.MAYBE: "You're down as maybe",
         Standing.NOT_GOING: "You're down as can't go",
         Standing.WAITLISTED: "The event is full: you're on the waitlist"}


def fact_id(event: Event, key: datetime) -> str:
    """How facts name one occurrence of one event: ``3@20261211T180000Z``."""
    return f"{event.number}@{stamp(key)}"


class Answers(Planning):
    """RSVPs, check-ins and ratings."""

    async def _pressed(self, event: ButtonPressed) -> tuple[Event, Occurrence, str] | Action:
        parts = event.value.split(":")
        key = occurrence_key(parts[1]) if len(parts) == 3 and parts[0].isdigit() else None
        if key is None:
            return self.reply(event.origin, "That button isn't one of Steward's event buttons any more.")
        async with self.ctx.db.session() as session:
            found = await store.by_id(session, int(parts[0]))
        if found is not None and found.cancelled:
            return self.reply(event.origin, "This event was cancelled, so answers are closed.")
        occurrence = None if found is None else found.series.occurrence(key)
        if found is None or occurrence is None:
            return self.reply(event.origin, "That occurrence no longer exists (it was skipped); "
                                            "the event's card has the current one.")
        return found, occurrence, parts[2]

    @button("rsvp")
    async def rsvp(self, event: ButtonPressed) -> list[Action]:
        """Going / Maybe / Can't go on one occurrence; a freed seat goes to the head of the waitlist."""
        pressed = await self._pressed(event)
        if isinstance(pressed, Action):
            return [pressed]
        found, occurrence, choice_text = pressed
        key = occurrence.key
        try:
            choice = Answer(choice_text)
        except ValueError:
            return [self.reply(event.origin, "That button isn't one of Steward's event buttons any more.")]
        person = await self.ctx.person(event.user)
        async with self.event_lock(found.id), self.ctx.db.session() as session:
            people = await store.answerers(session, found.id, key)
            state = self.state_of(found, occurrence)
            change = answer(store.roster_of(found, people, state), person, choice)
            if isinstance(change, Refusal):
                return [self.reply(event.origin, change.message())]
            if change.unchanged:
                if change.after is Standing.MAYBE:  # a Maybe from native interest, now confirmed on the card
                    await store.set_from_interest(session, store.interest_key(found.id, key, person), False,
                                                  self.ctx.now())
                    await session.commit()
                place = f" (number {change.position} on the waitlist)" if change.position else ""
                return [self.reply(event.origin, fmt("{said} already{place}; nothing changed.",
                                                     said=_SAID.get(change.after, "Noted"), place=place))]
            accounts = {a.person: a.user for a in people} | {person: event.user}
            await store.save_roster(session, found.id, key, change.roster, accounts, self.ctx.now())
            # their own answer now: taking back native interest later leaves it as it is
            await store.set_from_interest(session, store.interest_key(found.id, key, person), False, self.ctx.now())
            await session.commit()
            for who in (person, *change.promoted):
                await self.ctx.publish(RsvpChanged(person=who, event=fact_id(found, key),
                                                   status=change.roster.standing(who).value))
            actions = await self.card_edits(session, found)
            actions += await self.tell_promoted(session, found, change.promoted)
        place = f", number {change.position}" if change.position else ""
        return [self.reply(event.origin, fmt("{said}{place} — {title}.", said=_SAID[change.after], place=place,
                                             title=UserText(found.title))), *actions]

    @on(InterestChanged)
    async def native_interest(self, event: InterestChanged) -> list[Action]:
        """Interest marked on the native event mirroring one of ours counts as Maybe; taking it back undoes that."""
        async with self.ctx.db.session() as session:
            found = await store.by_native(session, self.ctx.community.name, event.native)
        occurrence = None if found is None or found.cancelled else self.current(found, self.ctx.now())
        if found is None or occurrence is None:
            return []  # not one of ours (a native event someone made by hand), or nothing left to answer
        person = await self.ctx.person(event.user)
        now = self.ctx.now()
        async with self.event_lock(found.id), self.ctx.db.session() as session:
            people = await store.answerers(session, found.id, occurrence.key)
            mark = store.interest_key(found.id, occurrence.key, person)
            change = interest(store.roster_of(found, people, self.state_of(found, occurrence)), person,
                              event.interested, from_interest=await store.from_interest(session, mark))
            if change is None or change.unchanged:
                return []
            accounts = {a.person: a.user for a in people} | {person: event.user}
            await store.save_roster(session, found.id, occurrence.key, change.roster, accounts, now)
            await store.set_from_interest(session, mark, event.interested, now)
            await session.commit()
            await self.ctx.publish(RsvpChanged(person=person, event=fact_id(found, occurrence.key),
                                               status=change.after.value))
            actions = await self.card_edits(session, found)
        self.ctx.log.info("event #%s: native interest %s for person %s", found.number,
                          "marked" if event.interested else "taken back", int(person))
        return actions

    @button("checkin")
    async def checkin(self, event: ButtonPressed) -> Action:
        """"I'm here": counted while the occurrence runs."""
        pressed = await self._pressed(event)
        if isinstance(pressed, Action):
            return pressed
        found, occurrence, _ = pressed
        now = self.ctx.now()
        if now < occurrence.start:
            return self.reply(event.origin, "Check-in opens when the event starts.")
        if now >= occurrence.end:
            return self.reply(event.origin, "This event has finished; check-in is closed.")
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            new = await store.mark(session, found.id, occurrence.key, person, event.user, now, attended="self")
            await session.commit()
        if not new:
            return self.reply(event.origin, "You're checked in already.")
        return self.reply(event.origin, fmt("Checked in to {title}. Enjoy!", title=UserText(found.title)))

    @button("rate")
    async def rate(self, event: ButtonPressed) -> Action:
        """A 1–5 rating after the event; a comment form follows."""
        pressed = await self._pressed(event)
        if isinstance(pressed, Action):
            return pressed
        found, occurrence, stars = pressed
        key = occurrence.key
        if stars not in ("1", "2", "3", "4", "5"):
            return self.reply(event.origin, "A rating is 1 to 5.")
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            people = {a.person: a for a in await store.answerers(session, found.id, key)}
            mine = people.get(person)
            if mine is None or not (mine.attended or mine.standing is Standing.GOING):
                return self.reply(event.origin, "Ratings are for those who went.")
            await store.mark(session, found.id, key, person, event.user, self.ctx.now(), rating=int(stars))
            await session.commit()
        await self.ctx.publish(EventRated(person=person, event=fact_id(found, key), rating=int(stars),
                                          commented=False))
        return OpenForm(origin=event.origin, form=Form("events:comment", "Thanks! Anything to add?", (
            FormField("comment", "Comment (optional)", kind="paragraph", required=False, max_length=1000),),
            value=event.value))

    @form("comment")
    async def comment(self, event: FormSubmitted) -> Action:
        """Keep the comment beside the rating; the fact says only that there is one."""
        text = event.fields.get("comment", "").strip()
        parts = event.value.split(":")
        key = occurrence_key(parts[1]) if len(parts) == 3 and parts[0].isdigit() else None
        if not text or key is None:
            return self.reply(event.origin, "Thanks for the rating!")
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            found = await store.by_id(session, int(parts[0]))
            if found is None:
                return self.reply(event.origin, "That event is gone; thanks all the same.")
            await store.mark(session, found.id, key, person, event.user, self.ctx.now(), comment=text)
            await session.commit()
        await self.ctx.publish(EventRated(person=person, event=fact_id(found, key), rating=int(parts[2]),
                                          commented=True))
        return self.reply(event.origin, "Thanks — your comment is with the organisers.")

    async def attendance(self, found: Event, key: datetime) -> int:
        """Publish going versus attended for one finished occurrence; returns how many facts."""
        async with self.ctx.db.session() as session:
            people = await store.answerers(session, found.id, key)
        count = 0
        for a in people:
            if a.standing is Standing.GOING or a.attended:
                await self.ctx.publish(AttendanceChecked(person=a.person, event=fact_id(found, key),
                                                         attended=bool(a.attended)))
                count += 1
        return count
