"""Delivery of published facts: one durable log row each, then the ``@on(FactType)`` handlers.

The runtime owns one :class:`FactBus`; cogs reach it only through ``ctx.publish`` (see
:mod:`bot.facts` for how a cog publishes and receives).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from bot.actions import Action
from bot.cog import Cog
from bot.community import Community
from bot.facts import Fact, FactError, facts_log
from bot.gate import CapabilityGate
from bot.inflight import InFlight
from bot.storage.batch import BatchWriter

if TYPE_CHECKING:
    from bot.telemetry import Telemetry

log = logging.getLogger(__name__)

MAX_DEPTH = 8  # a fact handler publishing a fact whose handler publishes... stops here
# How deep the current task is in fact handling; a spawned task inherits it (contextvars copy).
_depth: ContextVar[int] = ContextVar("steward_fact_depth", default=0)


class FactHost(Protocol):
    """What the bus needs from the runtime."""

    @property
    def communities(self) -> dict[str, Community]:
        ...

    @property
    def gate(self) -> CapabilityGate:
        ...

    def cogs_of(self, community: str) -> Sequence[Cog]:
        ...

    def writer(self, table: Any) -> BatchWriter:
        ...

    @property
    def inflight(self) -> InFlight:
        ...


class FactBus:
    """Logs facts through the batching writer and runs their handlers in tracked tasks."""

    def __init__(self, host: FactHost) -> None:
        self.host = host
        self.refused = 0
        # (fact type, the cogs list it was built from) -> its handlers in order; a reload builds new lists
        self._found: dict[tuple[type[Fact], int], tuple[Sequence[Cog], list[Callable[[Fact], Awaitable[Any]]]]] = {}
        self.telemetry: Telemetry | None = None  # counts failing handlers when operations are on

    async def publish(self, fact: Fact) -> bool:
        """Append a stamped fact to the log and schedule its handlers; False (logged) if refused."""
        try:
            row = fact.row()
        except FactError as exc:
            self.refused += 1
            log.error("fact refused (a programming error; chat goes on): %s", exc)
            return False
        self.host.writer(facts_log).submit(row)
        community = self.host.communities.get(fact.community)
        handlers = self._handlers(fact)
        if handlers and community is not None:
            depth = _depth.get()
            if depth >= MAX_DEPTH:
                log.error("fact %s not delivered: facts published each other %d deep", fact.kind(), MAX_DEPTH)
                return True
            self.host.inflight.spawn(self._deliver(fact, handlers, community, depth + 1))
        return True

    async def flush(self) -> None:
        """Wait until every fact published so far is in the log."""
        await self.host.writer(facts_log).flush()

    def _handlers(self, fact: Fact) -> list[Callable[[Fact], Awaitable[Any]]]:
        """The handlers of this fact's type in its community, in order: walked once per type and cogs list."""
        cogs = self.host.cogs_of(fact.community)
        key = (type(fact), id(cogs))
        cached = self._found.get(key)
        if cached is not None and cached[0] is cogs:
            return cached[1]
        found: list[tuple[int, int, Callable[[Fact], Awaitable[Any]]]] = []
        for i, cog in enumerate(cogs):
            for ftype, priority, method in cog.table().facts:
                if isinstance(fact, ftype):
                    found.append((priority, i, getattr(cog, method)))
        found.sort(key=lambda h: (h[0], h[1]))
        if len(self._found) > 1000:  # many reloads: start over rather than grow
            self._found.clear()
        handlers = [h for _p, _i, h in found]
        self._found[key] = (cogs, handlers)
        return handlers

    async def _deliver(self, fact: Fact, handlers: list[Callable[[Fact], Awaitable[Any]]],
                       community: Community, depth: int) -> None:
        _depth.set(depth)  # this task's own context
        actions: list[Action] = []
        for handler in handlers:
            try:
                result = await handler(fact)
            except Exception:
                log.exception("%s failed on fact %s", getattr(handler, "__qualname__", handler), fact.kind())
                if self.telemetry is not None:
                    owner = getattr(getattr(handler, "__self__", None), "name", "core")
                    self.telemetry.failed(str(owner), fact.kind())
                continue
            if isinstance(result, Action):
                actions.append(result)
            elif isinstance(result, Iterable):
                actions.extend(a for a in result if isinstance(a, Action))
        if actions:
            await self.host.gate.perform_all(actions, community)
