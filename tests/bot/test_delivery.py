"""Files and threads where the platform cannot: the documented fallback, said in the mod log."""

from __future__ import annotations

from bot.actions import Action, CreateThread, File, SendMessage
from bot.capabilities import Capability
from bot.cog import Cog, command
from bot.content import text
from bot.events import CommandInvoked
from bot.testing import Harness, texts

CONFIG = """
communities:
  - name: acme
    channels: {general: "#general", modlog: "#mod-log"}
    poster: {}
"""


class Poster(Cog):
    name = "poster"

    @command("post", "Post a report with a file in a new thread.")
    async def post(self, event: CommandInvoked) -> list[Action]:
        channel = self.ctx.community.channel("general", event.platform)
        assert channel is not None
        [thread] = await self.ctx.perform(CreateThread(channel=channel, name="Weekly report",
                                                       content=text("This week in numbers")))
        assert thread.ok and thread.message is not None
        return [SendMessage(channel=channel, content=text("The figures:"), thread=thread.message,
                            files=(File("report.csv", b"a,b\n" * 300, "text/csv"),))]


async def test_no_files_no_threads_takes_the_fallback_and_says_so(sqlite_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=sqlite_url, cogs={"poster": Poster},
                            capabilities=set(Capability) - {Capability.FILES, Capability.THREADS})
    try:
        done = await h.command("ann", "/post")
        posts = [a for a in done if isinstance(a, SendMessage)]
        root, note1, reply, note2 = posts
        assert root.content.plain() == "Thread: Weekly report\nThis week in numbers"
        assert reply.files == () and reply.thread is None
        assert reply.reply_to is not None and reply.reply_to.id != ""  # answers the thread's first message
        assert reply.content.plain() == "The figures:\n[file report.csv (1.2 KB) could not be attached here]"
        assert [n.channel.id for n in (note1, note2)] == ["mod-log", "mod-log"]
        assert "has no threads" in texts([note1])[0]
        assert "can't attach files: the message went without report.csv" in texts([note2])[0]
    finally:
        await h.close()


async def test_with_files_and_threads_nothing_changes(sqlite_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=sqlite_url, cogs={"poster": Poster})
    try:
        done = await h.command("ann", "/post")
        assert [a for a in done if isinstance(a, CreateThread)]
        [reply] = [a for a in done if isinstance(a, SendMessage)]
        assert reply.thread is not None and [f.name for f in reply.files] == ["report.csv"]
    finally:
        await h.close()
