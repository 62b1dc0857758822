"""``/remind`` and ``/reminders``: a member's own reminders by DM (where DMs are closed, in the channel,
mentioning only them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import Action, SendDirect
from bot.cog import button, command, job
from bot.commands import Param, ParamType
from bot.components import Button
from bot.content import Content, Moment, Segment, UserText, fmt
from bot.events import ButtonPressed, CommandInvoked
from bot.refs import ChannelRef
from bot.scheduler import JobRun
from cogs.events import store
from cogs.events.notify import LATE, Notify
from cogs.events.recurrence import Series
from cogs.events.refusal import Refusal
from cogs.events.remind import REMIND_HINT, PersonalReminder, next_time, parse_remind


class Personal(Notify):
    """Personal reminders."""

    @command("remind", "Remind yourself: in 2h check the PR, tomorrow 9am standup, every monday 9am report.",
             params=[Param("what", ParamType.TEXT, "when, then what", required=False)], direct=True)
    async def remind_command(self, event: CommandInvoked, what: str | None = None) -> Action:
        """Set a personal reminder."""
        if not what or not what.strip():
            return self.reply(event.origin, REMIND_HINT)
        person = await self.ctx.person(event.user)
        tz = await self.ctx.zone_of(person)
        now = self.ctx.now()
        parsed = parse_remind(what, tz=tz, now=now)
        if isinstance(parsed, Refusal):
            return self.reply(event.origin, parsed.message())
        async with self.ctx.db.session() as session:
            mine = await store.personal_of(session, self.ctx.community.name, person)
            if len(mine) >= self.conf.personal_limit:
                return self.reply(event.origin, fmt("You have {n} reminders, the most allowed here. "
                                                    "Delete one with /reminders first.", n=len(mine)))
            channel = event.origin.channel.id if event.origin.channel else ""
            rule = parsed.series.rule if parsed.series else None
            saved = await store.add_personal(session, self.ctx.community.name, person, event.user, channel,
                                             parsed.note, parsed.at, rule, tz, now)
            await session.commit()
        await self.ctx.schedule("personal", saved.next_at, {"id": saved.id}, key=_key(saved.id, saved.next_at),
                                grace=self.conf.grace)
        return self.reply(event.origin, fmt("I'll remind you {when}: {note}.", when=parsed.confirmation,
                                            note=UserText(parsed.note)))

    @command("reminders", "Your reminders, with buttons to delete them.", direct=True)
    async def reminders_command(self, event: CommandInvoked) -> Action:
        """List the invoker's reminders."""
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            mine = await store.personal_of(session, self.ctx.community.name, person)
        if not mine:
            return self.reply(event.origin, "You have no reminders. Set one with /remind in 2h check the PR.")
        segments: list[Segment] = ["Your reminders:\n"]
        buttons = []
        for i, r in enumerate(mine[:20], 1):
            repeat = " (repeats)" if r.rule else ""
            segments += [*fmt("{i}. ", i=i).segments, Moment(r.next_at, "F"), " — ", UserText(r.note), repeat, "\n"]
            buttons.append(Button(f"Delete {i}", "events:forget", str(r.id), "danger"))
        return self.reply(event.origin, Content(tuple(segments), tuple(buttons[:5])))

    @button("forget")
    async def forget_reminder(self, event: ButtonPressed) -> Action:
        """Delete one of the presser's reminders."""
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            found = await store.personal(session, int(event.value)) if event.value.isdigit() else None
            if found is None or found.person != person:
                return self.reply(event.origin, "That reminder is gone already.")
            await store.drop_personal(session, found.id)
            await session.commit()
        await self.ctx.cancel(_key(found.id, found.next_at))
        return self.reply(event.origin, fmt("Deleted: {note}.", note=UserText(found.note)))

    @job("personal")
    async def personal_due(self, run: JobRun) -> None:
        """Deliver a personal reminder once; a repeating one is scheduled again for its next time."""
        found = await store.personal(run.session, int(run.payload["id"]))
        if found is None:
            return
        nxt = None
        if found.rule:
            series = Series.create(found.next_at, found.tz, timedelta(0), found.rule)
            nxt = next_time(PersonalReminder(found.next_at, series, found.note, ""),
                            max(self.ctx.now(), found.next_at))
        if nxt is not None:  # before this job writes: the scheduler's own session must not wait on ours
            await self.ctx.schedule("personal", nxt, {"id": found.id}, key=_key(found.id, nxt), grace=self.conf.grace)
        if not await store.delivered(run.session, run.key, self.ctx.now()):
            return
        if nxt is None:
            await store.drop_personal(run.session, found.id)
        else:
            await store.move_personal(run.session, found.id, nxt)
        content = fmt("⏰ You asked me to remind you: {note}{late}", note=UserText(found.note),
                      late=LATE if run.late else "")
        fallback = ChannelRef(found.user.platform, found.channel_id) if found.channel_id else None
        # in the job's transaction: sent once after it commits; DMs off or closed → the channel it was
        # set in, mentioning only them (the Preparer and the outbox take that fallback)
        await self.ctx.effect(run.session, SendDirect(user=found.user, content=content,
                                                      scope=self.ctx.scope(found.user.platform), fallback=fallback),
                              key=f"{run.key}:dm", deliver_by=found.next_at + self.conf.grace)

def _key(reminder_id: int, at: datetime) -> str:
    return f"personal:{reminder_id}:{at:%Y%m%dT%H%M%SZ}"
