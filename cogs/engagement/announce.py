"""Announcements: ``/announce #channel text [at time]``, on every platform of the community at once;
editable and cancellable until they go out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, SendMessage
from bot.cog import command, job
from bot.commands import Param, ParamType
from bot.content import Content, Moment, Segment, UserText, fmt
from bot.events import CommandInvoked, Origin
from bot.facts import AnnouncementPosted
from bot.permissions import Level
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.store import Announcement
from cogs.engagement.watch import Watch
from cogs.engagement.when import WhenError, parse_when, split_time

MAX_TEXT = 1800
ANNOUNCE_HINT = ("/announce #channel text [at 18:00 | at tomorrow 9:30 | at 2026-12-24 09:00 | in 2h]; "
                 "/announce list; /announce edit N new text; /announce cancel N.")


class Announce(Watch):
    """Moderators' announcements, now or later."""

    @command("announce", "Post an announcement now or later; list, edit or cancel the pending ones.",
             level=Level.MODERATOR,
             params=[Param("what", ParamType.TEXT, "#channel text [at time], list, edit N text, cancel N",
                           required=False)])
    async def announce_command(self, event: CommandInvoked, what: str | None = None) -> Action | list[Action]:
        """Route ``/announce``."""
        raw = (what or "").strip()
        head, _, rest = raw.partition(" ")
        verb = head.lower()
        if not raw:
            return self.reply(event.origin, ANNOUNCE_HINT)
        if verb == "list":
            return await self._list(event.origin)
        if verb in ("edit", "cancel"):
            return await self._change(event, verb, rest.strip())
        if not head.startswith("#"):
            return self.reply(event.origin, fmt("Start with the channel: {hint}", hint=ANNOUNCE_HINT))
        channels = self.channels(head)
        if not channels:
            known = ", ".join(sorted({n for (_p, n) in self.ctx.community.channels}))
            return self.reply(event.origin, fmt("I don't post to {c}: it isn't a configured channel here "
                                                "(these are: {known}).", c=head, known=known or "none"))
        body, spec = split_time(rest)
        if not body:
            return self.reply(event.origin, fmt("What should the announcement say? {hint}", hint=ANNOUNCE_HINT))
        if len(body) > MAX_TEXT:
            return self.reply(event.origin, fmt("The announcement is {n} characters; one holds {m}.", n=len(body),
                                                m=MAX_TEXT))
        now = self.ctx.now()
        try:
            due = now if spec is None else parse_when(spec, now, self.ctx.community.tz)
        except WhenError as exc:
            return self.reply(event.origin, fmt("{why}", why=str(exc)))
        author = await self.ctx.person(event.user)
        held = ""
        async with self.ctx.db.session() as session:
            if spec is None and (release := await self.release_at(session, channels, now)) > now:
                spec, due = "paced", release  # quiet hours or a post just before: it waits, as a scheduled one
                held = " (quiet hours or another post just before)"
            ann = await store.create_announcement(session, self.ctx.community.name, channel=head, text=body,
                                                  author=int(author), due_at=due, created_at=now)
            if spec is None:
                await self.take_slots(session, channels, now, f"ann:{ann.id}")
                await self._post(session, ann)
            await session.commit()
        if spec is None:
            await self.ctx.publish(AnnouncementPosted(person=author, announcement=str(ann.number)))
            where = " and ".join(sorted({c.platform for c in channels}))
            return self.reply(event.origin, fmt("Announcement #{n} is posted in {c} ({where}).", n=ann.number,
                                                c=head, where=where))
        await self.ctx.schedule("announce", due, {"announcement": ann.id}, key=f"ann:{ann.id}")
        return self.reply(event.origin, fmt("Announcement #{n} will go out in {c} on {at}{held}. Change it with "
                                            "/announce edit {n} …, or /announce cancel {n}.", n=ann.number, c=head,
                                            at=Moment(due, "F", self.ctx.community.tz), held=held))

    async def _post(self, session: AsyncSession, ann: Announcement) -> None:
        content = Content(("📣 ", UserText(ann.text)))
        for channel in self.channels(ann.channel):
            await self.ctx.effect(session, SendMessage(channel=channel, content=content),
                                  key=f"ann:{ann.id}:{channel.platform}")
        await store.change_announcement(session, ann.id, status="sent")

    async def _list(self, origin: Origin) -> Action:
        async with self.ctx.db.session() as session:
            pending = await store.pending_announcements(session, self.ctx.community.name)
        if not pending:
            return self.reply(origin, "No announcement is waiting to go out.")
        segments: list[Segment] = ["Pending announcements:\n"]
        for a in pending:
            segments += [*fmt("#{n} · ", n=a.number).segments, UserText(a.channel), " · ",
                         Moment(a.due_at, "F", self.ctx.community.tz),
                         " · ", UserText(a.text[:80]), "\n"]
        return self.reply(origin, Content(tuple(segments)))

    async def _change(self, event: CommandInvoked, verb: str, rest: str) -> Action:
        number, _, body = rest.partition(" ")
        number = number.lstrip("#")
        if not number.isdigit() or len(number) > 9:
            return self.reply(event.origin, fmt("Which announcement? /announce {v} N{more}", v=verb,
                                                more=" new text" if verb == "edit" else ""))
        async with self.ctx.db.session() as session:
            ann = await store.announcement(session, self.ctx.community.name, int(number))
            if ann is None:
                return self.reply(event.origin, fmt("There is no announcement #{n}.", n=int(number)))
            if ann.status != "pending":
                state = "went out already" if ann.status == "sent" else "was cancelled"
                return self.reply(event.origin, fmt("Announcement #{n} {state}; it can't be changed now.",
                                                    n=ann.number, state=state))
            if verb == "cancel":
                await store.change_announcement(session, ann.id, status="cancelled")
                await session.commit()
                await self.ctx.cancel(f"ann:{ann.id}")
                return self.reply(event.origin, fmt("Announcement #{n} is cancelled; it won't go out.", n=ann.number))
            body = body.strip()
            if not body or len(body) > MAX_TEXT:
                return self.reply(event.origin, fmt("Give the new text (1 to {m} characters): /announce edit {n} …",
                                                    m=MAX_TEXT, n=ann.number))
            await store.change_announcement(session, ann.id, text=body)
            await session.commit()
        return self.reply(event.origin, fmt("Announcement #{n} now says: {t}", n=ann.number, t=body))

    @job("announce")
    async def announce_due(self, run: JobRun) -> None:
        """A scheduled announcement's time: post it (the text as it was last edited) everywhere."""
        ann = await store.announcement_by_id(run.session, int(run.payload.get("announcement", 0)))
        if ann is None or ann.status != "pending" or await self.defer_run(run, self.channels(ann.channel)):
            return
        await self._post(run.session, ann)
        await self.ctx.publish(AnnouncementPosted(person=None, announcement=str(ann.number)))
