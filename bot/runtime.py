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

from bot.actions import Action, ActionResult, BulkDelete, DeleteMessage, SendMessage
from bot.adapter import Adapter
from bot.capabilities import Capability
from bot.clock import Clock, ManualClock, SystemClock
from bot.cog import Cog
from bot.commands import CommandSpec
from bot.community import Community
from bot.config.errors import ConfigError
from bot.config.models import CommunityConfig, StewardConfig
from bot.content import text
from bot.context import CogContext
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, event_user
from bot.permissions import Level
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
            self.clock.add_stops(self.scheduler.next_due)  # a jump runs each job at its own time
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

    # -- Services protocol (cog contexts) ---------------------------------------------------

    async def perform(self, action: Action, community: Community | None) -> ActionResult:
        """Check the adapter's capability, perform, and report what could not be done."""
        adapter = self.adapters.get(action.platform)
        if adapter is None:
            return ActionResult.failure(action, f"platform {action.platform} is not running", "no_platform")
        if action.capability not in adapter.capabilities:
            result = ActionResult.failure(
                action, f"{action.platform} does not let a bot {action.capability.value}", "unsupported")
            log.warning("unsupported on %s: %s", action.platform, type(action).__name__)
            if community is not None and not isinstance(action, SendMessage):
                await self._note_unsupported(action, community)
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

    async def _note_unsupported(self, action: Action, community: Community) -> None:
        channel = community.channel("modlog", action.platform)
        if channel is None:
            return
        await self.perform(SendMessage(channel=channel, content=text(
            f"Note: {action.platform} does not let Steward {action.capability.value} "
            f"({type(action).__name__}); nothing was done for that step.")), community)

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
        for cogs in built.values():
            for cog in cogs:
                await cog.setup()
                for kind, method in cog.table().jobs.items():
                    self.scheduler.register(f"{cog.name}.{kind}", self._job_router(cog.name, method))
        self._cogs = built

    def _job_router(self, cog_name: str, method: str) -> Callable[[JobRun], Any]:
        async def route(run: JobRun) -> None:
            for cog in self._cogs.get(run.community or "", []):
                if cog.name == cog_name:
                    await getattr(cog, method)(run)
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
