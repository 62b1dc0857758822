"""A console session in-process on the shipped example config, with every installed cog."""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from adapters.console import ConsoleAdapter
from adapters.console.settings import ConsoleSettings
from bot.clock import ManualClock
from bot.config.models import StorageConfig
from bot.runtime import Runtime
from steward.app import load
from steward.catalog import discover

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Session:
    """A started runtime with the console on the example config; ``feed`` types lines."""

    def __init__(self, db_url: str, *, config: Path = EXAMPLE) -> None:
        catalog = discover()
        loaded = load(config, catalog)
        self.config = loaded.model_copy(update={"storage": StorageConfig(url=db_url)})
        self.clock = ManualClock(START)
        self.out: list[str] = []
        self.files = tempfile.mkdtemp(prefix="steward-outbox-")  # files sent land here, not in the tree's data/
        self.adapter = ConsoleAdapter(self.config.community("acme"), self.clock, stdin=io.StringIO(""),
                                      out=self.out.append, interactive=False,
                                      settings=ConsoleSettings(outbox=self.files))
        self.runtime = Runtime(self.config, cogs=catalog.cogs, adapters=[self.adapter], clock=self.clock)

    async def __aenter__(self) -> Session:
        await self.runtime.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runtime.stop()
        shutil.rmtree(self.files, ignore_errors=True)

    async def feed(self, *lines: str) -> list[str]:
        """Type lines; returns what they printed."""
        before = len(self.out)
        for line in lines:
            await self.adapter.feed(line)
            await self.runtime.idle()
        return self.out[before:]


async def session(lines: str, db_url: str) -> list[str]:
    """Type a script into a fresh session; returns everything printed."""
    async with Session(db_url) as s:
        return await s.feed(*lines.splitlines())
