"""Linking accounts: codes, every refusal, merges, unlinking, the moderators' list."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text as sql

from bot.actions import Reply, SendDirect, SendMessage
from bot.refs import UserRef
from bot.testing import Harness, texts
from tests.cogs.identity.conftest import code_for, notes_cog, person


@pytest.mark.pg
async def test_a_code_from_discord_entered_on_slack_links_the_two_and_moves_every_cogs_rows(h: Harness) -> None:
    await notes_cog(h).add(UserRef("discord", "alice"), "said on discord")
    await notes_cog(h).add(UserRef("slack", "alice"), "said on slack")
    code = await code_for(h, "alice", "discord")
    done = await h.command("alice", f"/link {code.lower()}", platform="slack")  # any case
    [answer] = [a for a in done if isinstance(a, Reply)]
    assert "Linked (link #1)" in answer.content.plain() and "1 record(s) moved" in answer.content.plain()
    [notice] = [a for a in done if isinstance(a, SendDirect)]  # the other account hears of it
    assert notice.user == UserRef("discord", "alice") and "If that wasn't you" in notice.content.plain()
    kept = await person(h, "alice", "discord")
    assert await person(h, "alice", "slack") == kept
    assert await notes_cog(h).rows() == [(kept, "said on discord"), (kept, "said on slack")]
    [again] = texts(await h.command("alice", "/link", platform="slack"))
    assert "already linked" in again


@pytest.mark.pg
async def test_wrong_expired_reused_and_same_platform_codes_are_answered(h: Harness) -> None:
    [wrong] = texts(await h.command("bob", "/link ACD-EFG", platform="slack"))
    assert "That code is wrong" in wrong and "4 more tries" in wrong
    [shape] = texts(await h.command("bob", "/link hello there", platform="slack"))
    assert "isn't a link code" in shape
    code = await code_for(h, "bob", "discord")
    [same] = texts(await h.command("bob", f"/link {code}", platform="discord"))
    assert "other platform" in same
    await h.advance(minutes=11)
    [late] = texts(await h.command("bob", f"/link {code}", platform="slack"))
    assert "expired" in late
    code = await code_for(h, "bob", "discord")
    assert "Linked" in texts(await h.command("bob", f"/link {code}", platform="slack"))[0]
    [twice] = texts(await h.command("carol", f"/link {code}", platform="slack"))
    assert "already used" in twice
    assert await person(h, "carol", "slack") != await person(h, "bob", "slack")


@pytest.mark.pg
async def test_an_account_linked_elsewhere_is_refused_and_nothing_moves(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    await h.command("alice", f"/link {code}", platform="slack")
    code = await code_for(h, "mallory", "discord")
    [refused] = texts(await h.command("alice", f"/link {code}", platform="slack"))
    assert "already linked to a discord account" in refused
    assert await person(h, "mallory", "discord") != await person(h, "alice", "slack")
    [linked] = texts(await h.command("alice", "/link", platform="discord"))  # nothing left to link
    assert "already linked (discord, slack)" in linked


@pytest.mark.pg
async def test_guessing_is_cut_off_after_five_wrong_codes_even_for_the_right_one(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    for _ in range(5):
        await h.command("eve", "/link ACD-EFG", platform="slack")
    [stopped] = texts(await h.command("eve", f"/link {code}", platform="slack"))
    assert "Too many wrong codes" in stopped and "10m" in stopped
    assert await person(h, "eve", "slack") != await person(h, "alice", "discord")
    await h.advance(minutes=9)  # the code is still valid, the account still blocked
    assert "Too many" in texts(await h.command("eve", f"/link {code}", platform="slack"))[0]
    others = texts(await h.command("alice", f"/link {code}", platform="slack"))[0]  # another account is not
    assert "Linked" in others


@pytest.mark.pg
async def test_codes_are_stored_hashed_and_a_new_code_replaces_the_old(h: Harness) -> None:
    first = await code_for(h, "alice", "discord")
    second = await code_for(h, "alice", "discord")
    async with h.runtime.db.session() as session:
        stored = [r[0] for r in (await session.execute(sql("SELECT digest FROM identity_codes"))).all()]
    assert len(stored) == 1 and all(first.replace("-", "") not in d and second.replace("-", "") not in d
                                    for d in stored)
    assert "wrong" in texts(await h.command("alice", f"/link {first}", platform="slack"))[0]
    assert "Linked" in texts(await h.command("alice", f"/link {second}", platform="slack"))[0]


@pytest.mark.pg
async def test_two_accounts_entering_one_code_at_once_link_once(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    h.add_member("x", platform="slack")
    h.add_member("y", platform="slack")
    results = await asyncio.gather(h.command("x", f"/link {code}", platform="slack"),
                                   h.command("y", f"/link {code}", platform="slack"))
    answers = {t for r in results for t in texts(r) if "(link #" in t or "already" in t}  # performed is shared
    assert sum(a.startswith("Linked") for a in answers) == 1 and sum("already" in a for a in answers) == 1
    alice = await person(h, "alice", "discord")
    assert [await person(h, n, "slack") == alice for n in ("x", "y")].count(True) == 1


@pytest.mark.pg
async def test_unlink_splits_the_joined_account_off_and_says_what_stays(h: Harness) -> None:
    await notes_cog(h).add(UserRef("slack", "alice"), "slack history")
    code = await code_for(h, "alice", "discord")
    await h.command("alice", f"/link {code}", platform="slack")
    kept = await person(h, "alice", "discord")
    [listed] = texts(await h.command("mo", "/links", platform="discord"))
    assert "#1 discord alice ↔ slack alice" in listed
    [answer] = texts(await h.command("alice", "/unlink", platform="slack"))
    assert "starts afresh" in answer and "can't split them back" in answer
    fresh = await person(h, "alice", "slack")
    assert fresh != kept and await person(h, "alice", "discord") == kept
    assert await notes_cog(h).rows() == [(kept, "slack history")]
    [nothing] = texts(await h.command("alice", "/unlink", platform="discord"))
    assert "nothing to undo" in nothing
    assert texts(await h.command("mo", "/links", platform="discord")) == ["No accounts are linked here."]


@pytest.mark.pg
async def test_a_moderator_undoes_a_link_and_a_member_cannot_undo_anothers(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    await h.command("alice", f"/link {code}", platform="slack")
    h.add_member("bob", platform="discord")
    [refused] = texts(await h.command("bob", "/unlink alice", platform="discord"))
    assert "Only moderators" in refused
    assert "for moderators" in texts(await h.command("bob", "/links", platform="discord"))[0]
    done = await h.command("mo", "/unlink alice", platform="discord")
    assert any("Unlinked (link #1)" in t for t in texts(done))
    assert any(isinstance(a, SendMessage) and a.channel.id == "mod-log" and "mo undid link #1" in a.content.plain()
               for a in done)
    assert await person(h, "alice", "slack") != await person(h, "alice", "discord")
