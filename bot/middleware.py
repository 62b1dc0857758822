"""The core's middleware: what every event passes before its handlers, and the per-event state they fill in."""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.actions import Action, Reply
from bot.community import Community
from bot.content import fmt
from bot.durations import format_duration
from bot.events import CommandInvoked, Event
from bot.permissions import Level

log = logging.getLogger("bot.dispatcher")  # the pipeline's one logger


class Dispatch:
    """Per-event state the middleware fills in (a plain slotted class: one is made for every event)."""

    __slots__ = ("actions", "community", "event", "level", "relayed")

    def __init__(self, event: Event, community: Community | None = None, level: Level = Level.MEMBER,
                 actions: list[Action] | None = None, relayed: bool = False) -> None:
        self.event = event
        self.community = community
        self.level = level
        self.actions: list[Action] = [] if actions is None else actions
        self.relayed = relayed  # handed over by another process, which already de-duplicated it (bot.relay)


Next = Callable[[Dispatch], Awaitable[None]]
Middleware = Callable[[Dispatch, Next], Awaitable[None]]


def only_for(middleware: Middleware) -> tuple[type[Event], ...] | None:
    """The event types a middleware declares it acts on (an ``only`` attribute), or None for all.

    A middleware that acts only on commands and interactions says so, and the chain built for a
    chat message leaves it out: every message would otherwise pass through it to no effect.
    """
    return getattr(middleware, "only", None)


class SeenElsewhere(Protocol):
    """Event ids claimed across processes (:class:`bot.relay.SharedSeen`)."""

    async def first(self, key: str) -> bool:
        ...


class Dedupe:
    """Drop an event whose platform event id was seen in the last ``size`` events.

    With several processes on one PostgreSQL, ``shared`` is also asked after the in-memory set,
    so an event delivered to two processes (a Slack retry on another connection) has one effect.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        # a set and the order its keys came in: a dict popped at the front slows down as the holes it
        # leaves pile up before the next resize (1.6 µs an event at 10k against 0.3)
        self.seen: set[tuple[str, str]] = set()
        self.order: deque[tuple[str, str]] = deque()
        self.shared: SeenElsewhere | None = None
        self.local: frozenset[str] = frozenset()  # platforms whose events reach one process only: no claim

    async def __call__(self, d: Dispatch, nxt: Next) -> None:
        key = (d.event.platform, d.event.event_id)
        seen = self.seen
        if key in seen:
            log.debug("dedupe: dropped %s", key)
            return
        seen.add(key)
        order = self.order
        order.append(key)
        if len(order) > self.size:
            seen.discard(order.popleft())
        if (self.shared is not None and not d.relayed and key[0] not in self.local
                and not await self.shared.first(f"{key[0]}:{key[1]}")):
            log.info("dedupe: %s was already handled by another process", key)
            return
        await nxt(d)


class RateLimit:
    """A per-member sliding-window limit on commands, on the injected clock.

    Every refused command is answered: the first of a burst with the limit, later ones briefly.
    """

    only = (CommandInvoked,)

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.hits: dict[tuple[str, str, str], deque[datetime]] = {}
        self.warned: dict[tuple[str, str, str], datetime] = {}

    async def __call__(self, d: Dispatch, nxt: Next) -> None:
        event = d.event
        if not isinstance(event, CommandInvoked) or d.community is None or d.level >= Level.MODERATOR:
            await nxt(d)
            return
        limits = d.community.config.commands
        key = (d.community.name, event.user.platform, event.user.id)
        now = self.now()
        hits = self.hits.setdefault(key, deque())
        while hits and now - hits[0] >= limits.window:
            hits.popleft()
        if len(hits) < limits.per_member:
            hits.append(now)
            await nxt(d)
            return
        wait = format_duration(timedelta(seconds=math.ceil((hits[0] + limits.window - now).total_seconds())))
        warned = self.warned.get(key)
        if warned is None or now - warned >= limits.window:
            self.warned[key] = now
            message = fmt("Slow down — you can use {n} commands every {w}. Try again in {wait}.",
                          n=limits.per_member, w=format_duration(limits.window), wait=wait)
        else:
            message = fmt("Still too fast — try again in {wait}.", wait=wait)
        d.actions.append(Reply(origin=event.origin, content=message))
