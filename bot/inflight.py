"""Events being handled right now, so stopping (and tests) can wait until all of them are done."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class InFlight:
    """Tracks the tasks handling events."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` as a tracked task; a cancelled caller does not cancel the work."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        try:
            await asyncio.shield(task)
        finally:
            self._tasks.discard(task)

    async def idle(self) -> None:
        """Wait until every piece of work handed in so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
