"""The feedback cog's effects of state changes are outbox entries written with the change: a follower's
notice and the mod log's line about a `who` look-up commit with what caused them and go out once, even
when the platform holds them past a restart."""

from __future__ import annotations

from sqlalchemy import select

from bot.actions import SendDirect, SendMessage
from bot.outbox import outbox_table
from bot.runtime import Runtime
from bot.testing import Harness
from cogs.feedback import COG
from tests.cogs.feedback.conftest import submit


async def rows(runtime: Runtime, prefix: str) -> list[tuple[str, str]]:
    async with runtime.db.session() as session:
        found = (await session.execute(select(outbox_table.c.key, outbox_table.c.status)
                                       .where(outbox_table.c.key.like(f"acme:{prefix}%")))).all()
    return [(r.key, r.status) for r in found]


async def test_a_notice_held_by_the_platform_waits_in_the_outbox_and_arrives_once_after_a_restart(h: Harness) -> None:
    await submit(h, "alice", "Bigger fonts")
    h.runtime.effects.outbox.pacers["memory"].hold("dm:alice", 600)  # the platform said: wait 10 minutes
    changed = await h.command("mo", '/feedback status 1 planned "in the March release"')
    assert not [a for a in changed if isinstance(a, SendDirect)]
    [(key, status)] = await rows(h.runtime, "feedback:notice:")
    assert status == "pending", "written with the change, not yet sent"
    runtime = h.runtime
    await runtime.stop()  # a restart while it waits
    before = len(h.adapter.performed)
    again = Runtime(runtime.config, cogs={"feedback": COG}, adapters=[h.adapter], clock=h.clock)
    await again.start()
    h.runtime = again
    await h.advance(minutes=11)
    await h.advance(minutes=30)
    performed = h.adapter.performed[before:]
    notices = [a for a in performed if isinstance(a, SendDirect) and "now planned" in a.content.plain()]
    assert len(notices) == 1 and notices[0].user.id == "alice"
    assert await rows(again, "feedback:notice:") == [(key, "done")]


async def test_a_who_look_up_is_logged_with_its_audit_row(h: Harness) -> None:
    await submit(h, "alice", "Bigger fonts")
    looked = await h.command("mo", "/feedback who 1") + await h.advance(seconds=1)
    [line] = [a for a in looked if isinstance(a, SendMessage) and a.channel.id == "mod-log"]
    assert "looked up who sent feedback #1" in line.content.plain()
    [(key, status)] = await rows(h.runtime, "feedback:who:")
    assert status == "done" and key.endswith(":memory")
