"""Staff typed in with ``:role`` arrive holding the role: onboarding does not welcome them as newcomers."""

from __future__ import annotations

from tests.adapters.console.example import Session


async def test_a_moderator_or_admin_typed_in_is_not_walked_through_onboarding(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        staff = await s.feed(":role mo Moderators", ":role ada Admins", "mo: /cases @ada")
        assert "[console] mo now has role Moderators" in staff and "[console] ada now has role Admins" in staff
        assert not any("Welcome to acme" in line or "just joined" in line or "Newcomers" in line for line in staff)
        newcomer = await s.feed("+bob")
        assert any("Welcome to acme, @bob!" in line for line in newcomer)  # the flow itself is still on
        assert "[action] role +Newcomers bob (onboarding)" in newcomer


async def test_an_unknown_role_neither_joins_nor_welcomes(sqlite_url: str) -> None:
    async with Session(sqlite_url) as s:
        out = await s.feed(":role zed Wizards")
        assert len(out) == 1 and out[0].startswith("[console] no role 'Wizards'; configured roles:")
        assert "zed" not in s.adapter.members
