"""Raid mode lives in the database: a restart or /reload keeps it, and its end undoes exactly what it did, once."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, KickMember, LockChannel, SetSlowmode
from bot.config import StewardConfig, load_config_text
from bot.testing import Harness, texts
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG


def channel_changes(actions: Sequence[Action]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for a in actions:
        if isinstance(a, SetSlowmode):
            out.append((f"slowmode #{a.channel.id}", a.seconds))
        elif isinstance(a, LockChannel):
            out.append((f"lock #{a.channel.id}", a.locked))
    return out


async def start(db_url: str, now: object = None) -> Harness:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, now=now)  # type: ignore[arg-type]
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("boss", "Admins", rank=20)
    return h


async def test_raid_survives_a_restart_and_raid_off_restores_once(db_url: str) -> None:
    h = await start(db_url)
    try:
        on = await h.command("mo", "/raid on")
        assert channel_changes(on) == [("slowmode #general", 30), ("lock #general", True)]
        now = h.clock.now()
    finally:
        await h.close()
    h = await start(db_url, now)  # a new process on the same database
    try:
        assert texts(await h.command("mo", "/raid on")) == ["Raid mode is already on."]
        assert len([a for a in await h.join("r1") if isinstance(a, KickMember)]) == 1
        off = await h.command("mo", "/raid off")
        assert channel_changes(off) == [("slowmode #general", 0), ("lock #general", False)]
        assert "Raid mode is off." in texts(off)
        assert texts(await h.command("mo", "/raid off")) == ["Raid mode is not on."]
        assert await h.advance(minutes=20) == []  # the end job of the first process was cancelled
        assert [a for a in await h.join("late") if isinstance(a, KickMember)] == []
    finally:
        await h.close()


async def test_raid_end_job_after_a_restart_restores_once(db_url: str) -> None:
    h = await start(db_url)
    try:
        for name in ("r1", "r2", "r3", "r4"):
            await h.join(name)
        now = h.clock.now()
    finally:
        await h.close()
    h = await start(db_url, now)
    try:
        ended = await h.advance(minutes=11)
        assert channel_changes(ended) == [("slowmode #general", 0), ("lock #general", False)]
        assert any("Raid mode OFF (by Steward (timer))" in t for t in texts(ended))
        assert texts(await h.command("mo", "/raid off")) == ["Raid mode is not on."]
        assert await h.advance(hours=1) == []
    finally:
        await h.close()


async def test_raid_puts_back_the_previous_settings_and_a_manual_lock_supersedes_it(db_url: str) -> None:
    h = await start(db_url)
    try:
        await h.command("mo", "/slowmode 10s")
        on = await h.command("mo", "/raid on")
        assert channel_changes(on) == [("slowmode #general", 30), ("lock #general", True)]
        await h.command("mo", "/lock")  # a moderator decides the channel stays locked
        ended = await h.advance(minutes=11)
        assert channel_changes(ended) == [("slowmode #general", 10)]  # back to 10s; the lock stays
    finally:
        await h.close()


async def test_reload_mid_raid_keeps_it(db_url: str) -> None:
    h = await start(db_url)

    def loader() -> StewardConfig:
        new = load_config_text(CONFIG, cogs={"moderation": COG.settings_model}, env={})
        return new.model_copy(update={"storage": h.runtime.config.storage})

    h.runtime.loader = loader
    try:
        await h.command("mo", "/raid on")
        assert texts(await h.command("boss", "/reload")) == ["Config reloaded."]
        assert len([a for a in await h.join("r1") if isinstance(a, KickMember)]) == 1
        off = await h.command("mo", "/raid off")
        assert channel_changes(off) == [("slowmode #general", 0), ("lock #general", False)]
        assert await h.advance(minutes=20) == []
    finally:
        await h.close()
