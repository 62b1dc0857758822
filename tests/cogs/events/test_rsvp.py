"""RSVPs: capacity, FIFO waitlist, promotions, changed answers, cancel; random presses keep the invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.refusal import Refusal
from cogs.events.rsvp import (
    Answer,
    Change,
    Reshuffle,
    Roster,
    Standing,
    State,
    answer,
    cancel,
    finish,
    merge,
    set_capacity,
    withdraw,
)


def press(roster: Roster[str], person: str, choice: Answer) -> Change[str]:
    change = answer(roster, person, choice)
    assert isinstance(change, Change), change
    return change


def full_house() -> Roster[str]:
    roster: Roster[str] = Roster(capacity=2)
    for person in ("ann", "bob", "cat", "dan"):
        roster = press(roster, person, Answer.GOING).roster
    return roster


def test_going_until_full_then_the_waitlist() -> None:
    roster = full_house()
    assert roster.going == ("ann", "bob") and roster.waitlist == ("cat", "dan")
    assert roster.counts().seats_left == 0 and roster.counts().waitlist == 2
    assert roster.position("dan") == 2


def test_a_freed_seat_promotes_the_next_in_line_and_says_who() -> None:
    change = press(full_house(), "bob", Answer.NOT_GOING)
    assert change.promoted == ("cat",)
    assert change.roster.going == ("ann", "cat") and change.roster.waitlist == ("dan",)
    assert change.before is Standing.GOING and change.after is Standing.NOT_GOING
    maybe = press(change.roster, "ann", Answer.MAYBE)
    assert maybe.promoted == ("dan",) and maybe.roster.maybe == ("ann",)


def test_double_presses_and_going_while_waiting_change_nothing() -> None:
    roster = full_house()
    again = press(roster, "ann", Answer.GOING)
    assert again.unchanged and again.roster == roster
    waiting = press(roster, "dan", Answer.GOING)
    assert waiting.unchanged and waiting.position == 2 and waiting.after is Standing.WAITLISTED


def test_leaving_the_waitlist_keeps_the_others_in_order() -> None:
    roster = press(full_house(), "cat", Answer.MAYBE).roster
    assert roster.waitlist == ("dan",) and roster.going == ("ann", "bob")
    back = press(roster, "cat", Answer.GOING)
    assert back.roster.waitlist == ("dan", "cat") and back.position == 2


def test_capacity_changes() -> None:
    roster = full_house()
    refused = set_capacity(roster, 1)
    assert isinstance(refused, Refusal) and "2 people are already going" in refused.reason
    assert isinstance(set_capacity(roster, 0), Refusal)
    raised = set_capacity(roster, 3)
    assert isinstance(raised, Reshuffle) and raised.promoted == ("cat",)
    unlimited = set_capacity(roster, None)
    assert isinstance(unlimited, Reshuffle) and unlimited.promoted == ("cat", "dan")
    assert unlimited.roster.counts().seats_left is None


def test_cancel_tells_everyone_who_answered_and_closes_answers() -> None:
    roster = press(press(full_house(), "eve", Answer.MAYBE).roster, "fay", Answer.NOT_GOING).roster
    result = cancel(roster)
    assert not isinstance(result, Refusal)
    closed, told = result
    assert set(told) == {"ann", "bob", "cat", "dan", "eve", "fay"}
    assert closed.state is State.CANCELLED
    refused = answer(closed, "ann", Answer.NOT_GOING)
    assert isinstance(refused, Refusal) and "cancelled" in refused.reason
    assert isinstance(cancel(closed), Refusal)
    over = answer(finish(roster), "gus", Answer.GOING)
    assert isinstance(over, Refusal) and "finished" in over.reason


def test_withdraw_and_merge() -> None:
    roster = full_house()
    gone = withdraw(roster, "ann")
    assert gone.promoted == ("cat",) and "ann" not in gone.roster.everyone()
    # dan (waiting) is the same person as bob (going): bob keeps his seat, dan's waitlist place goes.
    merged = merge(roster, "dan", "bob")
    assert merged.roster.going == ("ann", "bob") and merged.roster.waitlist == ("cat",)
    # eve said maybe; her other account cat is waiting: the merged person keeps cat's place in line.
    roster = press(roster, "eve", Answer.MAYBE).roster
    merged = merge(roster, "cat", "eve")
    assert merged.roster.waitlist == ("eve", "dan") and merged.roster.maybe == ()
    assert merge(roster, "nobody", "ann").roster == roster


people = st.sampled_from([f"p{i}" for i in range(8)])
steps = st.lists(st.one_of(
    st.tuples(st.just("press"), people, st.sampled_from(list(Answer))),
    st.tuples(st.just("capacity"), st.none(), st.one_of(st.none(), st.integers(min_value=0, max_value=6))),
    st.tuples(st.just("withdraw"), people, st.none()),
), max_size=60)


@settings(max_examples=400, deadline=None)
@given(capacity=st.one_of(st.none(), st.integers(min_value=1, max_value=5)), script=steps)
def test_random_presses_keep_every_invariant(capacity: int | None, script: list[tuple[str, object, object]]) -> None:
    roster: Roster[str] = Roster(capacity=capacity)
    expected: dict[str, Standing] = {}
    joined: dict[str, int] = {}  # when each waiting person (last) joined the waitlist
    for tick, (kind, who, arg) in enumerate(script):
        before = roster
        if kind == "press":
            assert isinstance(who, str) and isinstance(arg, Answer)
            result = answer(roster, who, arg)
            assert isinstance(result, Change)
            roster, promoted = result.roster, result.promoted
            expected[who] = result.after
            if result.after is Standing.WAITLISTED and result.before is not Standing.WAITLISTED:
                joined[who] = tick
        elif kind == "capacity":
            outcome = set_capacity(roster, arg if isinstance(arg, int) else None)
            if isinstance(outcome, Refusal):
                assert roster == before
                continue
            roster, promoted = outcome.roster, outcome.promoted
        else:
            assert isinstance(who, str)
            shuffled = withdraw(roster, who)
            roster, promoted = shuffled.roster, shuffled.promoted
            expected.pop(who, None)
        # promotions take the head of the waitlist, in order
        line = tuple(p for p in before.waitlist if p != who)
        assert promoted == line[: len(promoted)]
        for person in promoted:
            expected[person] = Standing.GOING
            joined.pop(person, None)
        # nobody lost, nobody twice
        everyone = roster.everyone()
        assert len(everyone) == len(set(everyone))
        assert {p: roster.standing(p) for p in everyone} == expected
        # capacity respected, and nobody waits while a seat is free
        if roster.capacity is not None:
            assert len(roster.going) <= roster.capacity
            assert not roster.waitlist or len(roster.going) == roster.capacity
        else:
            assert roster.waitlist == ()
        # FIFO: the waitlist is in the order people joined it
        assert list(roster.waitlist) == sorted(roster.waitlist, key=lambda p: joined[p])
