"""Interest marked on the native Scheduled Event mirroring an event counts as Maybe; taking it back undoes that.

The cog on the memory platform (the Discord adapter's side is tests/adapters/discord/test_native_events.py).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.actions import ScheduleEvent
from bot.capabilities import Capability
from bot.events import InterestChanged
from bot.testing import Harness
from cogs.events import COG, store
from cogs.events.interest import interest
from cogs.events.rsvp import Answer, Change, Roster, Standing, State, answer
from tests.cogs.events.conftest import CONFIG, create, edits, posts, replies, start


async def _interest(h: Harness, native: str, name: str, interested: bool = True) -> list[str]:
    event = InterestChanged(**h._base(), native=native, user=h.user(name),
                            interested=interested)
    return edits(await h.send(event))


async def _native(h: Harness) -> str:
    async with h.runtime.db.session() as session:
        found = await store.by_number(session, "acme", 1)
    assert found is not None and found.native
    return found.native


async def test_interest_counts_as_maybe_and_taking_it_back_undoes_it(db_url: str) -> None:
    h = await start(db_url, "      native: true")
    try:
        going = posts(await create(h, "tomorrow 18:00", place="Room 4"))[0].content.buttons[0]
        native = await _native(h)
        [card] = await _interest(h, native, "bob")
        assert "Going 0 · Maybe 1 · Can't go 0" in card
        assert await _interest(h, native, "bob") == []  # a repeat changes nothing
        [card] = await _interest(h, native, "bob", interested=False)
        assert "Going 0 · Maybe 0 · Can't go 0" in card
        await h.press("carol", going)  # an answer on the card stands whatever carol does on Discord
        assert await _interest(h, native, "carol") == []
        assert await _interest(h, native, "carol", interested=False) == []
        await _interest(h, native, "dan")
        await h.press("dan", posts(h.performed)[0].content.buttons[1])  # dan confirms Maybe on the card himself
        assert await _interest(h, native, "dan", interested=False) == []
        assert "Going 1 · Maybe 1 · Can't go 0" in replies(await h.command("dan", "/event info 1"))[0]
        assert await _interest(h, "some-other-native-event", "erin") == []  # not one of ours: ignored
        await h.command("mod", "/event cancel 1")
        assert await _interest(h, native, "frank") == []  # a cancelled event takes no answers
    finally:
        await h.close()


_STEPS = st.lists(st.tuples(st.sampled_from(["alice", "bob", "carol"]),
                            st.sampled_from(["interest", "uninterest", "going", "maybe", "not_going"])), max_size=30)


@given(_STEPS, st.sampled_from([None, 1, 2]))
def test_interest_never_overrides_an_answer_and_undoes_only_itself(steps: list[tuple[str, str]],
                                                                   capacity: int | None) -> None:
    roster: Roster[str] = Roster(capacity=capacity)
    marked: set[str] = set()  # whose Maybe came from interest (what the cog keeps in the database)
    for who, step in steps:
        before = roster.standing(who)
        if step in ("interest", "uninterest"):
            change = interest(roster, who, step == "interest", from_interest=who in marked)
            if step == "interest":
                assert (change is None) == (before is not Standing.NONE)  # only a member with no answer
                if change is not None:
                    marked.add(who)
            else:
                assert (change is None) == (who not in marked or before is not Standing.MAYBE)
                marked.discard(who)
                if change is not None:
                    assert change.after is Standing.NONE
        else:
            result = answer(roster, who, Answer(step))
            assert isinstance(result, Change)
            change = result
            marked.discard(who)  # their own answer now
        if change is not None:
            roster = change.roster
        assert roster.capacity is None or len(roster.going) <= roster.capacity
        assert len(set(roster.everyone())) == len(roster.everyone())


def test_a_closed_occurrence_takes_no_interest() -> None:
    for state in (State.CANCELLED, State.FINISHED):
        assert interest(Roster(state=state), "bob", True, from_interest=False) is None


async def test_a_platform_without_native_events_gets_only_the_card(db_url: str) -> None:
    caps = [c for c in Capability if c is not Capability.SCHEDULED_EVENTS]  # as Slack: no native events
    h = await Harness.start(CONFIG.replace("{extra}", "      native: true"), db_url=db_url,
                            cogs={"events": COG}, capabilities=caps)
    try:
        h.add_member("mod", "Moderators")
        created = await create(h, "tomorrow 18:00")
        assert posts(created) and not [a for a in created if isinstance(a, ScheduleEvent)]
        assert not [p for p in posts(created, "mod-log")]  # not a refusal: the card is how members answer there
    finally:
        await h.close()
