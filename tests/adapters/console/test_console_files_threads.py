"""The console shows times in the community's zone, prints and writes files, and shows threads."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from adapters.console import ConsoleAdapter
from adapters.console.settings import ConsoleSettings
from bot.actions import Action, CreateThread, File, SendMessage
from bot.clock import ManualClock
from bot.cog import Cog, command
from bot.config import load_config_text
from bot.content import Content, Moment, text
from bot.events import CommandInvoked
from bot.runtime import Runtime

MEETUP_AT = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
CONFIG = """
communities:
  - name: acme
    timezone: Europe/Berlin
    channels: {general: "#general"}
    meetup: {}
"""


class Meetup(Cog):
    name = "meetup"

    @command("meetup", "Post the meetup with its invite and a thread.")
    async def meetup(self, event: CommandInvoked) -> list[Action]:
        channel = self.ctx.community.channel("general", event.platform)
        assert channel is not None
        [sent] = await self.ctx.perform(SendMessage(
            channel=channel, content=Content(("Meetup ", Moment(MEETUP_AT), ".")),
            files=(File("meetup.ics", ICS, "text/calendar"), File("../../etc/passwd", b"x"))))
        [thread] = await self.ctx.perform(CreateThread(channel=channel, name="Meetup chat", message=sent.message))
        return [SendMessage(channel=channel, content=text("Questions here"), thread=thread.message)]


async def test_time_file_and_thread_on_the_console(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    config = load_config_text(CONFIG.replace("communities:", f"storage: {{url: '{url}'}}\ncommunities:"),
                              cogs={"meetup": Meetup.settings_model}, env={})
    out: list[str] = []
    clock = ManualClock()
    adapter = ConsoleAdapter(config.communities[0], clock, stdin=io.StringIO("ann: /meetup\n"), out=out.append,
                             interactive=False, settings=ConsoleSettings(outbox=str(tmp_path / "outbox")))
    runtime = Runtime(config, cogs={"meetup": Meetup}, adapters=[adapter], clock=clock)
    await runtime.start()
    adapter.run_input()
    await adapter.done.wait()
    await runtime.stop()
    assert "(m1) [#general] steward: Meetup Mon 5 Jan 2026, 18:30 CET." in out  # the community's zone
    assert f"[file] meetup.ics (45 B) → {tmp_path / 'outbox' / 'm1-meetup.ics'}" in out
    assert (tmp_path / "outbox" / "m1-meetup.ics").read_bytes() == ICS
    assert (tmp_path / "outbox" / "m1-passwd").read_bytes() == b"x"  # a name never leaves the outbox
    assert "[thread] Meetup chat in #general (from m1)" in out
    assert "(m2) [#general › Meetup chat] steward: Questions here" in out
