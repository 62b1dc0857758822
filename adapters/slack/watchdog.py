"""Warn in the log when a Socket Mode connection goes silent (no messages, no pongs)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("adapters.slack")


class Watchdog:
    """Tracks the last sign of life on the connection and alerts once per silence."""

    def __init__(self, silence: float, *, pong_time: Callable[[], float | None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        self.silence = silence
        self.pong_time = pong_time
        self.clock = clock
        self.last = clock()
        self.alerted = False
        self._task: asyncio.Task[None] | None = None

    async def saw(self, _message: Any = None) -> None:
        """A message arrived (an on_message listener of the Socket Mode client)."""
        self.last = self.clock()

    def quiet_for(self) -> float:
        """Seconds since the last message or pong."""
        pong = self.pong_time() or 0.0
        return self.clock() - max(self.last, pong)

    def check(self) -> None:
        """Alert when silent too long; note when the connection speaks again."""
        quiet = self.quiet_for()
        if quiet >= self.silence and not self.alerted:
            self.alerted = True
            log.warning("slack: the Socket Mode connection has been silent for %.0fs (no events, no pongs); "
                        "slack-sdk will reconnect — if this repeats, check the network and the app token", quiet)
        elif quiet < self.silence and self.alerted:
            self.alerted = False
            log.info("slack: the Socket Mode connection is alive again")

    def start(self) -> None:
        """Check in the background."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        interval = max(0.05, min(self.silence / 3, 10.0))
        while True:
            await asyncio.sleep(interval)
            self.check()

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
