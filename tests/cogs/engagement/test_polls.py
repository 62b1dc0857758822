"""Polls through the real dispatcher on SQLite and PostgreSQL: buttons, one vote each, moves, close."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.facts import PollClosed
from bot.outbox import outbox_table
from bot.testing import Harness
from tests.cogs.engagement.conftest import cog, edits, posts, replies


async def test_a_poll_posts_a_card_with_a_button_per_option(h: Harness) -> None:
    done = await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi')
    [card] = posts(done)
    assert [b.label for b in card.content.buttons] == ["Pizza", "Sushi"]
    assert card.content.plain().startswith("📊 Poll #1: Pizza or sushi?\nPizza — 0 · ░░░░░░░░░░░░ 0%\n")
    assert replies(done) == ["Poll #1 is up; it closes Tue 6 Jan 2026, 12:00 GMT. Close it sooner with /poll close 1."]


async def test_one_vote_per_member_a_moved_vote_counts_once_and_the_card_is_edited(h: Harness) -> None:
    card = posts(await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi'))[0]
    pizza, sushi = card.content.buttons
    first = await h.press("bob", pizza)
    assert replies(first) == ["You voted for “Pizza” (press another option to change it)."]
    [edit] = edits(first)
    assert "Pizza — 1 · ████████████ 100% · @bob" in edit.content.plain()
    assert not posts(first)  # the card is edited, never reposted
    moved = await h.press("bob", sushi)
    assert replies(moved) == ["Your vote moved from “Pizza” to “Sushi”."]
    text = edits(moved)[0].content.plain()
    assert "Pizza — 0 ·" in text and "Sushi — 1 · ████████████ 100% · @bob" in text and "1 voter(s)" in text
    await h.press("carol", sushi)
    again = await h.press("carol", sushi)
    assert replies(again) == ["Your vote for “Sushi” is taken back."]
    assert edits(again)[0].message == edit.message  # always the same card


async def test_the_result_at_close_and_a_vote_after_it(h: Harness) -> None:
    card = posts(await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi 2h'))[0]
    pizza, sushi = card.content.buttons
    for who, b in (("bob", pizza), ("carol", sushi), ("dan", pizza)):
        await h.press(who, b)
    closed = await h.advance(hours=2)
    [results] = posts(closed)
    assert results.content.plain() == ("🏁 Poll #1 closed: Pizza or sushi?\n████████░░░░ 67% Pizza (2)\n"
                                       "████░░░░░░░░ 33% Sushi (1)\nWinner: Pizza with 2 of 3 vote(s).")
    assert not edits(closed)[0].content.buttons  # the final card has no buttons
    late = await h.press("eve", sushi)
    assert replies(late) == ["Poll #1 closed Mon 5 Jan 2026, 14:00 GMT; votes are no longer counted."]
    assert not edits(late)
    [fact] = await cog(h).ctx.facts((PollClosed,))
    assert (fact.poll, fact.votes) == ("1", 3)


async def test_multiple_lets_a_member_choose_several(h: Harness) -> None:
    card = posts(await h.command("alice", '/poll "Which days?" Mon Tue Wed multiple'))[0]
    mon, tue, _wed = card.content.buttons
    await h.press("bob", mon)
    both = await h.press("bob", tue)
    assert replies(both) == ["You voted for “Tue” (you can choose several)."]
    assert "1 voter(s) · several choices each" in edits(both)[0].content.plain()


async def test_bad_polls_are_answered(h: Harness) -> None:
    cases = {
        "/poll": 'Ask with /poll "Pizza or sushi?" Pizza Sushi',
        '/poll "Lonely?" Yes': "A poll needs at least 2 options",
        '/poll "Many?" ' + " ".join(f"o{i}" for i in range(26)): "A poll takes at most 25 options",
        '/poll "Twice?" Tea tea': "The option “tea” is there twice",
        '/poll "Long?" A B 90d': "A poll runs at most 4w2d; 12w6d is longer.",
        '/poll "Short?" A B 10s': "A poll runs at least 1m",
        "/poll close 7": "There is no poll #7.",
        '/poll "Label?" Short ' + "x" * 81: "Option 2 is 81 characters; a button label holds 80.",
        "/poll close": "Which poll?",
    }
    for i, (line, expected) in enumerate(cases.items()):
        assert expected in replies(await h.command(f"member{i}", line))[0], line


async def test_a_burst_of_presses_edits_the_card_twice_and_the_last_edit_has_the_final_tally(h: Harness) -> None:
    outbox = h.runtime.effects.outbox
    outbox.edits.windows["memory"] = timedelta(seconds=1)  # as on Discord and Slack
    card = posts(await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi'))[0]
    pizza, sushi = card.content.buttons
    burst = []
    presses = [(f"m{i}", pizza) for i in range(10)] + [(f"m{i}", sushi) for i in range(5)] + \
              [(f"m{i}", sushi) for i in range(10, 15)]  # inside one second: ten vote, five move, five more vote
    for who, option in presses:
        burst += await h.press(who, option)
    assert len(replies(burst)) == 20  # every member is answered at once
    [first] = edits(burst)  # the first press edits at once; the rest wait for the window
    assert "1 voter(s)" in first.content.plain()
    later = await h.advance(seconds=1)
    [last] = edits(later)  # one edit for the 19 presses since, showing the last tally
    assert last.message == first.message
    assert "Pizza — 5 ·" in last.content.plain() and "Sushi — 10 ·" in last.content.plain()
    assert "15 voter(s)" in last.content.plain()
    assert edits(await h.advance(minutes=5)) == []  # nothing was left behind
    async with h.runtime.db.session() as session:
        rows = (await session.execute(select(outbox_table.c.status, func.count()).where(
            outbox_table.c.key.like("%poll:1:v%")).group_by(outbox_table.c.status))).all()  # the presses' edits
    assert dict(rows) == {"done": 2, "replaced": 18}  # none pending, none reported as undelivered
    closed = await h.command("alice", "/poll close 1")
    assert "closed" in edits(closed + await h.advance(seconds=1))[-1].content.plain()  # the final card, always
