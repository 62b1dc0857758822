"""The jobs of an occurrence: reminders at each offset, the start announcement, and what happens at the end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, SendMessage
from bot.cog import job
from bot.components import Button
from bot.content import Content, Mention, Moment, Segment, UserText, fmt
from bot.durations import format_duration
from bot.refs import UserRef
from bot.scheduler import JobRun
from cogs.events import store
from cogs.events.answers import Answers
from cogs.events.card import CHECKIN, RATE, value
from cogs.events.recurrence import Occurrence
from cogs.events.reminders import Reminder, Verdict, delivery_key, verdict
from cogs.events.rsvp import Standing
from cogs.events.store import Event

LATE = " (late: Steward was offline when this was due)"


class Notify(Answers):
    """Reminders, start announcements, check-in, attendance facts and rating requests."""

    async def _occurrence(self, run: JobRun) -> tuple[Event, Occurrence] | None:
        """The job's event and occurrence, or None when an edit, move or cancel made the job stale."""
        found = await store.by_id(run.session, int(run.payload["event"]))
        if found is None or found.cancelled or found.generation != run.payload.get("gen"):
            return None
        occurrence = found.series.occurrence(datetime.fromisoformat(run.payload["occ"]))
        if occurrence is None or occurrence.start != datetime.fromisoformat(run.payload["start"]):
            return None
        return found, occurrence

    def _reminder(self, found: Event, occurrence: Occurrence, run: JobRun) -> Reminder:
        offset = timedelta(seconds=int(run.payload["offset"]))
        return Reminder(str(run.payload["key"]), str(found.id), occurrence.key, offset, occurrence.start,
                        occurrence.start - offset, datetime.fromisoformat(run.payload["expires"]))

    @job("remind")
    async def remind(self, run: JobRun) -> None:
        """Remind those going (and maybe, by config) once each: a DM each, or one post mentioning exactly them."""
        found_occ = await self._occurrence(run)
        if found_occ is None:
            return
        found, occurrence = found_occ
        reminder = self._reminder(found, occurrence, run)
        said = verdict(reminder, self.ctx.now())
        if said is Verdict.EXPIRED or said is Verdict.WAIT:
            self.ctx.log.info("reminder %s not sent: %s", reminder.key, said.value)
            return
        late = LATE if said is Verdict.SEND_LATE or run.late else ""
        wanted = {Standing.GOING} | ({Standing.MAYBE} if self.conf.remind_maybe else set())
        people = [a for a in await store.answerers(run.session, found.id, occurrence.key) if a.standing in wanted]
        keys = {a.person: delivery_key(reminder, str(a.person)) for a in people}
        claimed = await store.claim(run.session, list(keys.values()), self.ctx.now())
        fresh = [a for a in people if keys[a.person] in claimed]
        body = fmt("⏰ Reminder: {title} starts {when}{where}.{late}", title=UserText(found.title),
                   when=Moment(occurrence.start, "F"),
                   where=UserText(f" — {found.place}") if found.place else "", late=late)
        # staged in the job's transaction with the claims: after a crash either all of them were
        # staged (the outbox sends each once) or none (the job runs again); the outbox paces them
        if self.conf.deliver == "dm":
            for a in fresh:  # a closed DM becomes a post in the events channel mentioning only them
                await self.ctx.effect(run.session, self.dm(a.user, body), key=keys[a.person],
                                      deliver_by=reminder.expires)
        else:
            for n, post in enumerate(self._mentions(fresh, body)):
                await self.ctx.effect(run.session, post, key=f"{reminder.key}:post:{post.platform}:{n}",
                                      deliver_by=reminder.expires)

    def _mentions(self, people: list[Any], body: Content) -> list[SendMessage]:
        """One post per platform in the events channel that mentions, and pings, exactly these people."""
        by_platform: dict[str, list[UserRef]] = {}
        for a in people:
            by_platform.setdefault(a.user.platform, []).append(a.user)
        out: list[SendMessage] = []
        for platform, users in by_platform.items():
            channel = self.ctx.community.channel(self.conf.channel, platform)
            if channel is None:
                continue
            for start in range(0, len(users), 50):  # a message holds a bounded number of mentions
                chunk = users[start:start + 50]
                names: list[Segment] = []
                for user in chunk:
                    names += [Mention(user, user.id), " "]
                out.append(SendMessage(channel=channel, content=Content((*names, *body.segments), ping=tuple(chunk))))
        return out

    @job("start")
    async def start(self, run: JobRun) -> None:
        """The start announcement in the events channel, with the "I'm here" button."""
        found_occ = await self._occurrence(run)
        if found_occ is None:
            return
        found, occurrence = found_occ
        if verdict(self._reminder(found, occurrence, run), self.ctx.now()) is Verdict.EXPIRED:
            return
        late = LATE if run.late else ""
        content = fmt("▶️ {title} is starting now{where}. Press I'm here when you arrive.{late}",
                      title=UserText(found.title), where=UserText(f" — {found.place}") if found.place else "",
                      late=late).with_buttons(Button("I'm here", CHECKIN, value(found, occurrence, "in"), "primary"))
        for platform in self.ctx.platforms():
            channel = self.ctx.community.channel(self.conf.channel, platform)
            if channel is not None:  # once per occurrence and platform, whatever re-plans happened
                await self.ctx.effect(run.session, SendMessage(channel=channel, content=content),
                                      key=f"{run.payload['key']}:announce:{platform}", deliver_by=occurrence.end)

    @job("finish")
    async def finish(self, run: JobRun) -> None:
        """At the end: attendance facts, rating requests, and the next occurrence's card and reminders."""
        found_occ = await self._occurrence(run)
        if found_occ is None:
            return
        found, occurrence = found_occ
        if not await store.delivered(run.session, f"ev{found.id}:finish:{occurrence.key.isoformat()}",
                                     self.ctx.now()):
            return
        await run.session.commit()
        await self.attendance(found, occurrence.key)
        actions: list[Action] = []
        if self.conf.ask_rating:
            people = await store.answerers(run.session, found.id, occurrence.key)
            ask = fmt("Thanks for coming to {title}! How was it, 1 (poor) to 5 (great)?", title=UserText(found.title))
            ask = ask.with_buttons(*(Button(str(n), RATE, value(found, occurrence, str(n))) for n in range(1, 6)))
            came = [a for a in people if a.attended] or [a for a in people if a.standing is Standing.GOING]
            actions += [self.dm(a.user, ask) for a in came]  # nobody checked in: ask those who said Going
        async with self.ctx.db.session() as session:
            _event, _late = await self.replan(session, found, bump=False)  # the next occurrence, if any
            actions += await self.card_edits(session, found, closed="" if self.current(found, self.ctx.now())
                                             else "This event has finished.")
        await self.ctx.perform_all(actions)
        self.ctx.log.info("event #%s occurrence %s finished after %s", found.number, occurrence.key,
                          format_duration(occurrence.end - occurrence.start))
