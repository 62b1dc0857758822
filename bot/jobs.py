"""Job routing: a due job reaches the method of its cog in its community, whichever instance is current.

Calendar occurrences are jobs too: when one runs, the next occurrence of its calendar is stored
in the same transaction (see :mod:`bot.calendars`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.calendars import Calendar, reconcile, schedule_next
from bot.clock import Clock
from bot.cog import Cog
from bot.scheduler import JobRun, Scheduler

log = logging.getLogger(__name__)


class JobRouter:
    """Registers each cog's ``@job`` kinds and calendars with the scheduler, looking the cog up when a job runs."""

    def __init__(self, scheduler: Scheduler, cogs_of: Callable[[str], Sequence[Cog]], clock: Clock) -> None:
        self.scheduler = scheduler
        self.cogs_of = cogs_of
        self.clock = clock
        self.calendars: dict[tuple[str, str], Calendar] = {}  # (community, cog.name) -> calendar

    async def register(self, cogs: Iterable[Cog], communities: Iterable[str]) -> None:
        """Route ``<cog>.<kind>`` jobs of these cogs (a reload re-registers the same kinds), then reconcile
        the calendars each community declares (``@every`` and ``ctx.calendar``) with the jobs table."""
        by_community: dict[str, list[Calendar]] = {}
        for cog in cogs:
            for kind, method in cog.table().jobs.items():
                self.scheduler.register(f"{cog.name}.{kind}", self._route(cog.name, method))
            declared = [Calendar(cog.name, name, when, cog.ctx.zone(tz), f"{cog.name}.{name}")
                        for name, when, tz, _method in cog.table().calendars]
            for name, _when, _tz, method in cog.table().calendars:
                self.scheduler.register(f"{cog.name}.{name}", self._route(cog.name, method))
            for cal in [*declared, *cog.ctx.calendars]:
                community = cog.ctx.community.name
                self.calendars[(community, cal.ident)] = cal
                by_community.setdefault(community, []).append(cal)
        for name in communities:  # start and reload: no duplicates, removed calendars cancelled
            await reconcile(self.scheduler, name, by_community.get(name, []), self.clock.now())

    def _route(self, cog_name: str, method: str) -> Callable[[JobRun], Any]:
        async def route(run: JobRun) -> None:
            community = run.community or ""
            for cog in self.cogs_of(community):
                if cog.name == cog_name:
                    await getattr(cog, method)(run)
                    cal = self.calendars.get((community, str(run.payload.get("calendar", ""))))
                    if cal is not None:  # the next occurrence commits with this one's completion
                        await schedule_next(run.session, cal, community, run.due_at, self.clock.now())
                    return
            log.warning("job %s: cog %s is not enabled in community %s; nothing to do",
                        run.key, cog_name, run.community)
        return route
