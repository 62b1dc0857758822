"""Triage: status steps, votes, merges and undo; random sequences never break the invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from cogs.feedback.answers import Refused
from cogs.feedback.triage import (
    ALLOWED,
    CLOSED,
    Board,
    Item,
    Status,
    change_status,
    merge,
    parse_status,
    undo_merge,
    unvote,
    vote,
)


def board(*items: Item) -> dict[int, Item]:
    return {i.id: i for i in items}


def test_statuses_parse_loosely_and_unknown_ones_get_close_matches() -> None:
    assert parse_status("In-Progress") is Status.IN_PROGRESS
    assert parse_status("  in_progress ") is Status.IN_PROGRESS
    assert parse_status("SHIPPED") is Status.SHIPPED
    wrong = parse_status("planed")
    assert isinstance(wrong, Refused) and "planned" in wrong.reason and "Did you mean" in wrong.reason
    nothing = parse_status("zzzzzz")
    assert isinstance(nothing, Refused) and "Statuses: new, triaged" in nothing.reason


def test_the_happy_path_and_refused_steps() -> None:
    b: Board = board(Item(12))
    for step in (Status.TRIAGED, Status.PLANNED, Status.IN_PROGRESS, Status.SHIPPED):
        result = change_status(b, 12, step)
        assert not isinstance(result, Refused), result
        b = result
    final = change_status(b, 12, Status.PLANNED)
    assert isinstance(final, Refused) and "final" in final.reason
    assert isinstance(change_status(b, 99, Status.PLANNED), Refused)
    dup = change_status(board(Item(1)), 1, Status.DUPLICATE)
    assert isinstance(dup, Refused) and "/feedback merge 1" in dup.reason
    again = change_status(board(Item(1)), 1, Status.NEW)
    assert isinstance(again, Refused) and "already new" in again.reason
    reopened = change_status(board(Item(1, Status.DECLINED)), 1, Status.TRIAGED)
    assert not isinstance(reopened, Refused) and reopened[1].status is Status.TRIAGED


def test_one_vote_per_person_and_none_on_closed_or_merged_items() -> None:
    b = vote(board(Item(1), Item(2, Status.SHIPPED)), 1, "ann")
    assert not isinstance(b, Refused) and dict(b[1].votes) == {"ann": None} and "ann" in b[1].followers
    assert isinstance(vote(b, 1, "ann"), Refused)
    shipped = vote(b, 2, "ann")
    assert isinstance(shipped, Refused) and "closed to voting" in shipped.reason
    merged = merge(b, 1, 2)
    assert not isinstance(merged, Refused)
    refused = vote(merged[0], 1, "bob")
    assert isinstance(refused, Refused) and "vote there instead" in refused.reason and "#2" in refused.reason
    gone = unvote(b, 1, "ann")
    assert not isinstance(gone, Refused) and not gone[1].votes
    assert isinstance(unvote(gone, 1, "ann"), Refused)


def test_merge_moves_only_new_voters_and_undo_takes_back_exactly_those() -> None:
    b = board(Item(14, votes={"ann": None, "bob": None}, followers={"ann": None, "cid": None}),
              Item(12, Status.PLANNED, votes={"bob": None}, followers={"bob": None}))
    result = merge(b, 14, 12)
    assert not isinstance(result, Refused)
    after, record = result
    assert after[14].status is Status.DUPLICATE and after[14].merged_into == 12
    assert dict(after[12].votes) == {"bob": None, "ann": 14}
    assert dict(after[12].followers) == {"bob": None, "ann": 14, "cid": 14}
    assert after[12].status is Status.PLANNED
    assert (record.moved_votes, record.moved_followers) == (1, 2)
    undone = undo_merge(after, 14)
    assert not isinstance(undone, Refused)
    assert undone[0] == b and undone[1] == record
    again = undo_merge(undone[0], 14)
    assert isinstance(again, Refused) and "not merged" in again.reason
    assert isinstance(undo_merge(b, 99), Refused)


def test_a_direct_vote_after_the_merge_survives_its_undo() -> None:
    merged = merge(board(Item(14, votes={"ann": None}), Item(12)), 14, 12)
    assert not isinstance(merged, Refused)
    voted = vote(merged[0], 12, "ann")
    assert not isinstance(voted, Refused)
    undone = undo_merge(voted, 14)
    assert not isinstance(undone, Refused) and dict(undone[0][12].votes) == {"ann": None}


def test_merges_into_itself_into_a_chain_or_away_from_a_target_are_refused() -> None:
    b = board(Item(1), Item(2), Item(3))
    itself = merge(b, 1, 1)
    assert isinstance(itself, Refused) and "itself" in itself.reason
    step = merge(b, 1, 2)
    assert not isinstance(step, Refused)
    chained = merge(step[0], 3, 1)
    assert isinstance(chained, Refused) and "merge into #2 instead" in chained.reason
    away = merge(step[0], 2, 3)
    assert isinstance(away, Refused) and "#1 was merged into #2" in away.reason
    twice = merge(step[0], 1, 3)
    assert isinstance(twice, Refused) and "already merged" in twice.reason
    assert isinstance(merge(b, 1, 9), Refused)


PEOPLE = st.sampled_from(["ann", "bob", "cid", "dee"])
IDS = st.integers(1, 5)


class TriageMachine(RuleBasedStateMachine):
    """Random votes, status changes, merges and undos over five items."""

    def __init__(self) -> None:
        super().__init__()
        self.board: Board = {i: Item(i) for i in range(1, 6)}
        self.merged: list[int] = []

    def _apply(self, result: object) -> None:
        if not isinstance(result, Refused):
            assert isinstance(result, dict)
            self.board = result

    @rule(item=IDS, person=PEOPLE)
    def cast(self, item: int, person: str) -> None:
        self._apply(vote(self.board, item, person))

    @rule(item=IDS, person=PEOPLE)
    def withdraw(self, item: int, person: str) -> None:
        self._apply(unvote(self.board, item, person))

    @rule(item=IDS, to=st.sampled_from(list(Status)))
    def move(self, item: int, to: Status) -> None:
        before = self.board[item].status
        result = change_status(self.board, item, to)
        if not isinstance(result, Refused):
            assert to in ALLOWED[before]
        self._apply(result)

    @rule(source=IDS, into=IDS)
    def join(self, source: int, into: int) -> None:
        result = merge(self.board, source, into)
        if isinstance(result, Refused):
            return
        before = self.board
        self.board, record = result
        self.merged.append(source)
        # An immediate undo gives back the board exactly as it was.
        undone = undo_merge(self.board, source)
        assert not isinstance(undone, Refused) and undone[0] == before and undone[1] == record

    @rule(pick=st.integers(0, 10))
    def undo(self, pick: int) -> None:
        if not self.merged:
            return
        source = self.merged[pick % len(self.merged)]
        target = self.board[source].merged_into
        result = undo_merge(self.board, source)
        if isinstance(result, Refused):
            assert target is None
            return
        assert target is not None
        self.board = result[0]
        assert self.board[source].merged_into is None and self.board[source].status is not Status.DUPLICATE
        assert all(o != source for o in self.board[target].votes.values())

    @invariant()
    def no_chains_and_duplicates_point_somewhere(self) -> None:
        for item in self.board.values():
            assert (item.status is Status.DUPLICATE) == (item.merged_into is not None)
            if item.merged_into is not None:
                target = self.board[item.merged_into]
                assert item.merged_into != item.id and target.merged_into is None

    @invariant()
    def moved_votes_come_from_items_merged_here(self) -> None:
        for item in self.board.values():
            for origin in list(item.votes.values()) + list(item.followers.values()):
                if origin is not None:
                    assert self.board[origin].merged_into == item.id

    @invariant()
    def closed_items_stay_closed_to_voting(self) -> None:
        for item in self.board.values():
            if item.status in CLOSED:
                assert isinstance(vote(self.board, item.id, "zed"), Refused)


TestTriageMachine = TriageMachine.TestCase
TestTriageMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


@given(st.text(max_size=60))
def test_any_typed_status_parses_or_gets_a_clear_answer(text: str) -> None:
    result = parse_status(text)
    assert isinstance(result, Status) or (isinstance(result, Refused) and result.reason.startswith("There is no"))
