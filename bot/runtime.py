"""The running Steward: wires the parts and owns their life cycle, nothing more; each job lives in its own module
(platforms, communities, cogset, jobs, gate, reload, inflight, writers, outbox, processes, operations); none global."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Table

from bot import collector
from bot.actions import Action, ActionResult
from bot.adapter import Adapter
from bot.clock import Clock, ManualClock, SystemClock
from bot.cog import Cog
from bot.cogset import CogSet
from bot.commands import CommandSpec
from bot.communities import CommunityBook
from bot.community import Community
from bot.config.models import StewardConfig
from bot.delivery import Preparer
from bot.dispatcher import Dispatcher
from bot.events import Event
from bot.factbus import FactBus
from bot.inflight import InFlight
from bot.members import Members
from bot.names import resolve_names
from bot.operations import Operations
from bot.outbox.effects import Effects
from bot.platforms import Platforms
from bot.processes import Processes
from bot.reload import proposed
from bot.scheduler import Scheduler
from bot.storage.batch import BatchWriter
from bot.storage.database import Database
from bot.storage.writers import Writers


class Runtime:
    """One running Steward process: the dispatcher's host and every cog context's services."""

    def __init__(self, config: StewardConfig, *, cogs: dict[str, type[Cog]], adapters: Sequence[Adapter],
                 clock: Clock | None = None, loader: Callable[[], StewardConfig] | None = None,
                 migrations: Sequence[Path] = ()) -> None:
        self.config, self.cog_classes, self.loader = config, cogs, loader
        self.extra_migrations = list(migrations)  # installed adapters that are not running (no credentials)
        self.clock: Clock = clock or SystemClock()
        self.platforms = Platforms(adapters)
        self.adapters = self.platforms.adapters
        self.book = CommunityBook()
        self.cogs = CogSet()
        self.inflight = InFlight()
        self.dispatcher = Dispatcher(self)
        self.db: Database = None  # type: ignore[assignment]  # set by start()
        self.scheduler: Scheduler = None  # type: ignore[assignment]
        self.writers: Writers | None = None
        self.members = Members(self.clock, self.cogs_of)  # persons, their locks and preferences
        self.facts, self.preparer = FactBus(self), Preparer(self.members, self.platforms)
        self.effects = Effects(self.clock, self.platforms, lambda: self.communities, self.preparer)  # the outbox
        self.gate = self.effects.gate  # prepares, falls back or refuses, then hands the action to the outbox
        self.processes = Processes(self)  # several processes on one PostgreSQL; one on SQLite
        self.operations = Operations(self)  # /metrics, /healthz and cogs' pages, when configured
        self.started = False

    @property
    def communities(self) -> dict[str, Community]:
        """The configured communities by name."""
        return self.book.by_name

    async def start(self) -> None:
        """Open storage, connect the platforms, resolve names, build cogs, start timers."""
        folders = [c.migrations for c in self.cog_classes.values()] + [getattr(a, "migrations", None) for a in
                                                                       self.adapters.values()]
        self.db = await Database.open(self.config.storage.url, [*folders, *self.extra_migrations])
        await self.processes.open(self.db)  # its shards are its own, or it does not start
        self.writers = Writers(self.db)  # a manual clock (console, tests) runs due jobs one by one, in order
        self.members.open(self.db, self.writers.flush)  # every queued row (facts, counters) first
        self.scheduler = Scheduler(self.db, self.clock, late_grace=self.config.scheduler.late_grace,
                                   concurrency=1 if isinstance(self.clock, ManualClock) else 8)
        self.book = CommunityBook.build(self.config, self.platforms)
        self.cogs.check(self.communities, self.cog_classes, self.platforms)
        await self.platforms.start(self.db, self.handle, self.idle)
        await resolve_names(self.communities.values(), self.platforms)
        await self.effects.outbox.start(self.db)  # before the cogs: their set-up may already send
        await self.cogs.build(self.config, self.communities, self.cog_classes, self)
        await self.processes.start(self.db, self.scheduler)
        await self.scheduler.start()
        await self.operations.start(self.config.operations)
        if isinstance(self.clock, ManualClock):  # a console or a test: moving the clock runs what became due
            self.clock.subscribe(self._clock_moved)
            self.clock.add_stops(self.scheduler.next_due)  # a jump runs each job at its own time
        collector.settle(self.clock)  # a real process: what start-up built is kept out of the collector's way
        self.started = True

    async def _clock_moved(self) -> None:
        await self.scheduler.run_due()
        await self.idle()

    async def stop(self) -> None:
        """Finish in-flight work, stop timers and adapters, flush writers, close storage."""
        await self.idle()
        await self.operations.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.processes.stop()
        await self.effects.stop()
        await self.cogs.teardown()
        await self.platforms.stop()
        if self.writers is not None:
            await self.writers.close()
        if self.db is not None:
            await self.db.close()
        self.started = False
        collector.release(self.clock)

    async def reload(self, *, tell_others: bool = True) -> list[str]:
        """Re-read the config (every process does); on error keep the running one and return the problems."""
        new, book, notes = await proposed(self.loader, self.config, self.book, self.platforms,
                                          lambda found: self.cogs.check(found, self.cog_classes, self.platforms))
        if new is None or book is None:
            return notes
        self.config, self.book = new, book
        await self.cogs.teardown()
        await self.cogs.build(new, self.communities, self.cog_classes, self)
        await self.processes.reloaded(tell_others)
        return notes

    async def handle(self, event: Event, *, relayed: bool = False) -> None:
        """The adapters' sink: dispatch an event, tracked for :meth:`idle` (``relayed``: by another process)."""
        self.preparer.seen(event)  # where a member with DMs off is reached
        await self.inflight.run(self.dispatcher.dispatch(event, relayed=relayed))

    async def idle(self) -> None:
        """Wait until every event (and fact) handed in so far is handled and its effects sent where they can be."""
        await self.effects.settle(self.inflight)

    # The dispatcher's Host and the cog contexts' Services, each answered by the part that holds it.
    def community_for(self, platform: str, scope: str) -> Community | None:
        return self.book.community_for(platform, scope)
    def cogs_of(self, community: str) -> Sequence[Cog]:
        return self.cogs.cogs_of(community)
    def commands_for(self, community: Community) -> list[CommandSpec]:
        return self.cogs.commands_for(community)
    async def perform(self, action: Action, community: Community | None) -> ActionResult:
        return await self.gate.perform(action, community)

    def writer(self, table: Table) -> BatchWriter:
        assert self.writers is not None, "writers exist once the runtime has started"
        return self.writers.get(table)
