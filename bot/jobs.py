"""Job routing: a due job reaches the method of its cog in its community, whichever instance is current."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.cog import Cog
from bot.scheduler import JobRun, Scheduler

log = logging.getLogger(__name__)


class JobRouter:
    """Registers each cog's ``@job`` kinds with the scheduler, looking the cog up when the job runs."""

    def __init__(self, scheduler: Scheduler, cogs_of: Callable[[str], Sequence[Cog]]) -> None:
        self.scheduler = scheduler
        self.cogs_of = cogs_of

    def register(self, cogs: Iterable[Cog]) -> None:
        """Route ``<cog>.<kind>`` jobs of these cogs (a reload re-registers the same kinds)."""
        for cog in cogs:
            for kind, method in cog.table().jobs.items():
                self.scheduler.register(f"{cog.name}.{kind}", self._route(cog.name, method))

    def _route(self, cog_name: str, method: str) -> Callable[[JobRun], Any]:
        async def route(run: JobRun) -> None:
            for cog in self.cogs_of(run.community or ""):
                if cog.name == cog_name:
                    await getattr(cog, method)(run)
                    return
            log.warning("job %s: cog %s is not enabled in community %s; nothing to do",
                        run.key, cog_name, run.community)
        return route
