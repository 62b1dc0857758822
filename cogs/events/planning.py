"""``/event create|edit|cancel|list|info|ics|move|skip``: the forms, the confirmation, and changes to a series."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.actions import Action, CancelScheduledEvent, File, OpenForm, ScheduleEvent, SendDirect, SendMessage
from bot.capabilities import Capability
from bot.cog import button, command, form
from bot.commands import Param, ParamType
from bot.components import Button, Form, FormField
from bot.content import Content, Moment, Segment, UserText, fmt
from bot.durations import format_duration
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, Origin
from bot.persons import PersonId
from cogs.events import store
from cogs.events.base import LONGEST, EventsBase
from cogs.events.card import card, line
from cogs.events.draft import Draft, create_form, edit_form, minute, read_changes, read_draft
from cogs.events.ics import CalendarEvent, event_ics
from cogs.events.recurrence import Series, parse_recurrence
from cogs.events.refusal import Refusal
from cogs.events.rsvp import set_capacity
from cogs.events.store import Event
from cogs.events.when import describe, parse_length, parse_start

ACTIONS = ("create", "edit", "cancel", "list", "info", "ics", "move", "skip", "from", "here")
USAGE = ("/event create · /event list · /event info N · /event ics N · /event edit N · /event cancel N · "
         "/event move N YYYY-MM-DD to START · /event skip N YYYY-MM-DD · "
         "/event from N YYYY-MM-DD to START [; weekly|every 2 weeks|monthly] · /event here N @member ...")


def calendar_event(event: Event, community: str) -> CalendarEvent:
    """The .ics view of an event."""
    url = event.place if event.place.startswith(("http://", "https://")) else ""
    return CalendarEvent(uid=f"event-{event.id}.{community}@steward", title=event.title, series=event.series,
                         description=event.description, location="" if url else event.place, url=url,
                         cancelled=event.cancelled, sequence=event.sequence)


def bullets(lines: list[str]) -> str:
    """Problems as a bulleted list."""
    return "\n".join(f"• {line}" for line in lines)



GONE = "That draft is gone (created or discarded). Run /event create again."

class Planning(EventsBase):
    """Creating, changing and cancelling events."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)

    @command("event", "Plan community events: create, list, info, ics, edit, cancel, move or skip.", params=[
        Param("action", ParamType.CHOICE, "what to do", required=False, choices=ACTIONS),
        Param("args", ParamType.TEXT, "the event's number, and more for move and skip", required=False)])
    async def event_command(self, event: CommandInvoked, action: str | None = None,
                            args: str | None = None) -> Action | list[Action]:
        """Route ``/event ACTION ARGS``."""
        origin, rest = event.origin, (args or "").strip()
        if action is None:
            return self.reply(origin, fmt("Usage: {usage}", usage=USAGE))
        if action == "create":
            if not await self.may_host(origin):
                return self.reply(origin, "Creating events is for moderators and event hosts here.")
            return OpenForm(origin=origin, form=create_form())
        if action == "list":
            return await self.list_events(origin)
        number_text, _, more = rest.partition(" ")
        if not number_text.lstrip("#").isdigit():
            return self.reply(origin, fmt("/event {a} needs an event number, like `/event {a} 3`. "
                                          "`/event list` shows them.", a=action))
        async with self.ctx.db.session() as session:
            found = await store.by_number(session, self.ctx.community.name, int(number_text.lstrip("#")))
        if found is None:
            return self.reply(origin, fmt("There is no event #{n} here. `/event list` shows them.",
                                          n=number_text.lstrip("#")))
        if action == "info":
            return await self.info(origin, found)
        if action == "ics":
            return self.ics(origin, found)
        if not await self.may_host(origin):
            return self.reply(origin, fmt("Changing events is for moderators and event hosts; "
                                          "/event {a} isn't yours to use.", a=action))
        if found.cancelled:
            return self.reply(origin, fmt("Event #{n} is cancelled already.", n=found.number))
        if action == "edit":
            return OpenForm(origin=origin, form=edit_form(found.number))
        if action == "cancel":
            return await self.cancel_event(origin, found)
        if action == "from":
            return await self.change_from(origin, found, more.strip())
        if action == "here":
            return await self.mark_present(origin, found, more.split())
        return await self.change_occurrence(origin, found, action, more.strip())

    # -- create -----------------------------------------------------------------------------

    @form("create")
    async def create_submitted(self, event: FormSubmitted) -> Action:
        """Read the form and echo the start back for confirmation; nothing is posted yet."""
        person = await self.ctx.person(event.user)
        tz = await self.ctx.zone_of(person)
        draft = read_draft(event.fields, tz=tz, now=self.ctx.now(), default_length=self.conf.default_duration,
                           default_offsets=self.conf.reminders)
        if isinstance(draft, list):
            return self.reply(event.origin, fmt("I couldn't create that event:\n{problems}\n"
                                                "Run /event create again with those fixed.", problems=bullets(draft)))
        async with self.ctx.db.session() as session:  # kept until "Create it" or "Discard", restarts included
            await store.put_draft(session, self.ctx.community.name, person, draft, self.ctx.now())
            await session.commit()
        return self.reply(event.origin, self._echo(draft))

    def _echo(self, draft: Draft) -> Content:
        reminders = ", ".join(format_duration(o) for o in draft.offsets) or "none"
        seats = str(draft.capacity) if draft.capacity else "no limit"
        body = fmt("Please check: {title} — starts {when}, {length}{repeat}. Seats: {seats}. Reminders: {rem}.",
                   title=UserText(draft.title), when=draft.confirmation, length=format_duration(draft.series.duration),
                   repeat=f", repeating ({draft.series.rule})" if draft.series.rule else "", seats=seats,
                   rem=reminders)
        if draft.description:
            body = Content((*body.segments, "\nAbout: ", UserText(draft.description)))
        return body.with_buttons(Button("Create it", "events:confirm", "yes", "success"),
                                 Button("Add a description", "events:describe", "", "secondary"),
                                 Button("Discard", "events:confirm", "no", "danger"))

    @button("describe")
    async def describe_draft(self, event: ButtonPressed) -> Action:
        """Open a form for the draft's description (the create form holds five fields, Discord's most)."""
        async with self.ctx.db.session() as session:
            draft = await store.get_draft(session, self.ctx.community.name, await self.ctx.person(event.user))
        if draft is None:
            return self.reply(event.origin, GONE)
        return OpenForm(origin=event.origin, form=Form("events:described", "Describe the event", (
            FormField("description", "Description", kind="paragraph", max_length=1500),)))

    @form("described")
    async def described(self, event: FormSubmitted) -> Action:
        """Keep the description with the draft and echo the draft again."""
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            draft = await store.get_draft(session, self.ctx.community.name, person)
            if draft is None:
                return self.reply(event.origin, GONE)
            draft = replace(draft, description=event.fields.get("description", "").strip()[:1500])
            await store.put_draft(session, self.ctx.community.name, person, draft, self.ctx.now())
            await session.commit()
        return self.reply(event.origin, self._echo(draft))

    @button("confirm")
    async def confirm(self, event: ButtonPressed) -> list[Action]:
        """Create the draft's event: store it, post its card, plan its reminders."""
        person = await self.ctx.person(event.user)
        now = self.ctx.now()
        async with self.ctx.lock(person), self.ctx.db.session() as session:  # a double press creates one event
            draft = await store.drop_draft(session, self.ctx.community.name, person)
            if draft is None:
                return [self.reply(event.origin, GONE)]
            if event.value != "yes":
                await session.commit()
                return [self.reply(event.origin, "Discarded; nothing was posted.")]
            if draft.series.start <= now:
                await session.commit()
                return [self.reply(event.origin, "That start has passed while you were checking. Run /event "
                                                 "create again with a later start.")]
            created = await store.create(session, self.ctx.community.name, title=draft.title,
                                         description=draft.description, place=draft.place, series=draft.series,
                                         capacity=draft.capacity, offsets=draft.offsets, creator=person, now=now)
            await session.commit()  # the draft goes with the event's creation, in one transaction
            cards = await self._post_cards(session, created)
            await store.change(session, created.id, cards=cards)
            await session.commit()
            created = replace(created, cards=cards)
            created, late = await self.replan(session, created, bump=False)
            native = await self.mirror(created)
            if native:
                await store.change(session, created.id, native=native)
            await session.commit()
        note = f" {late}" if late else ""
        return [self.reply(event.origin, fmt("Event #{n} is posted in {channel}.{note}", n=created.number,
                                             channel=self._channel_name(), note=note))]

    def _channel_name(self) -> str:
        if self.conf.channel.startswith("#"):
            return self.conf.channel
        names = {platform: name for platform in self.ctx.platforms()
                 if (name := self.ctx.community.config.channel_on(self.conf.channel, platform))}
        if len(set(names.values())) == 1:  # one name everywhere
            return next(iter(names.values()))
        return " and ".join(f"{name} on {platform}" for platform, name in names.items()) or self.conf.channel

    async def _post_cards(self, session: Any, created: Event) -> dict[str, list[str]]:
        occurrence = self.current(created, self.ctx.now())
        content = card(created, occurrence, await self.counts(session, created, occurrence))
        cards: dict[str, list[str]] = {}
        for platform in self.ctx.platforms():
            channel = self.ctx.community.channel(self.conf.channel, platform)
            if channel is None:
                continue
            result, = await self.ctx.perform(SendMessage(channel=channel, content=content))
            if result.ok and result.message is not None:
                cards[platform] = [result.message.channel_id, result.message.id]
        return cards

    async def mirror(self, event: Event) -> str:
        """Create or edit the Discord Scheduled Event mirroring this one (``native: true``); its id, or ``""``."""
        if not self.conf.native:
            return event.native
        occurrence = self.current(event, self.ctx.now())
        for platform in self.ctx.platforms():
            if not self.ctx.can(platform, Capability.SCHEDULED_EVENTS):
                continue
            if occurrence is None or event.cancelled:
                if event.native:
                    await self.ctx.perform(CancelScheduledEvent(platform_name=platform,
                                                                scope=self.ctx.scope(platform), event=event.native))
                return ""
            result, = await self.ctx.perform(ScheduleEvent(
                platform_name=platform, scope=self.ctx.scope(platform), name=event.title[:100],
                start=occurrence.start, end=occurrence.end, description=event.description[:1000],
                location=(event.place or "See the event card")[:100], event=event.native))
            if result.ok:
                return result.ref
        return event.native

    # -- list, info, ics --------------------------------------------------------------------

    async def list_events(self, origin: Origin) -> Action:
        """Upcoming events, soonest first."""
        now = self.ctx.now()
        async with self.ctx.db.session() as session:
            events = await store.all_open(session, self.ctx.community.name)
            rows = []
            for ev in events:
                occurrence = self.current(ev, now)
                if occurrence is not None:
                    rows.append((occurrence.start, ev, occurrence, await self.counts(session, ev, occurrence)))
        if not rows:
            return self.reply(origin, "No upcoming events. Hosts can plan one with /event create.")
        segments: list[Segment] = ["Upcoming events:\n"]
        for _start, ev, occurrence, counts in sorted(rows, key=lambda r: (r[0], r[1].number)):
            segments += line(ev, occurrence, counts)
        return self.reply(origin, Content(tuple(segments)))

    async def info(self, origin: Origin, event: Event) -> Action:
        """The card, privately, with the next few occurrences."""
        now = self.ctx.now()
        async with self.ctx.db.session() as session:
            occurrence = self.current(event, now)
            counts = await self.counts(session, event, occurrence)
        content = card(event, occurrence, counts, closed="This event is cancelled." if event.cancelled else "")
        nxt = event.series.upcoming(now, 4)[1:] if event.series.rule else []
        if nxt:
            extra: list[Segment] = ["\nThen: "]
            for i, o in enumerate(nxt):
                extra += ([", "] if i else []) + [Moment(o.start, "F")]
            content = Content((*content.segments, *extra), content.buttons)
        return self.reply(origin, content)

    def ics(self, origin: Origin, event: Event) -> Action:
        """The event as an .ics file, in the channel the command came from."""
        data = event_ics(calendar_event(event, self.ctx.community.name), self.ctx.now())
        content = fmt("Event #{n} as a calendar file: {title}", n=event.number, title=UserText(event.title))
        if origin.channel is None:
            return SendDirect(user=origin.user, content=content, scope=origin.scope)
        return SendMessage(channel=origin.channel, content=content,
                           files=(File(f"event-{event.number}.ics", data, "text/calendar"),))

    # -- edit -------------------------------------------------------------------------------

    @form("edit")
    async def edit_submitted(self, event: FormSubmitted) -> list[Action]:
        """Apply an edit; the reminders move with the start, and everyone who answered is told of a new time."""
        if not await self.may_host(event.origin):
            return [self.reply(event.origin, "Editing events is for moderators and event hosts.")]
        number = int(event.value) if event.value.isdigit() else 0
        person = await self.ctx.person(event.user)
        tz = await self.ctx.zone_of(person)
        now = self.ctx.now()
        async with self.ctx.db.session() as session:
            found = await store.by_number(session, self.ctx.community.name, number)
            if found is None or found.cancelled:
                return [self.reply(event.origin, fmt("Event #{n} is gone or cancelled; nothing was changed.",
                                                     n=number))]
            changes, problems = await self._edits(session, found, event.fields, tz, now)
            if problems:
                return [self.reply(event.origin, fmt("Nothing was changed:\n{problems}", problems=bullets(problems)))]
            if not changes:
                return [self.reply(event.origin, "All fields were blank; nothing was changed.")]
            async with self.event_lock(found.id):
                promoted: tuple[PersonId, ...] = ()
                if "capacity" in changes:
                    occurrence = self.current(found, now)
                    if occurrence is not None:
                        people = await store.answerers(session, found.id, occurrence.key)
                        reshuffled = set_capacity(store.roster_of(found, people), changes["capacity"])
                        assert not isinstance(reshuffled, Refusal)  # checked in _edits
                        await store.save_roster(session, found.id, occurrence.key, reshuffled.roster,
                                                {a.person: a.user for a in people}, now)
                        promoted = reshuffled.promoted
                await store.change(session, found.id, **changes)
                updated = await store.by_id(session, found.id)
                assert updated is not None
                before, after = self.current(found, now), self.current(updated, now)
                if before is not None and after is not None and before.key != after.key:
                    await store.rekey(session, found.id, before.key, after.key)  # the answers follow the time
                await session.commit()
                updated, late = await self.replan(session, updated)
                actions = await self.card_edits(session, updated)
                actions += await self.tell_promoted(session, updated, promoted)
                if "series" in changes and (before is None or after is None or before.start != after.start):
                    actions += await self.tell_all(session, updated, fmt(
                        "Event #{n} ({title}) has a new time: {when}.", n=updated.number,
                        title=UserText(updated.title), when=Moment(self._next_start(updated), "F")))
                native = await self.mirror(updated)
                if native != updated.native:
                    await store.change(session, updated.id, native=native)
                await session.commit()
        note = f" {late}" if late else ""
        return [self.reply(event.origin, fmt("Event #{n} is updated.{note}", n=number, note=note)), *actions]

    async def _edits(self, session: Any, found: Event, fields: dict[str, str], tz: Any,
                     now: datetime) -> tuple[dict[str, Any], list[str]]:
        changes: dict[str, Any] = {}
        problems: list[str] = []
        if fields.get("title", "").strip():
            changes["title"] = " ".join(fields["title"].split())
        if fields.get("place", "").strip():
            changes["place"] = fields["place"].strip()
        new_start: datetime | None = None
        new_length: timedelta | None = None
        if fields.get("start", "").strip():
            start = parse_start(fields["start"], tz=tz, now=now)
            if isinstance(start, Refusal):
                problems.append(f"Starts: {start.message()}")
            else:
                new_start = minute(start.at)
        if fields.get("length", "").strip():
            length = parse_length(fields["length"])
            if isinstance(length, Refusal):
                problems.append(f"Length: {length.message()}")
            else:
                new_length = length
        details = " ".join(filter(None, (f"capacity {fields['capacity']}" if fields.get("capacity", "").strip()
                                         else "", fields.get("details", "").strip())))  # capacity: older forms
        current = self.current(found, now)
        wanted: dict[str, Any] = {}
        if details:
            local = (new_start or (current.start if current else found.series.start)).astimezone(found.series.tz)
            read = read_changes(details, local)
            if isinstance(read, Refusal):
                problems.append(f"Seats, repeat, reminders: {read.message()}")
            else:
                wanted = read
        if "rule" in wanted and wanted["rule"] != found.series.rule:
            # a new repetition runs from the next occurrence (or the new start) on; its moves and skips go
            begin = new_start or (current.start if current else found.series.start)
            if begin <= now:
                problems.append("Starts: that time has passed; give a later start to repeat from.")
            else:
                changes["series"] = Series.create(begin, found.series.tz, new_length or found.series.duration,
                                                  wanted["rule"])
        elif new_start is not None or new_length is not None:
            series = self._retimed(found, new_start, new_length, now)
            if isinstance(series, Refusal):
                problems.append(f"Starts: {series.message()}")
            elif series != found.series:
                changes["series"] = series
        if "offsets" in wanted and wanted["offsets"] != found.offsets:
            changes["offsets"] = wanted["offsets"]
        if "capacity" in wanted:
            people = [] if current is None else await store.answerers(session, found.id, current.key)
            checked = set_capacity(store.roster_of(found, people), wanted["capacity"])
            if isinstance(checked, Refusal):
                problems.append(f"Capacity: {checked.message()}")
            elif wanted["capacity"] != found.capacity:
                changes["capacity"] = wanted["capacity"]
        return changes, problems

    def _retimed(self, found: Event, start: datetime | None, length: timedelta | None,
                 now: datetime) -> Series | Refusal:
        """A one-off event's occurrence is moved (its key, and so its answers, stay); a series is re-timed
        as a whole from its next occurrence on (``rekey`` carries that occurrence's answers)."""
        series = found.series
        current = self.current(found, now)
        if series.rule is None and current is not None:
            return series.move(current.key, start or current.start, length or current.end - current.start)
        return Series.create(start or series.start, series.tz, length or series.duration, series.rule)

    # -- cancel -----------------------------------------------------------------------------

    async def cancel_event(self, origin: Origin, found: Event) -> list[Action]:
        """Cancel the whole event: reminders removed, cards closed, everyone who answered told."""
        async with self.ctx.db.session() as session:
            await store.change(session, found.id, state="cancelled")
            await session.commit()
            removed = await self.void(found.id)
            cancelled = await store.by_id(session, found.id)
            assert cancelled is not None
            actions = await self.card_edits(session, cancelled, closed="❌ This event is cancelled.")
            told = await self.tell_all(session, found, fmt("Event #{n} ({title}) on {when} is cancelled.",
                                                          n=found.number, title=UserText(found.title),
                                                          when=Moment(self._next_start(found), "F")))
            await self.mirror(cancelled)
        self.ctx.log.info("event #%s cancelled; %d pending job(s) removed", found.number, removed)
        return [self.reply(origin, fmt("Event #{n} is cancelled; {told} member(s) who answered were told.",
                                       n=found.number, told=len(told))), *actions, *told]

    def _next_start(self, event: Event) -> datetime:
        occurrence = self.current(event, self.ctx.now())
        return occurrence.start if occurrence else event.series.start

    async def tell_all(self, session: Any, event: Event, content: Content) -> list[Action]:
        """A DM to everyone who answered the current occurrence (any answer), once each."""
        occurrence = self.current(event, self.ctx.now())
        if occurrence is None:
            return []
        people = await store.answerers(session, event.id, occurrence.key)
        return [self.dm(a.user, content) for a in people if a.standing.value != "none"]

    def dm(self, user: Any, content: Content) -> SendDirect:
        """A DM that reaches the events channel, mentioning only them, when their DMs are off."""
        return SendDirect(user=user, content=content, scope=self.ctx.scope(user.platform),
                          fallback=self.ctx.community.channel(self.conf.channel, user.platform))

    async def tell_promoted(self, session: Any, event: Event, promoted: tuple[PersonId, ...]) -> list[Action]:
        """Tell each person who got a seat from the waitlist."""
        if not promoted:
            return []
        occurrence = self.current(event, self.ctx.now())
        if occurrence is None:
            return []
        people = {a.person: a for a in await store.answerers(session, event.id, occurrence.key)}
        return [self.dm(people[p].user, fmt("A seat freed up: you're now going to event #{n} ({title}) on {when}.",
                                            n=event.number, title=UserText(event.title),
                                            when=Moment(occurrence.start, "F")))
                for p in promoted if p in people]

    # -- one occurrence ---------------------------------------------------------------------

    async def change_occurrence(self, origin: Origin, found: Event, action: str, rest: str) -> list[Action]:
        """``move N DATE to START`` or ``skip N DATE``: one occurrence changes, the series stays."""
        if not found.series.rule:
            return [self.reply(origin, fmt("Event #{n} happens once; use /event edit to change its time.",
                                           n=found.number))]
        day, _, target = rest.partition(" to ")
        key = self._key_on(found, day.strip())
        if isinstance(key, str):
            return [self.reply(origin, key)]
        if action == "skip":
            changed = found.series.cancel(key)
        else:
            person = await self.ctx.person(origin.user)
            start = parse_start(target, tz=await self.ctx.zone_of(person), now=self.ctx.now())
            if isinstance(start, Refusal):
                return [self.reply(origin, fmt("/event move: {why} Write `/event move N YYYY-MM-DD to START`.",
                                               why=start.message()))]
            changed = found.series.move(key, minute(start.at))
        if isinstance(changed, Refusal):
            return [self.reply(origin, changed.message())]
        async with self.ctx.db.session() as session:
            actions = []
            if action == "skip":
                actions = await self.tell_all(session, found, fmt(
                    "The {when} occurrence of event #{n} ({title}) is cancelled; the rest of the series stays.",
                    when=Moment(key, "F"), n=found.number, title=UserText(found.title)))
            await store.change(session, found.id, series=changed)
            await session.commit()
            updated = await store.by_id(session, found.id)
            assert updated is not None
            updated, late = await self.replan(session, updated)
            actions += await self.card_edits(session, updated)
            await session.commit()
        moved = changed.occurrence(key)
        what = "cancelled" if moved is None else f"moved to {describe(moved.start, found.tz)}"
        return [self.reply(origin, fmt("The {day} occurrence of event #{n} is {what}; the rest of the series "
                                       "stays.{late}", day=describe(key, found.tz), n=found.number, what=what,
                                       late=" " + late if late else "")), *actions]

    async def change_from(self, origin: Origin, found: Event, rest: str) -> list[Action]:
        """``from N DATE to START [; repeat]``: the series ends before DATE and a new event carries on."""
        usage = "Write `/event from N YYYY-MM-DD to START`, optionally `; weekly` (or another repetition)."
        day, _, target = rest.partition(" to ")
        when, _, repeat = target.partition(";")
        try:
            local_day = datetime.strptime(day.strip(), "%Y-%m-%d")
        except ValueError:
            return [self.reply(origin, fmt("/event from: name the first changed day as YYYY-MM-DD. {u}", u=usage))]
        person = await self.ctx.person(origin.user)
        start = parse_start(when, tz=await self.ctx.zone_of(person), now=self.ctx.now())
        if isinstance(start, Refusal):
            return [self.reply(origin, fmt("/event from: {why} {u}", why=start.message(), u=usage))]
        rule = parse_recurrence(repeat, start.local) if repeat.strip() else None
        if isinstance(rule, Refusal):
            return [self.reply(origin, fmt("/event from: {why}", why=rule.message()))]
        at = local_day.replace(tzinfo=found.tz).astimezone(UTC)
        split = found.series.split(at, start=minute(start.at), rule=rule)
        if isinstance(split, Refusal):
            return [self.reply(origin, fmt("/event from: {why}", why=split.message()))]
        async with self.ctx.db.session() as session:
            await store.change(session, found.id, series=split.old)
            created = await store.create(session, self.ctx.community.name, title=found.title,
                                         description=found.description, place=found.place, series=split.new,
                                         capacity=found.capacity, offsets=found.offsets, creator=person,
                                         now=self.ctx.now())
            await session.commit()
            old = await store.by_id(session, found.id)
            assert old is not None
            old, _late = await self.replan(session, old)
            actions = await self.card_edits(session, old, closed="" if self.current(old, self.ctx.now())
                                            else "This series continues as a new event.")
            cards = await self._post_cards(session, created)
            await store.change(session, created.id, cards=cards)
            await session.commit()
            created, late = await self.replan(session, replace(created, cards=cards), bump=False)
            await session.commit()
        return [self.reply(origin, fmt("Event #{n} ends before {day}; from then on it is event #{m}, starting {when}."
                                       "{late}", n=found.number, day=day.strip(), m=created.number,
                                       when=start.confirmation, late=" " + late if late else "")), *actions]

    async def mark_present(self, origin: Origin, found: Event, names: list[str]) -> list[Action]:
        """A host marks members present while the occurrence runs (the end publishes attendance with them)."""
        now = self.ctx.now()
        running = next((o for o in found.series.upcoming(now - LONGEST, 64) if o.start <= now < o.end), None)
        if running is None:
            return [self.reply(origin, fmt("Event #{n} isn't running now; mark people while it runs.",
                                           n=found.number))]
        if not names:
            return [self.reply(origin, "Name who was there: `/event here N @member @member`.")]
        resolver = self.ctx.services.platforms.resolver(origin.platform)
        marked, unknown = [], []
        async with self.ctx.db.session() as session:
            for name in names[:50]:
                user = await resolver.resolve_member(origin.scope, name)
                if user is None:
                    unknown.append(name)
                    continue
                person = await self.ctx.person(user)
                await store.mark(session, found.id, running.key, person, user, now, attended="host")
                marked.append(name.lstrip("@"))
            await session.commit()
        missing = fmt(" Not found here: {names}.", names=", ".join(unknown)) if unknown else fmt("")
        return [self.reply(origin, Content((*fmt("Marked present at event #{n}: {names}.", n=found.number,
                                                 names=", ".join(marked) or "nobody").segments,
                                            *missing.segments)))]

    def _key_on(self, event: Event, day: str) -> datetime | str:
        try:
            wanted = datetime.strptime(day, "%Y-%m-%d").date()
        except ValueError:
            return f"Name the occurrence by its date, like `/event skip {event.number} 2026-12-11`."
        now = self.ctx.now()
        for occurrence in event.series.upcoming(now - timedelta(days=1), 400):
            if occurrence.key.astimezone(event.tz).date() == wanted:
                return occurrence.key
            if occurrence.key.astimezone(event.tz).date() > wanted and occurrence.start > now:
                break
        return f"Event #{event.number} has no occurrence on {wanted:%Y-%m-%d} (still to come)."
