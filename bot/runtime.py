"""The running Steward: config, storage, scheduler, adapters, communities and cog instances.

Nothing here is global: the composition root builds one :class:`Runtime` and hands it the
adapters and cog classes it found.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table

from bot.actions import Action, ActionResult, BulkDelete, DeleteMessage, SendDirect, SendMessage
from bot.adapter import Adapter
from bot.calendars import Calendar, reconcile, schedule_next
from bot.capabilities import Capability
from bot.clock import Clock, ManualClock, SystemClock
from bot.cog import Cog
from bot.commands import CommandSpec
from bot.community import Community
from bot.config.errors import ConfigError
from bot.config.models import CommunityConfig, StewardConfig
from bot.content import text
from bot.context import CogContext
from bot.delivery import degrade, direct_to_channel, with_zone
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, MessagePosted, event_user
from bot.factbus import FactBus
from bot.facts import Fact
from bot.permissions import Level
from bot.persons import PersonConflict, PersonId, PersonLocks, Persons, Report
from bot.preferences import PreferenceStore
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef
from bot.scheduler import JobRun, Scheduler
from bot.storage.batch import BatchWriter
from bot.storage.database import Database

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Steward cannot start; the message says why in words for the admin."""


class Runtime:
    """One running Steward process."""

    def __init__(self, config: StewardConfig, *, cogs: dict[str, type[Cog]],
                 adapters: Sequence[Adapter], clock: Clock | None = None,
                 loader: Callable[[], StewardConfig] | None = None,
                 migrations: Sequence[Path] = ()) -> None:
        self.config = config
        self.extra_migrations = list(migrations)  # installed adapters that are not running (no credentials)
        self.cog_classes = cogs
        self.adapters: dict[str, Adapter] = {a.platform: a for a in adapters}
        self.clock: Clock = clock or SystemClock()
        self.loader = loader
        self.db: Database = None  # type: ignore[assignment]  # set by start()
        self.scheduler: Scheduler = None  # type: ignore[assignment]
        self.communities: dict[str, Community] = {}
        self._scopes: dict[tuple[str, str], str] = {}
        self._cogs: dict[str, list[Cog]] = {}
        self._writers: dict[str, BatchWriter] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._deleted: OrderedDict[MessageRef, None] = OrderedDict()
        self.dispatcher = Dispatcher(self)
        self.persons: Persons = None  # type: ignore[assignment]  # set by start()
        self.prefs: PreferenceStore = None  # type: ignore[assignment]
        self.locks = PersonLocks()
        self.fact_bus = FactBus(self)
        self._calendars: dict[tuple[str, str], Calendar] = {}  # (community, cog.name) -> calendar
        self._last_channel: OrderedDict[UserRef, ChannelRef] = OrderedDict()  # DM-off fallback
        self.started = False

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open storage, connect the platforms, resolve names, build cogs, start timers."""
        migrations = [c.migrations for c in self.cog_classes.values() if c.migrations is not None]
        migrations += [m for a in self.adapters.values() if (m := getattr(a, "migrations", None)) is not None]
        migrations += self.extra_migrations
        unique = list(dict.fromkeys(Path(m) for m in migrations))  # a running adapter is listed twice
        self.db = await Database.open(self.config.storage.url, unique)
        # A manual clock means a console or a test: run due jobs one by one so output keeps its order.
        self.scheduler = Scheduler(self.db, self.clock, late_grace=self.config.scheduler.late_grace,
                                   concurrency=1 if isinstance(self.clock, ManualClock) else 8)
        self.persons = Persons(self.db, self.clock)
        self.prefs = PreferenceStore(self.db)
        self._build_communities(self.config)
        for adapter in self.adapters.values():
            attach = getattr(adapter, "attach_storage", None)
            if attach is not None:  # adapters that keep state (Slack installations) get the database
                await attach(self.db)
            await adapter.start(self.handle)
        await self._resolve_names()
        await self._build_cogs(self.config)
        await self._register_commands()
        await self.scheduler.start()
        if isinstance(self.clock, ManualClock):
            self.clock.subscribe(self._clock_moved)
        self.started = True

    async def _clock_moved(self) -> None:
        await self.scheduler.run_due()
        await self.idle()

    async def stop(self) -> None:
        """Finish in-flight work, stop timers and adapters, flush writers, close storage."""
        await self.idle()
        if self.scheduler is not None:
            await self.scheduler.stop()
        for cogs in self._cogs.values():
            for cog in cogs:
                await cog.teardown()
        for adapter in self.adapters.values():
            await adapter.stop()
        for writer in self._writers.values():
            await writer.close()
        if self.db is not None:
            await self.db.close()
        self.started = False

    async def idle(self) -> None:
        """Wait until every event handed in so far has been handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- events -----------------------------------------------------------------------------

    async def handle(self, event: Event) -> None:
        """The adapters' sink: dispatch an event (tracked, so :meth:`idle` can wait for it)."""
        if isinstance(event, MessagePosted) and not event.is_dm:
            self._seen_in(event.author, event.message.channel)
        task = asyncio.create_task(self.dispatcher.dispatch(event))
        self._tasks.add(task)
        try:
            await asyncio.shield(task)
        finally:
            self._tasks.discard(task)

    # -- Host protocol (dispatcher) ----------------------------------------------------------

    def community_for(self, platform: str, scope: str) -> Community | None:
        name = self._scopes.get((platform, scope))
        return None if name is None else self.communities.get(name)

    def cogs_of(self, community: str) -> Sequence[Cog]:
        return self._cogs.get(community, [])

    def was_deleted(self, message: MessageRef) -> bool:
        """Whether Steward deleted this message (so later handlers don't treat it as conversation)."""
        return message in self._deleted

    def is_self(self, event: Event) -> bool:
        adapter = self.adapters.get(event.platform)
        me = getattr(adapter, "bot_user", None)
        return me is not None and event_user(event) == me

    async def level(self, community: Community, event: Event) -> Level:
        user = event_user(event)
        if user is None or not isinstance(event, (CommandInvoked, ButtonPressed, FormSubmitted)):
            return Level.MEMBER
        return community.level_of(await self.member(event.platform, event.scope, user))

    def now(self) -> Any:
        return self.clock.now()

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        return await self._adapter_for_scope(scope).resolve_member(scope, text)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        return await self._adapter_for_scope(scope).resolve_channel(scope, name)

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        return await self._adapter_for_scope(scope).resolve_role(scope, name)

    def _adapter_for_scope(self, scope: str) -> Adapter:
        for (platform, s) in self._scopes:
            if s == scope and platform in self.adapters:
                return self.adapters[platform]
        raise LookupError(scope)

    async def perform_all(self, actions: Iterable[Action], community: Community | None) -> None:
        for action in actions:
            await self.perform(action, community)

    def spawn(self, coro: Any) -> None:
        """Run work in a task that :meth:`idle` waits for (fact handlers)."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _seen_in(self, user: UserRef, channel: ChannelRef) -> None:
        self._last_channel[user] = channel
        if len(self._last_channel) > 50_000:
            self._last_channel.popitem(last=False)

    # -- persons and facts ------------------------------------------------------------------

    async def publish(self, fact: Fact) -> bool:
        """Log a stamped fact and deliver it to the handlers of its community."""
        return await self.fact_bus.publish(fact)

    async def merge_persons(self, source: PersonId, into: PersonId) -> Report:
        """Merge two persons of one community: every enabled cog in its own transaction, then the accounts."""
        community = await self.persons.community_of(into)
        if community is None:
            raise PersonConflict(f"no person {into}")
        await self._flush_facts()
        report = await self.persons.merge(source, into, self.cogs_of(community))
        self.prefs.forget(source)
        self.prefs.forget(into)
        return report

    async def forget_person(self, person: PersonId) -> Report:
        """Erase a person from every cog enabled in their community (a data-deletion request)."""
        community = await self.persons.community_of(person)
        if community is None:
            return Report()
        await self._flush_facts()
        report = await self.persons.forget(person, self.cogs_of(community))
        self.prefs.forget(person)
        return report

    async def _flush_facts(self) -> None:
        writer = self.writer_if_started("core_facts")
        if writer is not None:
            await writer.flush()

    async def _direct(self, action: SendDirect, community: Community) -> Action | None:
        """A DM as it should go out: to the channel, mentioning only them, when DMs are off."""
        person = await self.persons.find(community.name, action.user)
        if person is None or (await self.prefs.get(person)).dms:
            return action
        channel = action.fallback or self._last_channel.get(action.user) or community.channel(
            "general", action.platform)
        if channel is None:
            return None
        info = await self.member(action.platform, community.scopes.get(action.platform, action.scope), action.user)
        return direct_to_channel(action, channel, info.label if info else action.user.id)

    # -- Services protocol (cog contexts) ---------------------------------------------------

    async def perform(self, action: Action, community: Community | None) -> ActionResult:
        """Check the adapter's capability, perform, and report what could not be done."""
        if community is not None:
            action = with_zone(action, community.tz)
            if isinstance(action, SendDirect):
                routed = await self._direct(action, community)
                if routed is None:
                    log.warning("%s has DMs off and no channel to reach them in", action.user)
                    return ActionResult.failure(action, "they turned DMs off and no channel was found", "dm_off")
                action = routed
        adapter = self.adapters.get(action.platform)
        if adapter is None:
            return ActionResult.failure(action, f"platform {action.platform} is not running", "no_platform")
        missing = action.needs() - adapter.capabilities
        fallback = degrade(action, missing) if missing else None
        if fallback is not None:
            degraded, note = fallback
            log.info("fallback on %s: %s", action.platform, note)
            result = await self.perform(degraded, community)
            if community is not None:  # after the message, so the note reads as being about it
                await self._modlog_note(community, action.platform, f"Note: {action.platform} {note}.")
            return result
        if missing:
            capability = sorted(missing)[0]
            result = ActionResult.failure(
                action, f"{action.platform} does not let a bot {capability.value}", "unsupported")
            log.warning("unsupported on %s: %s", action.platform, type(action).__name__)
            if community is not None and not isinstance(action, SendMessage):
                await self._modlog_note(community, action.platform, (
                    f"Note: {action.platform} does not let Steward {capability.value} "
                    f"({type(action).__name__}); nothing was done for that step."))
            return result
        try:
            result = await adapter.perform(action)
        except Exception as exc:
            log.exception("%s failed on %s", type(action).__name__, action.platform)
            return ActionResult.failure(action, f"{type(exc).__name__}: {exc}", "error")
        if result.ok and isinstance(action, (DeleteMessage, BulkDelete)):
            for ref in (action.message,) if isinstance(action, DeleteMessage) else action.messages:
                self._deleted[ref] = None
            while len(self._deleted) > 10_000:
                self._deleted.popitem(last=False)
        if not result.ok:
            log.warning("%s on %s: %s", type(action).__name__, action.platform, result.error)
        return result

    async def _modlog_note(self, community: Community, platform: str, note: str) -> None:
        channel = community.channel("modlog", platform)
        if channel is None:
            log.warning("no mod-log channel on %s for: %s", platform, note)
            return
        await self.perform(SendMessage(channel=channel, content=text(note)), community)

    def capabilities(self, platform: str) -> frozenset[Capability]:
        adapter = self.adapters.get(platform)
        return adapter.capabilities if adapter else frozenset()

    def platforms(self) -> Sequence[str]:
        return list(self.adapters)

    async def member(self, platform: str, scope: str, user: UserRef) -> MemberInfo | None:
        adapter = self.adapters.get(platform)
        return None if adapter is None else await adapter.member(scope, user)

    async def bot_member(self, platform: str, scope: str) -> MemberInfo | None:
        adapter = self.adapters.get(platform)
        return None if adapter is None else await adapter.bot_member(scope)

    def commands_for(self, community: Community) -> list[CommandSpec]:
        return [spec for cog in self._cogs.get(community.name, []) for spec in cog.table().commands]

    def writer_if_started(self, name: str) -> BatchWriter | None:
        """The batching writer of a table if one was started."""
        return self._writers.get(name)

    def writer(self, table: Table) -> BatchWriter:
        writer = self._writers.get(table.name)
        if writer is None:
            writer = self._writers[table.name] = BatchWriter(self.db, table)
            writer.start()
        return writer

    async def reload(self) -> list[str]:
        """Re-read the config; on error keep the running one and return the problems."""
        if self.loader is None:
            return ["this Steward was started without a config file to reload"]
        try:
            new = self.loader()
        except ConfigError as exc:
            return [str(issue) for issue in exc.issues]
        notes: list[str] = []
        if _dump(new.platforms) != _dump(self.config.platforms) or new.storage != self.config.storage:
            notes.append("platform and storage changes take effect at the next restart")
            new = new.model_copy(update={"platforms": self.config.platforms, "storage": self.config.storage})
        old_config, old_communities, old_scopes = self.config, self.communities, self._scopes
        self._build_communities(new)
        try:
            await self._resolve_names()
        except StartupError as exc:
            self.config, self.communities, self._scopes = old_config, old_communities, old_scopes
            return [str(exc)]
        self.config = new
        for cogs in self._cogs.values():
            for cog in cogs:
                await cog.teardown()
        await self._build_cogs(new)
        await self._register_commands()
        return notes

    # -- building ---------------------------------------------------------------------------

    def _build_communities(self, config: StewardConfig) -> None:
        communities: dict[str, Community] = {}
        scopes: dict[tuple[str, str], str] = {}
        for cc in config.communities:
            community = Community(cc, ZoneInfo(cc.timezone or config.timezone))
            for platform in self.adapters:
                scope = _scope_of(cc, platform)
                if scope is not None:
                    community.scopes[platform] = scope
                    scopes[(platform, scope)] = cc.name
            communities[cc.name] = community
        self.communities, self._scopes = communities, scopes

    async def _resolve_names(self) -> None:
        problems: list[str] = []
        for community in self.communities.values():
            for platform, scope in community.scopes.items():
                adapter = self.adapters[platform]
                for name in sorted(set(community.config.channels.values())):
                    ref = await adapter.resolve_channel(scope, name)
                    if ref is None:
                        problems.append(f"{platform} {scope} (community {community.name}): no channel {name}")
                    else:
                        community.channels[(platform, name)] = ref
                for name in sorted(community.config.role_names()):
                    role = await adapter.resolve_role(scope, name)
                    if role is None:
                        problems.append(f"{platform} {scope} (community {community.name}): no role {name!r}")
                    else:
                        community.roles[(platform, name)] = role
        if problems:
            raise StartupError("names in the config were not found:\n  " + "\n  ".join(problems))

    async def _build_cogs(self, config: StewardConfig) -> None:
        from bot.builtin import CoreCog

        built: dict[str, list[Cog]] = {}
        for cc in config.communities:
            community = self.communities[cc.name]
            cogs: list[Cog] = [CoreCog(CogContext("core", community, CoreCog.settings_model(), self))]
            for name, section in cc.cog_sections().items():
                cls = self.cog_classes[name]
                cogs.append(cls(CogContext(name, community, section, self)))
            built[cc.name] = cogs
        calendars: dict[tuple[str, str], Calendar] = {}
        for community_name, cogs in built.items():
            for cog in cogs:
                await cog.setup()
                for kind, method in cog.table().jobs.items():
                    self.scheduler.register(f"{cog.name}.{kind}", self._job_router(cog.name, method))
                for name, when, zone, method in cog.table().calendars:
                    self.scheduler.register(f"{cog.name}.{name}", self._job_router(cog.name, method))
                    cal = Calendar(cog.name, name, when, cog.ctx.zone(zone), f"{cog.name}.{name}")
                    calendars[(community_name, cal.ident)] = cal
                for cal in cog.ctx.calendars:
                    calendars[(community_name, cal.ident)] = cal
        self._cogs = built
        self._calendars = calendars
        now = self.clock.now()
        for name in built:
            await reconcile(self.scheduler, name, [c for (n, _i), c in calendars.items() if n == name], now)

    def _job_router(self, cog_name: str, method: str) -> Callable[[JobRun], Any]:
        async def route(run: JobRun) -> None:
            for cog in self._cogs.get(run.community or "", []):
                if cog.name == cog_name:
                    await getattr(cog, method)(run)
                    cal = self._calendars.get((run.community or "", str(run.payload.get("calendar", ""))))
                    if cal is not None:  # the next occurrence commits with this one's completion
                        await schedule_next(run.session, cal, run.community or "", run.due_at, self.clock.now())
                    return
            log.warning("job %s: cog %s is not enabled in community %s; nothing to do",
                        run.key, cog_name, run.community)
        return route

    async def _register_commands(self) -> None:
        for community in self.communities.values():
            specs = self.commands_for(community)
            for platform, scope in community.scopes.items():
                await self.adapters[platform].register_commands(scope, specs)


def _scope_of(cc: CommunityConfig, platform: str) -> str | None:
    if platform == "discord" and cc.discord is not None:
        return cc.discord.guild
    if platform == "slack" and cc.slack is not None:
        return cc.slack.team
    if platform in ("console", "memory"):
        return cc.name
    return None


def _dump(model: Any) -> Any:
    return model.model_dump() if hasattr(model, "model_dump") else model
