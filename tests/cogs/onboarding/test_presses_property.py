"""Any presses, by anyone, in any order, on any card ever sent: each gets an answer, nothing crashes, and a
member's roles and steps only ever come from their own presses."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import AddRole, Reply, SendDirect, SendMessage
from bot.components import Button
from cogs.onboarding import store
from tests.cogs.onboarding.conftest import start

PEOPLE = ("ann", "ben")
JUNK = (Button("junk", "onboarding:pick", "x:y:z"), Button("junk", "onboarding:agree", "99:rules"),
        Button("junk", "onboarding:pick", "1:gone:python"), Button("junk", "onboarding:done", "1:interests:extra"),
        Button("junk", "onboarding:hi", "abc"), Button("junk", "onboarding:verify", "1:maybe"),
        Button("junk", "onboarding:skip", "p1:found-us"))
PRESS = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 200), st.booleans()), max_size=20)


async def _scenario(folder: Path, presses: list[tuple[str, int, bool]]) -> None:
    h = await start(f"sqlite+aiosqlite:///{folder / 'steward.db'}")
    try:
        seen: list[Button] = []
        for name in PEOPLE:
            for action in await h.join(name):
                seen += list(getattr(getattr(action, "content", None), "buttons", ()))
        for who, pick, junk in presses:
            button = JUNK[pick % len(JUNK)] if junk or not seen else seen[pick % len(seen)]
            done = await h.press(who, button)
            answered = [a for a in done if isinstance(a, Reply | SendDirect | SendMessage)]
            assert answered, f"{who} pressed {button} and heard nothing"
            for action in done:
                seen += list(getattr(getattr(action, "content", None), "buttons", ()))
                if isinstance(action, AddRole) and action.role.id != "Newcomers":
                    owner = next(b for b in (button,) if b.value.split(":")[0].isdigit())
                    person = await h.runtime.members.persons.get("acme", action.user)
                    assert owner.value.split(":")[0] == str(int(person)), "a role went to someone who didn't press"
        async with h.runtime.db.session() as session:
            for name in PEOPLE:
                person = await h.runtime.members.persons.get("acme", h.user(name))
                row = await store.get(session, "acme", person)
                assert row is not None and set(row.done) <= {"welcome", "rules", "interests", "timezone",
                                                            "found-us", "introduce", "resources"}
    finally:
        await h.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PRESS)
def test_random_presses_are_always_answered(presses: list[tuple[str, int, bool]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_scenario(Path(folder), presses))
