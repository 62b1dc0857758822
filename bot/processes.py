"""Several Steward processes on one PostgreSQL, wired into one runtime.

What each part does lives in its module: :mod:`bot.partitions` (which process handles which
community), :mod:`bot.cluster` (registration, shard locks, notifications), :mod:`bot.relay`
(cross-process de-duplication and relaying events to their community's process). This module
connects them to the runtime: a middleware after the community look-up, the scheduler's
placement, and the notifications for a reload and for relayed events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.adapter import Adapter
from bot.clock import Clock
from bot.cluster import Cluster, live_processes
from bot.config.models import StewardConfig
from bot.dispatcher import Dedupe, Dispatch, Dispatcher, Next
from bot.events import ButtonPressed, CommandInvoked, Event, FormCancelled, FormSubmitted, MessageShared
from bot.outbox.effects import Effects
from bot.partitions import LEADER
from bot.relay import Relay, SharedSeen
from bot.scheduler import Scheduler
from bot.storage.database import Database

log = logging.getLogger(__name__)
INTERACTIONS = (CommandInvoked, ButtonPressed, FormSubmitted, FormCancelled, MessageShared)


class Host(Protocol):
    """What this needs from the runtime."""

    config: StewardConfig
    adapters: dict[str, Adapter]
    dispatcher: Dispatcher
    clock: Clock

    effects: Effects

    async def reload(self, *, tell_others: bool = True) -> list[str]: ...

    async def handle(self, event: Event, *, relayed: bool = False) -> None: ...


class Processes:
    """This process's part of a Steward made of several processes (a no-op on SQLite)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.cluster: Cluster | None = None
        self.relay: Relay | None = None
        self.seen: SharedSeen | None = None
        self.scheduler: Scheduler | None = None
        self.owners: dict[str, str] = {}
        self._upkeep: asyncio.Task[None] | None = None

    def partitions(self) -> list[str]:
        """The partitions this process's adapters run (its Discord shards)."""
        found: list[str] = []
        for adapter in self.host.adapters.values():
            get: Callable[[], list[str]] | None = getattr(adapter, "partitions", None)
            if get is not None:
                found += get()
        return found

    def detail(self) -> str:
        """What runs here, in words: each platform's shards or connection."""
        parts = []
        for name, adapter in self.host.adapters.items():
            describe: Callable[[], str] | None = getattr(adapter, "describe_shards", None)
            mode = getattr(getattr(adapter, "settings", None), "mode", None)
            parts.append(f"{name}: {describe() if describe else mode or 'one connection'}")
        return "; ".join(parts)

    def place(self, config: StewardConfig) -> None:
        """Work out every community's partition with the documented rule (:mod:`bot.partitions`)."""
        owners: dict[str, str] = {}
        for cc in config.communities:
            owner = LEADER
            for adapter in self.host.adapters.values():
                partition_of: Callable[[Any], str | None] | None = getattr(adapter, "partition_of", None)
                found = partition_of(cc) if partition_of is not None else None
                if found is not None:
                    owner = found
                    break
            owners[cc.name] = owner
        self.owners = owners

    def mine(self) -> frozenset[str]:
        """The partitions this process holds now (the leader's moves with the scheduler lease)."""
        held = set(self.cluster.partitions if self.cluster else ())
        if self.scheduler is not None and self.scheduler._leader:
            held.add(LEADER)
        return frozenset(held)

    def placement(self) -> tuple[frozenset[str], frozenset[str]]:
        """(communities pinned to this process's shards, communities pinned to other processes' shards)."""
        held = set(self.cluster.partitions if self.cluster else ())
        here = frozenset(c for c, p in self.owners.items() if p in held)
        elsewhere = frozenset(c for c, p in self.owners.items() if p != LEADER and p not in held)
        return here, elsewhere

    async def open(self, db: Database) -> None:
        """Register and take this process's shards before any platform connects (or refuse to start)."""
        self.place(self.host.config)
        self.cluster = Cluster(db, self.host.clock, partitions=self.partitions(), detail=self.detail())
        await self.cluster.start()
        if self.cluster.shared:  # each outbox entry goes out from one process (bot.outbox.sender)
            self.host.effects.outbox.owner = self.cluster.name
            self.host.effects.outbox.live = self._runners

    async def start(self, db: Database, scheduler: Scheduler) -> None:
        """Share de-duplication, relay events to their community's process, split the timers."""
        assert self.cluster is not None
        self.scheduler = scheduler
        if not self.cluster.shared:
            return
        cluster = self.cluster
        scheduler.placement = self.placement
        scheduler.live_runners = self._runners
        scheduler.runner_id = cluster.name
        cluster.leader = lambda: scheduler._leader
        cluster.lag = scheduler.lag
        self.seen = SharedSeen(db, self.host.clock)
        # an adapter whose platform sends each event to one connection only (Discord: a server's events
        # come on its shard's session, a replay after a resume to the same one) needs no claim
        local = frozenset(name for name, adapter in self.host.adapters.items()
                          if getattr(adapter, "events_reach_one_process", False))
        for mw in self.host.dispatcher.middleware:
            if isinstance(mw, Dedupe):
                mw.shared, mw.local = self.seen, local
        chain = self.host.dispatcher.middleware
        at = next((i for i, mw in enumerate(chain) if getattr(mw, "__name__", "") == "_community"), len(chain) - 1)
        chain.insert(at + 1, self._pin)
        self.relay = Relay(db, self.host.clock, cluster.notify, self.mine, self._arrived)
        cluster.on("relay", self._relay_waiting)
        cluster.on("reload", self._reload)
        self.relay.start()
        self.relay.wake()  # events relayed to this shard while it was down
        self._upkeep = asyncio.create_task(self._keep_up(), name="processes-upkeep")

    async def _keep_up(self, every: float = 5.0) -> None:
        """The leader takes over what dead processes left in the outbox and forgets expired event ids."""
        rounds = 0
        while True:
            await asyncio.sleep(every)
            if self.scheduler is None or not self.scheduler._leader:
                continue
            try:
                await self.host.effects.outbox.adopt()
                rounds += 1
                if self.seen is not None and rounds % 60 == 1:
                    await self.seen.expire()
            except Exception:
                log.warning("processes: upkeep failed; the next round tries again", exc_info=True)

    async def stop(self) -> None:
        """Stop relaying and leave the cluster (locks go with the connection)."""
        if self._upkeep is not None:
            self._upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upkeep
            self._upkeep = None
        if self.relay is not None:
            await self.relay.stop()
        if self.cluster is not None:
            await self.cluster.stop()

    async def _runners(self) -> set[str]:
        assert self.cluster is not None
        return {p.name for p in await live_processes(self.cluster.db)}

    async def _pin(self, d: Dispatch, nxt: Next) -> None:
        """Hand an event of a community held by another process to that process."""
        community = d.community
        if community is None or d.relayed or self.relay is None:
            await nxt(d)
            return
        target = self.owners.get(community.name, LEADER)
        if target in self.mine():
            await nxt(d)
            return
        adapter = self.host.adapters.get(d.event.platform)
        carry: Callable[[Event], Mapping[str, Any] | None] | None = getattr(adapter, "carry", None)
        if isinstance(d.event, INTERACTIONS) and carry is None:
            # the platform's answer to an interaction lives in this process (Discord's token object):
            # it is handled here
            await nxt(d)
            return
        context = carry(d.event) if carry is not None else None
        await self.relay.send(target, community.name, d.event, dict(context) if context else None)
        log.debug("relayed %s of %s to %s", type(d.event).__name__, community.name, target)

    async def _arrived(self, event: Event, context: dict[str, Any] | None) -> None:
        adapter = self.host.adapters.get(event.platform)
        arrive: Callable[[Event, Mapping[str, Any]], None] | None = getattr(adapter, "arrive", None)
        if arrive is not None and context:
            arrive(event, context)
        await self.host.handle(event, relayed=True)

    async def _relay_waiting(self, message: dict[str, Any]) -> None:
        if self.relay is not None and message.get("target") in self.mine():
            self.relay.wake()

    async def _reload(self, _message: dict[str, Any]) -> None:
        problems = await self.host.reload(tell_others=False)
        if problems:
            log.error("reload asked by another process failed here: %s", "; ".join(problems))
        else:
            log.info("reload: config reloaded (asked by another process)")

    async def reloaded(self, tell_others: bool) -> None:
        """A reload succeeded: partitions follow the new config; one asked here is done by the others too."""
        self.place(self.host.config)
        if tell_others and self.cluster is not None:
            await self.cluster.notify("reload")

