"""A case's effects (its DM, sanction, mod-log post) are staged in the case's own transaction: a crash
right after the case's commit neither loses nor repeats them, and a case rolled back sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.actions import Action, BanMember, KickMember, SendDirect, SendMessage, UnbanMember
from bot.components import Button
from bot.outbox import outbox_table
from bot.testing import Harness
from cogs.moderation import COG
from cogs.moderation.models import CaseRow
from tests.cogs.moderation.conftest import CONFIG


class Crash(Exception):
    """The process dying: nothing after this point runs."""


def told(actions: list[Action], case: int) -> tuple[list[SendDirect], list[SendMessage]]:
    dms = [a for a in actions if isinstance(a, SendDirect) and f"case #{case}" in a.content.plain()]
    posts = [a for a in actions if isinstance(a, SendMessage) and a.channel.id == "mod-log"
             and f"Case #{case} · warn" in a.content.plain()]
    return dms, posts


async def dying_moderation(db_url: str) -> tuple[Harness, Any, Any]:
    """A Steward with a moderator and bob, its moderation cog, and a case writer that commits its batch
    and then dies with the process (its senders stopped first, so nothing goes out in that run)."""
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("bob")
    cog = h.runtime.cogs_of("acme")[1]
    outbox = h.runtime.effects.outbox
    write = cog.cases._write

    async def dies_after_the_commit(items: list[Any]) -> Any:
        await outbox.stop()  # the senders die with the process: nothing goes out in this run
        await write(items)  # the case (and whatever was staged with it) commits...
        raise Crash  # ...and the process dies before the handler goes on
    return h, cog, dies_after_the_commit


async def cases(h: Harness) -> int:
    async with h.runtime.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(CaseRow))).scalar_one())


@pytest.mark.parametrize("how", ["warn", "automatic"])
async def test_a_crash_right_after_the_case_commits_still_sends_its_effects_once(db_url: str, how: str) -> None:
    h, cog, dies_after_the_commit = await dying_moderation(db_url)
    cog.cases.writer._run = dies_after_the_commit
    try:
        if how == "warn":
            first = await h.command("mo", "/warn bob rude")
        else:
            first = await h.post("bob", "win at the casino")
        assert await cases(h) == 1
        assert told(first, 1) == ([], [])  # nothing reached the platform before the crash
    finally:
        await h.close()
    again = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        await again.advance(seconds=1)
        dms, posts = told(list(again.performed), 1)  # from start-up on
        assert len(dms) == 1 and len(posts) == 1, (dms, posts)  # after the restart: each once
        assert await cases(again) == 1
        await again.advance(minutes=5)
        assert told(list(again.performed), 1) == (dms, posts)  # and never again
    finally:
        await again.close()
    third = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        await third.advance(minutes=1)
        assert told(list(third.performed), 1) == ([], [])  # nor after another restart
    finally:
        await third.close()


async def test_a_case_rolled_back_sends_nothing(h: Harness) -> None:
    h.add_member("bob")
    cog = h.runtime.cogs_of("acme")[1]
    effect = cog.ctx.effect
    staged: list[str] = []

    async def fails_on_the_post(session: Any, action: Action, *, key: str, **kw: Any) -> Any:
        staged.append(key)
        if ":modlog:" in key:
            raise RuntimeError("the database went away")  # inside the case's transaction
        return await effect(session, action, key=key, **kw)
    cog.ctx.effect = fails_on_the_post
    performed = await h.post("bob", "win at the casino")
    performed += await h.advance(minutes=5)
    assert staged and any(":dm" in k for k in staged)  # the DM was staged before the post failed...
    assert await cases(h) == 0  # ...the case rolled back...
    assert told(performed, 1) == ([], [])  # ...and so did its DM: nobody hears of a case that isn't on file
    async with h.runtime.db.session() as session:
        keys = (await session.execute(select(outbox_table.c.key))).scalars().all()
    assert not [k for k in keys if ":case:" in k]


async def test_a_crash_right_after_a_tempban_commits_still_ends_the_ban_once(db_url: str) -> None:
    """The ban's end is booked with the case and its ban: a process dying after that commit, before the
    handler goes on, leaves a ban that still ends, once (the e2e SIGKILL test does it through the CLI)."""
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("bob")
    cog = h.runtime.cogs_of("acme")[1]
    write = cog.cases._write

    async def dies_after_the_commit(items: list[Any]) -> Any:
        await write(items)  # the case, its ban (sent once this commits) and its end...
        raise Crash  # ...and the handler never goes on
    cog.cases.writer._run = dies_after_the_commit
    try:
        performed = await h.command("mo", "/ban bob 1h raiding")
        assert [a for a in performed if isinstance(a, BanMember)] and "bob" in h.adapter.banned
        job = await cog.ctx.job("expire:1")
        assert job is not None and job.status == "pending"
    finally:
        await h.close()
    again = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    again.adapter.banned.add("bob")  # the platform still has the ban; the new fake starts empty
    try:
        performed = await again.advance(hours=1, minutes=1)
        lifts = [a for a in performed if isinstance(a, UnbanMember)]
        ended = [a for a in performed if isinstance(a, SendMessage) and "Case #1 ended" in a.content.plain()]
        assert len(lifts) == 1 and len(ended) == 1 and "bob" not in again.adapter.banned
        performed = await again.advance(hours=2)
        assert not [a for a in performed if isinstance(a, UnbanMember)]  # once
    finally:
        await again.close()


def button(actions: list[Action], label: str) -> Button:
    return next(b for a in actions if isinstance(a, SendMessage) for b in a.content.buttons if b.label == label)


@pytest.mark.parametrize("how", ["review-ban", "raid"])
async def test_a_crash_between_writing_and_sending_neither_loses_nor_doubles_a_ban_or_a_raid_kick(
        db_url: str, how: str) -> None:
    """The review's Ban button and a raider's kick are staged with their case, as every case's effects."""
    h, cog, dies_after_the_commit = await dying_moderation(db_url)
    try:
        if how == "review-ban":
            alert = await h.post("bob", "freenitro")
            cog.cases.writer._run = dies_after_the_commit
            first = await h.press("mo", button(alert, "Ban"))
        else:
            for name in ("r1", "r2", "r3"):
                await h.join(name)
            cog.cases.writer._run = dies_after_the_commit
            first = await h.join("r4")
        assert not [a for a in first if isinstance(a, (BanMember, KickMember))]  # nothing reached the platform
    finally:
        await h.close()

    def effects(actions: list[Action]) -> list[str]:
        out = []
        for a in actions:
            if (isinstance(a, BanMember) and a.user.id == "bob") or (isinstance(a, KickMember) and a.user.id == "r4"):
                out.append(type(a).__name__)
            elif isinstance(a, SendDirect) and "You were banned" in a.content.plain():
                out.append("dm")
            elif isinstance(a, SendMessage) and a.channel.id == "mod-log" and "Case #2 · ban" in a.content.plain():
                out.append("mod-log")
        return out
    again = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        await again.advance(seconds=1)
        wanted = ["dm", "BanMember", "mod-log"] if how == "review-ban" else ["KickMember"]
        assert effects(list(again.performed)) == wanted  # after the restart: each once, in order
        await again.advance(minutes=5)
        assert effects(list(again.performed)) == wanted  # and never again
    finally:
        await again.close()
    third = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        await third.advance(minutes=1)
        assert effects(list(third.performed)) == []  # nor after another restart
    finally:
        await third.close()
