"""Polls: /poll with a button per option and a live card (edited, never reposted), results at close."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, EditMessage, SendMessage
from bot.cog import button, command, job
from bot.commands import Param, ParamType
from bot.community import Community
from bot.content import Moment, fmt
from bot.events import ButtonPressed, CommandInvoked
from bot.facts import PollClosed
from bot.job_rows import NEVER_TOO_LATE, add_job
from bot.refs import ChannelRef, MessageRef
from bot.scheduler import JobRun
from cogs.engagement import store
from cogs.engagement.cards import poll_card, poll_results
from cogs.engagement.prompts import Prompts
from cogs.engagement.settings import RecurringPoll
from cogs.engagement.store import Poll
from cogs.engagement.tally import Change, PollError, parse_poll, press, tokens

POLL_HINT = ('Ask with /poll "Pizza or sushi?" Pizza Sushi — then, optionally, how long it runs (2h, 3d; '
             '24h by default), anonymous, multiple. Close one early with /poll close N.')
STALE = "That button isn't one of Steward's poll buttons any more."


class Polls(Prompts):
    """Polls asked with /poll or opened on a calendar."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._poll_locks: dict[int, asyncio.Lock] = {}

    def poll_lock(self, poll_id: int) -> asyncio.Lock:
        """Serialise presses on one poll (two at once must not both read the old ballots)."""
        return self._poll_locks.setdefault(poll_id, asyncio.Lock())

    def declare_polls(self) -> None:
        """One calendar per recurring poll."""
        for poll in self.conf.polls.recurring:
            self.ctx.calendar(f"poll-{poll.name}", poll.when, "recurring", {"poll": poll.name})

    @command("poll", "Ask a poll with buttons, or close one early: /poll \"Pizza or sushi?\" Pizza Sushi.",
             params=[Param("what", ParamType.TEXT, '"question" options... [2h] [anonymous] [multiple], or close N',
                           required=False)])
    async def poll_command(self, event: CommandInvoked, what: str | None = None) -> Action | list[Action]:
        """Route ``/poll``."""
        raw = (what or "").strip()
        words = tokens(raw)
        if not raw:
            return self.reply(event.origin, POLL_HINT)
        if words[0].lower() == "close" and not raw.startswith(('"', "“", "'")):
            return await self.close_command(event, words[1:])
        try:
            spec = parse_poll(raw, default=self.conf.polls.duration, longest=self.conf.polls.longest)
        except PollError as exc:
            return self.reply(event.origin, fmt("{why}", why=str(exc)))
        channel = event.origin.channel
        if channel is None or channel.id.startswith("dm:"):
            return self.reply(event.origin, "Ask a poll in a channel, where everyone can vote.")
        person = await self.ctx.person(event.user)
        now = self.ctx.now()
        async with self.ctx.db.session() as session:
            poll = await store.create_poll(session, self.ctx.community.name, question=spec.question,
                                           options=list(spec.options), multiple=spec.multiple,
                                           anonymous=spec.anonymous, creator=int(person), channel=self.name_of(channel),
                                           opened_at=now, closes_at=now + spec.duration)
            # a channel mapped per platform (a logical channel) gets the card on each: one poll, one tally
            keys = {c.platform: f"poll:{poll.id}:card:{c.platform}" for c in counterparts(self.ctx.community, channel)}
            await store.change_poll(session, poll.id, card_keys=keys)
            for target in counterparts(self.ctx.community, channel):
                await self.ctx.effect(session, SendMessage(channel=target, content=poll_card(poll, {}, [])),
                                      key=keys[target.platform])
            await session.commit()
        # after the commit: on SQLite the scheduler's own session must not wait on this one's lock
        await self.ctx.schedule("close", poll.closes_at, {"poll": poll.id}, key=f"poll:{poll.id}:close",
                                grace=NEVER_TOO_LATE)  # a poll closes however late Steward comes back
        return self.reply(event.origin, fmt("Poll #{n} is up; it closes {at}. Close it sooner with /poll close {n}.",
                                            n=poll.number, at=Moment(poll.closes_at, "F", self.ctx.community.tz)))

    async def close_command(self, event: CommandInvoked, args: list[str]) -> Action:
        """``/poll close N``: the poll's creator or a moderator closes it now."""
        number = args[0].lstrip("#") if args else ""
        if not number.isdigit() or len(number) > 9:
            return self.reply(event.origin, "Which poll? /poll close N, with the number on its card.")
        person = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            poll = await store.poll_by_number(session, self.ctx.community.name, int(number))
            if poll is None:
                return self.reply(event.origin, fmt("There is no poll #{n}.", n=int(number)))
            if poll.creator != int(person) and not await self.is_moderator(event.user):
                return self.reply(event.origin, "Only the poll's author or a moderator can close it.")
            if poll.closed:
                return self.reply(event.origin, fmt("Poll #{n} is already closed.", n=poll.number))
            await self.close(session, poll, self.ctx.now(), origin_message=None)
            await session.commit()
        await self.ctx.cancel(f"poll:{poll.id}:close")
        return self.reply(event.origin, fmt("Poll #{n} is closed; the results are posted.", n=poll.number))

    async def card_refs(self, session: AsyncSession, poll: Poll,
                        pressed: MessageRef | None = None) -> dict[str, MessageRef]:
        """Where the poll's card is on each platform (read back from the outbox once it was delivered)."""
        refs = {p: MessageRef(p, c, m) for p, (c, m) in poll.cards.items()}
        missing = {p: k for p, k in poll.card_keys.items() if p not in refs}
        for platform, key in missing.items():
            ref = await self.ctx.delivered(key)
            if ref is None and pressed is not None and pressed.platform == platform:
                ref = pressed
            if ref is not None:
                refs[platform] = ref
        if len(refs) != len(poll.cards):
            await store.change_poll(session, poll.id, cards={p: [r.channel_id, r.id] for p, r in refs.items()})
        return refs

    @button("vote")
    async def vote(self, event: ButtonPressed) -> Action:
        """A press on an option: a first vote, a moved vote, another option (multiple), or taking one back."""
        poll_text, _, option_text = event.value.partition(":")
        if not poll_text.isdigit() or not option_text.isdigit() or len(poll_text) > 12 or len(option_text) > 3:
            return self.reply(event.origin, STALE)
        poll_id, option = int(poll_text), int(option_text)
        person = await self.ctx.person(event.user)
        now = self.ctx.now()
        async with self.poll_lock(poll_id), self.ctx.lock(person), self.ctx.db.session() as session:
            poll = await store.poll_by_id(session, poll_id)
            if poll is None or poll.id != poll_id:
                return self.reply(event.origin, STALE)
            if not 0 <= option < len(poll.options):
                return self.reply(event.origin, STALE)
            if poll.closed or now >= poll.closes_at:
                return self.reply(event.origin, fmt("Poll #{n} closed {at}; votes are no longer counted.",
                                                    n=poll.number, at=Moment(poll.closed_at or poll.closes_at, "F",
                                                                             self.ctx.community.tz)))
            refs = await self.card_refs(session, poll, event.origin.message)
            ballots = await store.ballots(session, poll.id)
            outcome = press(ballots.get(int(person), frozenset()), option, multiple=poll.multiple)
            await store.set_ballot(session, poll.id, person, event.user, outcome.ballot, now)
            version = await store.bump(session, poll.id)
            ballots[int(person)] = outcome.ballot
            card = poll_card(poll, ballots, await store.voters(session, poll.id))
            for platform, ref in refs.items():
                await self.ctx.effect(session, EditMessage(message=ref, content=card),
                                      key=f"poll:{poll.id}:v{version}:{platform}")
            await session.commit()
        chosen = poll.options[option]
        if outcome.change is Change.REMOVED:
            return self.reply(event.origin, fmt("Your vote for “{o}” is taken back.", o=chosen))
        if outcome.change is Change.MOVED:
            was = poll.options[next(iter(outcome.before))]
            return self.reply(event.origin, fmt("Your vote moved from “{a}” to “{b}”.", a=was, b=chosen))
        also = " (you can choose several)" if poll.multiple else " (press another option to change it)"
        return self.reply(event.origin, fmt("You voted for “{o}”{also}.", o=chosen, also=also))

    async def close(self, session: AsyncSession, poll: Poll, now: datetime, *,
                    origin_message: MessageRef | None) -> None:
        """Close a poll in ``session``: the card shows the final tally without buttons, the results are posted."""
        await store.change_poll(session, poll.id, closed_at=now)
        closed = replace(poll, closed_at=now)
        refs = await self.card_refs(session, poll, origin_message)
        ballots = await store.ballots(session, poll.id)
        final = poll_card(closed, ballots, await store.voters(session, poll.id))
        results = poll_results(closed, ballots)
        for platform, ref in refs.items():
            await self.ctx.effect(session, EditMessage(message=ref, content=final),
                                  key=f"poll:{poll.id}:final:{platform}")
            await self.paced_effect(session, SendMessage(channel=ref.channel, content=results, reply_to=ref),
                                    key=f"poll:{poll.id}:results:{platform}", channel=ref.channel)
        await self.ctx.publish(PollClosed(poll=str(poll.number), votes=sum(len(b) for b in ballots.values())))

    @job("close")
    async def close_due(self, run: JobRun) -> None:
        """A poll's time is up."""
        poll = await store.poll_by_id(run.session, int(run.payload.get("poll", 0)))
        if poll is None or poll.closed:
            return
        async with self.poll_lock(poll.id):
            await self.close(run.session, poll, self.ctx.now(), origin_message=None)

    @job("recurring")
    async def recurring_due(self, run: JobRun) -> None:
        """Open a recurring poll: its card in the channel, its close in the same transaction."""
        conf: RecurringPoll | None = next((p for p in self.conf.polls.recurring if p.name == run.payload.get("poll")),
                                          None)
        if conf is None or await self.defer_run(run, self.channels(conf.channel)):
            return
        now = self.ctx.now()
        poll = await store.create_poll(run.session, self.ctx.community.name, question=conf.question,
                                       options=list(conf.options), multiple=conf.multiple, anonymous=conf.anonymous,
                                       creator=None, channel=conf.channel, opened_at=now, closes_at=now + conf.duration,
                                       source=run.key)
        keys = {}
        for channel in self.channels(conf.channel):
            keys[channel.platform] = key = f"poll:{poll.id}:card:{channel.platform}"
            await self.ctx.effect(run.session, SendMessage(channel=channel, content=poll_card(poll, {}, [])), key=key)
        await store.change_poll(run.session, poll.id, card_keys=keys)
        name = self.ctx.community.name
        await add_job(run.session, "engagement.close", poll.closes_at, {"poll": poll.id},  # in this job's transaction
                      key=f"{name}:poll:{poll.id}:close", community=name, now=now, grace=NEVER_TOO_LATE)

    async def replan_polls(self) -> None:
        """At start: every open poll has its close job (one lost to a crash after the commit comes back)."""
        async with self.ctx.db.session() as session:
            polls = await store.open_polls(session, self.ctx.community.name)
        for poll in polls:
            key = f"poll:{poll.id}:close"
            if await self.ctx.job(key) is None:
                await self.ctx.schedule("close", poll.closes_at, {"poll": poll.id}, key=key, grace=NEVER_TOO_LATE)


def counterparts(community: Community, channel: ChannelRef) -> list[ChannelRef]:
    """The channel and, where a ``channels`` entry maps it per platform, the same logical channel elsewhere."""
    mapped = community.config.per_platform()
    found = {channel.platform: channel}
    for purpose in community.purposes_of(channel):
        if purpose in mapped:
            for platform, ref in community.logical(purpose).items():
                found.setdefault(platform, ref)
    return list(found.values())
