"""What a cog instance receives: its community, settings, storage, scheduler and clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.actions import Action, ActionResult, SendMessage
from bot.calendars import Calendar, Recurrence
from bot.capabilities import Capability
from bot.clock import Clock
from bot.commands import CommandSpec
from bot.community import Community
from bot.content import Content, Mention, Moment
from bot.factbus import FactBus
from bot.facts import Fact
from bot.facts import read as read_facts
from bot.members import Members
from bot.outbox.effects import Effects
from bot.outbox.table import DONE
from bot.permissions import Level, hierarchy_refusal
from bot.persons import PersonId
from bot.platforms import Platforms
from bot.preferences import Preferences, zone
from bot.refs import ChannelRef, MemberInfo, MessageRef, UserRef
from bot.scheduler import JobInfo, Scheduler
from bot.storage.database import Database

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.storage.batch import BatchWriter


class Services(Protocol):
    """What the runtime provides to every cog context."""

    db: Database
    scheduler: Scheduler
    clock: Clock
    platforms: Platforms
    members: Members
    facts: FactBus
    effects: Effects

    async def perform(self, action: Action, community: Community) -> ActionResult:
        ...

    def commands_for(self, community: Community) -> list[CommandSpec]:
        ...

    def writer(self, table: Table) -> BatchWriter:
        ...

    async def reload(self) -> list[str]:
        ...


class CogContext:
    """Everything a cog needs, scoped to one community and one cog."""

    def __init__(self, cog: str, community: Community, settings: BaseModel, services: Services) -> None:
        self.cog = cog
        self.community = community
        self.settings: Any = settings
        self.services = services
        self.db = services.db
        self.clock = services.clock
        self.log = logging.getLogger(f"cogs.{cog}.{community.name}")
        self.calendars: list[Calendar] = []  # declared in setup() with calendar()

    # -- persons, facts, calendars, preferences ----------------------------------------------

    async def person(self, user: UserRef) -> PersonId:
        """The person holding this account in the community (created on first sight)."""
        return await self.services.members.persons.get(self.community.name, user)

    def lock(self, person: PersonId) -> asyncio.Lock:
        """Serialise one person's handling across every cog: ``async with ctx.lock(pid): ...``."""
        return self.services.members.locks(person)

    async def publish(self, fact: Fact) -> bool:
        """Log a fact and hand it to every ``@on(FactType)`` handler here; False if it was refused."""
        return await self.services.facts.publish(fact.stamped(self.community.name, self.now()))

    async def facts(self, kinds: tuple[type[Fact], ...] = (), *, since: datetime | None = None,
                    person: PersonId | None = None) -> list[Fact]:
        """Facts of this community from the durable log, oldest first (everything published so far)."""
        await self.services.facts.flush()
        return await read_facts(self.db, self.community.name, kinds=kinds, since=since, person=person)

    def calendar(self, name: str, when: Recurrence, kind: str, payload: dict[str, Any] | None = None,
                 tz: str = "community") -> None:
        """Declare a calendar built from config (call in ``setup``); each occurrence runs job ``kind``."""
        self.calendars.append(Calendar(self.cog, name, when, self.zone(tz), f"{self.cog}.{kind}",
                                       dict(payload or {})))

    def zone(self, tz: str = "community") -> ZoneInfo:
        """``"community"`` as the community's zone, else the named IANA zone."""
        return self.community.tz if tz == "community" else ZoneInfo(tz)

    async def preferences(self, person: PersonId) -> Preferences:
        """A member's preferences (time zone, DMs, language)."""
        return await self.services.members.prefs.get(person)

    async def zone_of(self, person: PersonId) -> ZoneInfo:
        """The zone to show a member times in: theirs, else the community's."""
        return zone(await self.preferences(person), self.community.tz)

    def moment(self, at: datetime, style: str = "F", tz: ZoneInfo | None = None) -> Moment:
        """A time segment: native on Discord and Slack, in ``tz`` (default the community's) as text."""
        return Moment(at, style, tz or self.community.tz)

    def now(self) -> datetime:
        """The current time (UTC) from the injected clock."""
        return self.clock.now()

    def channel_mention(self, channel: ChannelRef) -> Mention:
        """A channel as a mention (adapters render it natively; it pings nobody)."""
        name = self.community.channel_name(channel) or f"#{channel.id}"
        return Mention(channel, name.lstrip("#"))

    def when(self, moment: datetime) -> str:
        """A time as people here read it: in the community's time zone (``2026-11-21 18:43 GMT``)."""
        local = moment.astimezone(self.community.tz)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    async def perform(self, *actions: Action) -> list[ActionResult]:
        """Perform actions now and return their results (interactive flows)."""
        return [await self.services.perform(a, self.community) for a in actions]

    async def perform_all(self, actions: Iterable[Action]) -> list[ActionResult]:
        """:meth:`perform` for an iterable."""
        return await self.perform(*actions)

    async def effect(self, session: AsyncSession, action: Action, *, key: str,
                     deliver_by: datetime | None = None, after: str | None = None,
                     if_not: str | None = None) -> ActionResult:
        """Queue an effect in ``session``'s transaction: it is sent, once, after that commits.

        ``key`` names the effect (the same key again is the same effect); ``deliver_by`` is when
        it stops being worth sending (a reminder of something that has started). ``after`` names
        an effect of this cog it waits for, and ``if_not`` what it does when that one was not
        delivered (``go``, ``drop``, ``note``, or ``else``: only then — :mod:`bot.outbox.chain`).
        """
        prefix = f"{self.community.name}:"
        return await self.services.effects.stage(session, action, self.community, key=prefix + key,
                                                 deliver_by=deliver_by, after=after and prefix + after,
                                                 if_not=if_not)

    def effects_together(self, session: AsyncSession) -> AbstractAsyncContextManager[None]:
        """A block in which the :meth:`effect` calls on ``session`` are written together, in one statement
        at its end (a group commit staging many: what the transaction commits is the same)."""
        return self.services.effects.together(session)

    async def effect_result(self, key: str) -> ActionResult | None:
        """The platform's answer to a committed :meth:`effect` when it goes at once (a moderator's
        /timeout says whether the platform refused it); a ``queued`` result when it waits (a
        storm, its turn in a queue), None when no such effect was staged."""
        return await self.services.effects.result(f"{self.community.name}:{key}")

    def on_delivered(self, prefix: str, hook: Callable[[str, MessageRef], Awaitable[None]]) -> None:
        """Call ``hook(key, message)`` (``key`` as given to :meth:`effect`) once an effect of this
        community whose key starts with ``prefix`` has made a message: a case remembers where its
        mod-log post is. Best effort (a crash between the two): :meth:`delivered` reads it back too."""
        full = f"{self.community.name}:"

        async def call(key: str, message: MessageRef) -> None:
            await hook(key.removeprefix(full), message)
        self.services.effects.on_delivered(full + prefix, call)

    async def delivered(self, key: str) -> MessageRef | None:
        """The message an effect staged with ``ctx.effect(..., key=key)`` became, once the platform
        confirmed it (None while it is pending, or when it failed).

        A job's post has no message ref when the job runs (it is sent after the job commits); a cog
        that later edits it or counts replies to it reads the ref back here. The one-key, delivered-only
        form of :meth:`effects_of` (one read of the outbox for both).
        """
        status, made = (await self.effects_of([key])).get(key, ("", None))
        return made if status == DONE else None

    async def effects_of(self, keys: list[str]) -> dict[str, tuple[str, MessageRef | None]]:
        """Where this community's keyed effects stand: ``{key: (status, message made)}`` by the keys
        given to :meth:`effect` (``done`` with the message once delivered; ``pending`` while queued)."""
        prefix = f"{self.community.name}:"
        found = await self.services.effects.outcome([prefix + k for k in keys])
        return {k.removeprefix(prefix): v for k, v in found.items()}

    async def withdraw(self, key: str, why: str) -> bool:
        """Take back an effect of :meth:`effect` that has not gone out yet; False when it has (or is going)."""
        return await self.services.effects.withdraw(f"{self.community.name}:{key}", why)

    async def modlog_later(self, session: AsyncSession, content: Content, *, key: str) -> None:
        """:meth:`modlog` as effects of ``session``'s transaction (one entry per platform)."""
        channels = [(p, c) for p in self.platforms() if (c := self.community.channel("modlog", p)) is not None]
        for platform, channel in channels:
            await self.effect(session, SendMessage(channel=channel, content=content), key=f"{key}:{platform}")
        if not channels:
            self.log.warning("no mod-log channel; dropped: %s", content.plain())

    async def post_to(self, purpose: str, content: Content, *, session: AsyncSession | None = None,
                      key: str | None = None) -> list[ActionResult]:
        """Post to a logical channel: one copy on each running platform it maps to.

        ``purpose`` is a key of the community's ``channels`` (``announcements: {discord: "#news",
        slack: "#general"}``, or one ``"#name"`` meaning that name everywhere). With ``session``
        and ``key`` every copy is an effect of that transaction (key ``<key>:<platform>``: sent once
        each, after it commits); without, the copies are performed now. A platform where the
        channel does not exist gets none, and the log says so.
        """
        targets = [(p, c) for p in self.platforms() if (c := self.community.channel(purpose, p)) is not None]
        if not targets:
            self.log.warning("no channel %r on any running platform; dropped: %s", purpose, content.plain())
            return []
        results = []
        for platform, channel in targets:
            action = SendMessage(channel=channel, content=content)
            if session is not None:
                if key is None:
                    raise ValueError("post_to with a session needs a key: the outbox keys every effect")
                results.append(await self.effect(session, action, key=f"{key}:{platform}"))
            else:
                results.append(await self.services.perform(action, self.community))
        return results

    def can(self, platform: str, capability: Capability) -> bool:
        """Whether the platform's adapter can do ``capability``."""
        return capability in self.services.platforms.capabilities(platform)

    def platforms(self) -> list[str]:
        """The running platforms this community is on."""
        return [p for p in self.services.platforms.names() if p in self.community.scopes]

    def scope(self, platform: str) -> str:
        """The community's scope (guild, team) on a platform."""
        return self.community.scopes[platform]

    async def member(self, user: UserRef) -> MemberInfo | None:
        """Look a member up on their platform."""
        scope = self.community.scopes.get(user.platform)
        return None if scope is None else await self.services.platforms.member(user.platform, scope, user)

    async def level_of(self, user: UserRef) -> Level:
        """A member's permission level in this community."""
        return self.community.level_of(await self.member(user))

    async def hierarchy_refusal(self, actor: UserRef | None, target: UserRef, *,
                                absent_ok: bool = False) -> str | None:
        """Why ``actor`` (None: Steward on its own) may not act on ``target``, or None.

        Levels first (a moderator never acts on an admin, whatever the role order), then role
        order; missing member info refuses, except a target who left when ``absent_ok``.
        """
        scope = self.community.scopes.get(target.platform)
        if scope is None:
            return "that member is on a platform this community doesn't use."
        bot_info = await self.services.platforms.bot_member(target.platform, scope)
        if actor is None:
            actor_info, actor_level = bot_info, Level.ADMIN
        else:
            actor_info = await self.services.platforms.member(actor.platform, scope, actor)
            actor_level = self.community.level_of(actor_info)
        target_info = await self.services.platforms.member(target.platform, scope, target)
        return hierarchy_refusal(actor_info, target_info, bot_info, actor_level=actor_level,
                                 target_level=self.community.level_of(target_info), absent_ok=absent_ok)

    async def modlog(self, content: Content, platform: str | None = None) -> list[ActionResult]:
        """Post to the mod-log channel: on ``platform``, or on every platform it exists on."""
        results = []
        for p in [platform] if platform else self.platforms():
            channel = self.community.channel("modlog", p)
            if channel is not None:
                results.append(await self.services.perform(SendMessage(channel=channel, content=content),
                                                           self.community))
        if not results:
            self.log.warning("no mod-log channel; dropped: %s", content.plain())
        return results

    async def invite_uses(self, platform: str) -> dict[str, int] | None:
        """Each invite code's uses on a platform of this community (None: it has no invite links to count)."""
        scope = self.community.scopes.get(platform)
        return None if scope is None else await self.services.platforms.invite_uses(platform, scope)

    async def create_invite(self, channel: ChannelRef) -> tuple[str, str] | None:
        """A new invite link to ``channel``: ``(code, url)``, or None where the platform has none."""
        scope = self.community.scopes.get(channel.platform)
        return None if scope is None else await self.services.platforms.create_invite(channel.platform, scope, channel)

    def commands(self) -> list[CommandSpec]:
        """Every command enabled in this community."""
        return self.services.commands_for(self.community)

    async def schedule(self, kind: str, due_at: datetime, payload: dict[str, Any] | None = None, *,
                       key: str | None = None, grace: timedelta | None = None,
                       session: AsyncSession | None = None) -> int:
        """Schedule a job of this cog (``kind`` as declared with ``@job``); with ``session``, in that
        transaction (it exists exactly when what it ends does)."""
        return await self.services.scheduler.schedule(
            f"{self.cog}.{kind}", due_at, payload, key=key and f"{self.community.name}:{key}",
            community=self.community.name, grace=grace, session=session)

    async def cancel(self, key: str) -> bool:
        """Cancel a pending job of this community by the key it was scheduled with."""
        return await self.services.scheduler.cancel(f"{self.community.name}:{key}")

    async def job(self, key: str) -> JobInfo | None:
        """A job of this community by the key it was scheduled with."""
        return await self.services.scheduler.get(f"{self.community.name}:{key}")

    def writer(self, table: Table) -> BatchWriter:
        """The shared batching writer for a high-volume table."""
        return self.services.writer(table)
