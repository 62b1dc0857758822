"""A member who already holds a moderator or admin role when they arrive is staff, not a newcomer."""

from __future__ import annotations

from bot.events import MemberJoined
from bot.testing import Harness
from tests.cogs.onboarding.conftest import dms, posts


async def arrive(h: Harness, name: str, *roles: str) -> list[object]:
    """``name`` joins already holding ``roles`` (as staff added by a platform's own tools do)."""
    user = h.add_member(name, *roles)
    return list(await h.send(MemberJoined(**h._base(), member=user, name=name, account_created_at=h.clock.now())))


async def test_moderators_and_admins_arriving_are_not_onboarded(h: Harness) -> None:
    for name, role in (("mona", "Moderators"), ("abe", "Admins")):
        assert await arrive(h, name, role) == []
        [status] = [a.content.plain() for a in await h.command("ada", f"/onboarding status {name}")  # type: ignore[attr-defined]
                    if hasattr(a, "content")]
        assert "active" not in status, status
    joined = await arrive(h, "newbie")  # anyone else still is
    assert posts(joined, "welcome") and dms(joined, "newbie")  # type: ignore[arg-type]
