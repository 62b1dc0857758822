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
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, ActionResult, SendMessage
from bot.adapter import Adapter
from bot.clock import Clock
from bot.cluster import Cluster, forget_dead, live_processes
from bot.community import Community
from bot.config.models import StewardConfig
from bot.dispatcher import Dedupe, Dispatch, Dispatcher, Next
from bot.events import ButtonPressed, CommandInvoked, Event, FormCancelled, FormSubmitted, MessageShared
from bot.gate import Deliver
from bot.outage import GLOBAL, SAFE_WITHOUT_RECORD, Outage, report, unreachable
from bot.outbox.effects import Effects
from bot.partitions import LEADER
from bot.relay import Relay, SharedSeen
from bot.scheduler import Scheduler
from bot.storage.database import Database
from bot.storage.writers import Writers

log = logging.getLogger(__name__)
INTERACTIONS = (CommandInvoked, ButtonPressed, FormSubmitted, FormCancelled, MessageShared)
# A shard no live process has held for this long has its communities' timers run by the leader until a
# process holds it again: a restart (a deploy) is shorter and keeps them where they were; a process that
# crashed and stays down delays them by at most this (plus a few seconds of upkeep).
ORPHAN_AFTER = timedelta(seconds=60)
# The leader deletes the rows of processes dead for longer than this (steward status shows the rest).
FORGET_DEAD_AFTER = timedelta(hours=24)
UPKEEP_EVERY = 5.0


class Host(Protocol):
    """What this needs from the runtime."""

    config: StewardConfig
    adapters: dict[str, Adapter]
    dispatcher: Dispatcher
    clock: Clock

    effects: Effects
    writers: Writers | None

    @property
    def communities(self) -> dict[str, Community]: ...

    async def reload(self, *, tell_others: bool = True) -> list[str]: ...

    async def handle(self, event: Event, *, relayed: bool = False) -> None: ...

    def community_for(self, platform: str, scope: str) -> Community | None: ...


class Processes:
    """This process's part of a Steward made of several processes (a no-op on SQLite)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.cluster: Cluster | None = None
        self.relay: Relay | None = None
        self.seen: SharedSeen | None = None
        self.scheduler: Scheduler | None = None
        self.owners: dict[str, str] = {}
        self.outage = Outage(host.clock)
        self.orphaned: frozenset[str] = frozenset()  # shards whose timers the leader runs (ORPHAN_AFTER)
        self._unheld_since: dict[str, datetime] = {}
        self._rounds = 0
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
        elsewhere = frozenset(c for c, p in self.owners.items()
                              if p != LEADER and p not in held and p not in self.orphaned)
        return here, elsewhere

    async def open(self, db: Database) -> None:
        """Register and take this process's shards before any platform connects (or refuse to start)."""
        self.place(self.host.config)
        self.cluster = Cluster(db, self.host.clock, partitions=self.partitions(), detail=self.detail())
        await self.cluster.start()
        if self.cluster.shared:  # each outbox entry goes out from one process (bot.outbox.sender)
            self.host.effects.outbox.owner = self.cluster.name
            self.host.effects.outbox.live = self._runners
            gate = self.host.effects.gate
            gate.deliver = self._guarded(gate.deliver)  # the outage rule of bot.outage

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
        self.seen.unchecked = lambda n: self.outage.lost(
            GLOBAL, "events handled without the check across processes (a repeat may have been handled twice)", n)
        self.host.dispatcher.failed = self._failed
        if self.host.writers is not None:
            self.host.writers.on_drop = self._dropped
        cluster.on_down, cluster.on_up = self.outage.down, self._database_back
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
        for adapter in self.host.adapters.values():
            if hasattr(adapter, "hand_off"):
                adapter.hand_off = self._hand_off
        cluster.on("relay", self._relay_waiting)
        cluster.on("reload", self._reload)
        self.relay.start()
        self.relay.wake()  # events relayed to this shard while it was down
        self._upkeep = asyncio.create_task(self._keep_up(), name="processes-upkeep")

    async def _keep_up(self) -> None:
        while True:
            await asyncio.sleep(UPKEEP_EVERY)
            try:
                await self.upkeep()
            except Exception:
                log.warning("processes: upkeep failed; the next round tries again", exc_info=True)

    async def upkeep(self) -> None:
        """One round of the leader's upkeep: adopt what dead processes left in the outbox, run the timers
        of shards no process holds (:data:`ORPHAN_AFTER`), forget expired event ids and long-dead processes."""
        if self.scheduler is None or not self.scheduler._leader or self.cluster is None:
            self.orphaned, self._unheld_since = frozenset(), {}  # a follower runs only its own shards' timers
            return
        await self.host.effects.outbox.adopt()
        await self._watch_shards()
        self._rounds += 1
        if self._rounds % 60 == 1:  # about every five minutes
            if self.seen is not None:
                await self.seen.expire()
            gone = await forget_dead(self.cluster.db, self.host.clock.now(), FORGET_DEAD_AFTER)
            if gone:
                log.info("processes: forgot %d process(es) dead for over %s", gone, FORGET_DEAD_AFTER)

    async def _watch_shards(self) -> None:
        """Notice shards no live process holds; after ORPHAN_AFTER their timers run here, until one holds them."""
        assert self.cluster is not None and self.scheduler is not None
        held = {p for info in await live_processes(self.cluster.db) for p in info.partitions}
        now = self.host.clock.now()
        wanted = {p for p in self.owners.values() if p != LEADER}
        for partition in wanted:
            if partition in held:
                self._unheld_since.pop(partition, None)
            else:
                self._unheld_since.setdefault(partition, now)
        self._unheld_since = {p: t for p, t in self._unheld_since.items() if p in wanted}
        orphaned = frozenset(p for p, t in self._unheld_since.items() if now - t >= ORPHAN_AFTER)
        if orphaned == self.orphaned:
            return
        if orphaned - self.orphaned:
            log.warning("processes: no process has run %s for %s or more: the leader runs their timers until "
                        "one does", ", ".join(sorted(orphaned - self.orphaned)), ORPHAN_AFTER)
        if self.orphaned - orphaned:
            log.info("processes: %s run again: their timers go back to that process",
                     ", ".join(sorted(self.orphaned - orphaned)))
        self.orphaned = orphaned
        await self.scheduler.run_due()

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
        try:
            await self.relay.send(target, community.name, d.event, dict(context) if context else None)
        except Exception as exc:
            if not unreachable(exc):
                raise
            # the database is away: handled here rather than lost (this process's windows see it alone)
            self.outage.lost(community.name, "events meant for another process, handled here instead",
                             platform=d.event.platform)
            await nxt(d)
            return
        log.debug("relayed %s of %s to %s", type(d.event).__name__, community.name, target)

    async def _arrived(self, event: Event, context: dict[str, Any] | None) -> None:
        adapter = self.host.adapters.get(event.platform)
        arrive: Callable[[Event, Mapping[str, Any]], None] | None = getattr(adapter, "arrive", None)
        if arrive is not None and context:
            arrive(event, context)
        consume: Callable[[Event], Awaitable[bool]] | None = getattr(adapter, "consume", None)
        if consume is not None and await consume(event):  # the adapter answers it itself (a form it offered)
            return
        await self.host.handle(event, relayed=True)

    async def _hand_off(self, event: Event) -> bool:
        """Relay an adapter's own interaction to its community's process; False when that is this one."""
        community = self.host.community_for(event.platform, event.scope)
        target = self.owners.get(community.name, LEADER) if community is not None else None
        if community is None or self.relay is None or target is None or target in self.mine():
            return False
        adapter = self.host.adapters.get(event.platform)
        carry: Callable[[Event], Mapping[str, Any] | None] | None = getattr(adapter, "carry", None)
        context = carry(event) if carry is not None else None
        await self.relay.send(target, community.name, event, dict(context) if context else None)
        return True

    # -- while the database is away (the rule in bot.outage) --------------------------------

    def _guarded(self, deliver: Deliver) -> Deliver:
        async def deliver_or_act(adapter: Adapter, action: Action, community: Community | None) -> ActionResult:
            try:
                return await deliver(adapter, action, community)
            except Exception as exc:
                # a job's or a transaction's effect is not carried out alone: the job runs again, and
                # the handler's failure is counted by _failed
                if not unreachable(exc) or self.host.effects.jobs.current() is not None:
                    raise
                name = community.name if community is not None else None
                what = _WORDS.get(type(action).__name__, type(action).__name__)
                if isinstance(action, SAFE_WITHOUT_RECORD):
                    self.outage.unrecorded(name, what, platform=action.platform)
                    return await adapter.perform(action)
                self.outage.not_done(name, what, platform=action.platform)
                raise
        return deliver_or_act

    def _failed(self, exc: BaseException, event: Event, where: str) -> None:
        if unreachable(exc):
            self.outage.lost(event.community, f"{where}: its records of a {_event_words(event)}",
                             platform=event.platform)

    def _dropped(self, table: Any, rows: list[dict[str, Any]], exc: BaseException) -> None:
        if not unreachable(exc):
            return
        counts: dict[str | None, int] = {}
        for row in rows:
            counts[row.get("community")] = counts.get(row.get("community"), 0) + 1
        for community, n in counts.items():
            what = "entries of the facts log" if table.name == "core_facts" else f"rows of {table.name}"
            self.outage.lost(community if isinstance(community, str) else GLOBAL, what, n)

    async def _database_back(self) -> None:
        """The database answers again: one post per community in its mod log with what was not recorded."""
        if not self.outage.away:
            return
        since, losses = self.outage.take()
        if since is None:
            return
        now = self.host.clock.now()
        log.warning("database reachable again (away since %s)", since.isoformat(timespec="seconds"))
        if GLOBAL in losses:  # only losses of no one community: every community hears of them
            shared = losses.pop(GLOBAL)
            losses = {name: shared for name in self.host.communities}
        assert self.cluster is not None
        for name, loss in losses.items():
            community = self.host.communities.get(name)
            platforms = [*loss.platforms, *self.host.adapters]
            channel = next((c for p in platforms if community and (c := community.channel("modlog", p))), None)
            if community is None or channel is None:
                log.error("database outage in %s, no mod log to say so: %s", name, report(since, now, loss).plain())
                continue
            key = f"{name}:db-outage:{self.cluster.name}:{since.timestamp():.0f}"
            try:
                post = SendMessage(channel=channel, content=report(since, now, loss))
                async with self.cluster.db.session() as session, session.begin():
                    await self.host.effects.stage(session, post, community, key=key)
            except Exception:
                log.warning("the outage report for %s could not be queued; kept for the next beat", name)
                self.outage.since = since
                self.outage.losses[name] = loss

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



_WORDS = {"DeleteMessage": "deleting a message", "BulkDelete": "deleting messages in bulk",
          "Reply": "an answer to a member", "SendMessage": "a post", "SendDirect": "a DM",
          "TimeoutMember": "a timeout", "KickMember": "a kick", "BanMember": "a ban", "UnbanMember": "lifting a ban",
          "RemoveTimeout": "ending a timeout", "AddRole": "giving a role", "RemoveRole": "taking a role",
          "EditMessage": "an edit"}


def _event_words(event: Event) -> str:
    name = type(event).__name__
    return {"MessagePosted": "message", "MessageEdited": "message edit", "MemberJoined": "join",
            "MemberLeft": "leave", "ReactionAdded": "reaction", "CommandInvoked": "command",
            "ButtonPressed": "button press", "FormSubmitted": "form"}.get(name, name)
