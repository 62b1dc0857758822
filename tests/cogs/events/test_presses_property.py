"""Random presses by random members in any order keep the card, the database and the DMs consistent."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import EditMessage, Reply
from tests.cogs.events.conftest import create, dms, posts, start

PEOPLE = ("ann", "ben", "cat", "dev", "eli")
PRESS = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from((0, 1, 2))), max_size=25)


async def _scenario(folder: Path, presses: list[tuple[str, int]]) -> None:
    h = await start(f"sqlite+aiosqlite:///{folder / 'steward.db'}")
    try:
        buttons = posts(await create(h, "tomorrow 18:00", details="capacity 2"))[0].content.buttons
        going: list[str] = []
        waiting: list[str] = []
        for who, index in presses:
            done = await h.press(who, buttons[index])
            assert len([a for a in done if isinstance(a, Reply)]) == 1  # every press is answered, once
            for lst in (going, waiting):
                if who in lst and index != 0:
                    lst.remove(who)
            if index == 0 and who not in going and who not in waiting:
                (going if len(going) < 2 and not waiting else waiting).append(who)
            promoted = []
            while waiting and len(going) < 2:
                promoted.append(waiting.pop(0))
                going.append(promoted[-1])
            assert sorted(u for u in PEOPLE if any("A seat freed up" in d for d in dms(done, u))) == sorted(promoted)
            cards = [a.content.plain() for a in done if isinstance(a, EditMessage)]
            if cards:
                found = re.search(r"Going (\d+) .* (\d+) seat", cards[-1])
                assert found and int(found.group(1)) == len(going) <= 2 and int(found.group(2)) == 2 - len(going)
    finally:
        await h.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PRESS)
def test_random_presses_keep_capacity_waitlist_and_card_consistent(presses: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_scenario(Path(folder), presses))
