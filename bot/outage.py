"""While the database is away: what chat handling still does, and what the mod log hears when it returns.

The rule every process applies (the README's "When PostgreSQL restarts"):

- Events keep being handled from memory: moderation's windows, the command limit and raid mode
  live in the process, so its decisions are still made.
- An effect that cannot be written to the outbox because the database is unreachable is carried
  out at once, without a record, when it only touches messages — deleting one (or a batch), or
  answering the person in front of Steward. Without a record it cannot be retried or
  de-duplicated, which for these costs little, and harmful text does not stay up.
- Everything else (a timeout, kick or ban, a role, a DM, a post) is not done without its record:
  a sanction with no case could not be undone, appealed or expired. It is listed instead.
- What could not be recorded — a cog's writes for an event (a case, a reminder, a vote), rows of
  the batching writers (activity counters, the facts log), events handled without the
  cross-process duplicate check or handled here because they could not be relayed — is counted
  per community. When the database answers again, one post per community in its mod log says
  what, and for how long the database was away; the post's outbox key names this process and
  the outage, so it goes out once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bot.actions import Action, BulkDelete, DeleteMessage, Reply
from bot.clock import Clock
from bot.content import Content, Segment, fmt

log = logging.getLogger(__name__)

# effects carried out without their record while the database is away (see the module's rule)
SAFE_WITHOUT_RECORD: tuple[type[Action], ...] = (DeleteMessage, BulkDelete, Reply)
# SQLSTATE classes and codes of "the server is not there": connection exceptions, shutting down,
# starting up
_GONE_STATES = ("08", "57P01", "57P02", "57P03")
MAX_LINES = 12
GLOBAL: str = ""  # losses that belong to no one community (event ids not checked)


def unreachable(exc: BaseException) -> bool:
    """Whether an exception means the database could not be reached (rather than a bad statement)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    for found in _chain(exc):
        if isinstance(found, (ConnectionError, TimeoutError)) or type(found) is OSError:
            return True
        if isinstance(found, DBAPIError) and found.connection_invalidated:
            return True
        if isinstance(found, (InterfaceError, OperationalError)):
            return True
        state = getattr(found, "sqlstate", None) or getattr(found, "pgcode", None)
        if isinstance(state, str) and state.startswith(_GONE_STATES):
            return True
        if type(found).__module__.startswith("asyncpg") and type(found).__name__ in (
                "ConnectionDoesNotExistError", "InterfaceError", "InternalClientError", "ConnectionFailureError"):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen or len(seen) > 20:
            continue
        seen.add(id(item))
        yield item
        orig = getattr(item, "orig", None)
        todo += [item.__cause__, item.__context__, orig if isinstance(orig, BaseException) else None]


@dataclass
class Losses:
    """One community's count of what was not recorded, done without a record, or not done."""

    lost: Counter[str] = field(default_factory=Counter)
    unrecorded: Counter[str] = field(default_factory=Counter)
    not_done: Counter[str] = field(default_factory=Counter)
    platforms: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lost or self.unrecorded or self.not_done)


class Outage:
    """What this process could not record while the database was away, per community."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.since: datetime | None = None
        self.losses: dict[str, Losses] = {}

    @property
    def away(self) -> bool:
        """Whether something was lost since the database was last seen (a report is due when it returns)."""
        return self.since is not None

    def down(self) -> None:
        """The database did not answer (the first time starts the outage)."""
        if self.since is None:
            self.since = self.clock.now()
            log.error("database unreachable: chat handling goes on from memory; what cannot be recorded is "
                      "counted for the mod log")

    def _of(self, community: str | None, platform: str | None) -> Losses:
        self.down()
        losses = self.losses.setdefault(community or GLOBAL, Losses())
        if platform and platform not in losses.platforms:
            losses.platforms.append(platform)
        return losses

    def lost(self, community: str | None, what: str, n: int = 1, *, platform: str | None = None) -> None:
        """``n`` things of ``what`` could not be recorded in ``community``."""
        self._of(community, platform).lost[what] += n

    def unrecorded(self, community: str | None, what: str, *, platform: str | None = None) -> None:
        """An effect was carried out without its outbox record."""
        self._of(community, platform).unrecorded[what] += 1

    def not_done(self, community: str | None, what: str, *, platform: str | None = None) -> None:
        """An effect was not carried out because its record could not be written."""
        self._of(community, platform).not_done[what] += 1

    def take(self) -> tuple[datetime | None, dict[str, Losses]]:
        """The outage's start and its losses per community (the global ones folded into each); resets."""
        since, losses = self.since, self.losses
        self.since, self.losses = None, {}
        shared = losses.pop(GLOBAL, None)
        if shared:
            for own in losses.values():
                own.lost.update(shared.lost)
        return since, {c: v for c, v in losses.items() if v} | ({GLOBAL: shared} if shared and not losses else {})


def report(since: datetime, until: datetime, losses: Losses) -> Content:
    """The mod-log post: how long the database was away, and what could not be recorded."""
    seconds = max(int((until - since).total_seconds()), 1)
    away = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
    segments: list[Segment] = list(fmt(
        "The database was unreachable for about {away} (from {start} UTC). Chat was handled from memory "
        "meanwhile; this is what could not be recorded:", away=away, start=since.strftime("%H:%M:%S")).segments)
    lines = [fmt("not recorded: {what} × {n}", what=what, n=n) for what, n in losses.lost.most_common()]
    lines += [fmt("done without a record (cannot be retried or undone from Steward): {what} × {n}", what=what, n=n)
              for what, n in losses.unrecorded.most_common()]
    lines += [fmt("not done (it needs its record; do it by hand if still wanted): {what} × {n}", what=what, n=n)
              for what, n in losses.not_done.most_common()]
    for line in lines[:MAX_LINES]:
        segments += ["\n• ", *line.segments]
    if len(lines) > MAX_LINES:
        segments += fmt("\n…and {n} more kinds (see the log).", n=len(lines) - MAX_LINES).segments
    return Content(tuple(segments))
