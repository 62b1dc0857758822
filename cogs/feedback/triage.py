"""Triage as pure functions over plain data: statuses, their transitions, votes, merges and undo.

Statuses: new → triaged → planned → in progress → shipped, with declined from any open status and
duplicate only through a merge (it needs a target). A declined item can be reopened (back to
triaged); shipped is final. One step forward may be skipped (new → planned, triaged → in
progress, planned → shipped) and steps back are allowed (planned → triaged, in progress →
planned), since plans change; :data:`ALLOWED` is the whole table.

Merges keep one rule: an item is merged into an item that is not itself merged, and an item that
others were merged into is not merged away (no chains, so a pointer is always one hop). Votes move
from the source to the target only for members who had not voted on the target; each moved vote
remembers where it came from, so an undo takes back exactly those (a member who voted on the
target directly after the merge keeps that vote).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from cogs.feedback.answers import Refused


class Status(enum.StrEnum):
    """Where an item is in triage."""

    NEW = "new"
    TRIAGED = "triaged"
    PLANNED = "planned"
    IN_PROGRESS = "in progress"
    SHIPPED = "shipped"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


CLOSED = frozenset({Status.SHIPPED, Status.DECLINED, Status.DUPLICATE})

ALLOWED: Mapping[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TRIAGED, Status.PLANNED, Status.DECLINED}),
    Status.TRIAGED: frozenset({Status.PLANNED, Status.IN_PROGRESS, Status.DECLINED}),
    Status.PLANNED: frozenset({Status.TRIAGED, Status.IN_PROGRESS, Status.SHIPPED, Status.DECLINED}),
    Status.IN_PROGRESS: frozenset({Status.PLANNED, Status.SHIPPED, Status.DECLINED}),
    Status.SHIPPED: frozenset(),
    Status.DECLINED: frozenset({Status.TRIAGED}),
    Status.DUPLICATE: frozenset(),  # left only by undoing the merge
}


@dataclass(frozen=True, slots=True)
class Item:
    """What triage needs of one feedback item. ``votes`` maps a person (the core's person id, one
    member across platforms) to where the vote came from (None: cast on this item; an id: moved here
    by merging that item); ``followers`` likewise."""

    id: int
    status: Status = Status.NEW
    votes: Mapping[Hashable, int | None] = field(default_factory=dict)
    followers: Mapping[Hashable, int | None] = field(default_factory=dict)
    merged_into: int | None = None
    status_before_merge: Status | None = None  # what an undo gives back


@dataclass(frozen=True, slots=True)
class Merge:
    """What a merge did (for the mod log and facts): which item went where, how much moved."""

    source: int
    target: int
    moved_votes: int
    moved_followers: int


Board = Mapping[int, Item]


def _names() -> dict[str, Status]:
    return {s.value: s for s in Status}


def parse_status(text: str) -> Status | Refused:
    """A status from what a moderator typed ("In-Progress", "in_progress"), or the closest names."""
    key = " ".join(text.replace("-", " ").replace("_", " ").casefold().split())
    names = _names()
    if key in names:
        return names[key]
    close = [str(name) for name, score, _ in process.extract(key, list(names), scorer=fuzz.WRatio, limit=2)
             if score >= 60]
    known = ", ".join(s.value for s in Status)
    if close:
        return Refused(f"There is no status “{text[:40]}”. Did you mean {' or '.join(close)}? Statuses: {known}.")
    return Refused(f"There is no status “{text[:40]}”. Statuses: {known}.")


def change_status(board: Board, item_id: int, to: Status) -> dict[int, Item] | Refused:
    """The board with one item moved to ``to``, if that step is allowed."""
    item = board.get(item_id)
    if item is None:
        return Refused(f"There is no item #{item_id}.")
    if to is item.status:
        return Refused(f"#{item_id} is already {to.value}.")
    if to is Status.DUPLICATE:
        return Refused(f"To mark #{item_id} a duplicate, merge it: /feedback merge {item_id} <number>.")
    if item.status is Status.DUPLICATE:
        return Refused(f"#{item_id} is merged into #{item.merged_into}; undo the merge first.")
    if to not in ALLOWED[item.status]:
        steps = ", ".join(sorted(s.value for s in ALLOWED[item.status])) or "none (it is final)"
        return Refused(f"#{item_id} is {item.status.value}; from there it can go to: {steps}.")
    return {**board, item_id: replace(item, status=to)}


def vote(board: Board, item_id: int, person: Hashable) -> dict[int, Item] | Refused:
    """The board with ``person``'s vote on the item (one vote per person; open items only)."""
    item = board.get(item_id)
    if item is None:
        return Refused(f"There is no item #{item_id}.")
    if item.merged_into is not None:
        return Refused(f"#{item_id} was merged into #{item.merged_into}: vote there instead.")
    if item.status in CLOSED:
        return Refused(f"#{item_id} is {item.status.value} and closed to voting.")
    if item.votes.get(person, 0) is None:
        return Refused(f"You already voted for #{item_id}.")
    # A direct vote replaces a moved one, so undoing that merge no longer takes it away.
    return {**board, item_id: replace(item, votes={**item.votes, person: None},
                                      followers={**item.followers, person: None})}


def unvote(board: Board, item_id: int, person: Hashable) -> dict[int, Item] | Refused:
    """The board without ``person``'s vote on the item."""
    item = board.get(item_id)
    if item is None:
        return Refused(f"There is no item #{item_id}.")
    if person not in item.votes:
        return Refused(f"You have not voted for #{item_id}.")
    if item.status in CLOSED:
        return Refused(f"#{item_id} is {item.status.value}; its votes are kept as they were.")
    return {**board, item_id: replace(item, votes={p: o for p, o in item.votes.items() if p != person})}


def merge(board: Board, source_id: int, target_id: int) -> tuple[dict[int, Item], Merge] | Refused:
    """Merge ``source`` into ``target``: votes and followers move, the source becomes a duplicate."""
    source, target = board.get(source_id), board.get(target_id)
    if source is None or target is None:
        return Refused(f"There is no item #{source_id if source is None else target_id}.")
    if source_id == target_id:
        return Refused(f"#{source_id} cannot be merged into itself.")
    if source.merged_into is not None:
        return Refused(f"#{source_id} is already merged into #{source.merged_into}.")
    if target.merged_into is not None:
        return Refused(f"#{target_id} is itself merged into #{target.merged_into}: "
                       f"merge into #{target.merged_into} instead.")
    children = sorted(i.id for i in board.values() if i.merged_into == source_id)
    if children:
        listed = ", ".join(f"#{c}" for c in children)
        return Refused(f"{listed} {'was' if len(children) == 1 else 'were'} merged into #{source_id}; "
                       f"merge {'it' if len(children) == 1 else 'them'} into #{target_id} first "
                       f"(undo, then merge), so no item points to a merged one.")
    moved_votes = {p: source_id for p in source.votes if p not in target.votes}
    moved_followers = {p: source_id for p in source.followers if p not in target.followers}
    new_target = replace(target, votes={**target.votes, **moved_votes},
                         followers={**target.followers, **moved_followers})
    new_source = replace(source, status=Status.DUPLICATE, merged_into=target_id, status_before_merge=source.status)
    record = Merge(source_id, target_id, len(moved_votes), len(moved_followers))
    return {**board, source_id: new_source, target_id: new_target}, record


def undo_merge(board: Board, source_id: int) -> tuple[dict[int, Item], Merge] | Refused:
    """Undo the merge of ``source``: the votes and followers it moved go back, its status returns."""
    source = board.get(source_id)
    if source is None:
        return Refused(f"There is no item #{source_id}.")
    if source.merged_into is None:
        return Refused(f"#{source_id} is not merged into another item.")
    target = board[source.merged_into]
    kept_votes = {p: o for p, o in target.votes.items() if o != source_id}
    kept_followers = {p: o for p, o in target.followers.items() if o != source_id}
    record = Merge(source_id, target.id, len(target.votes) - len(kept_votes),
                   len(target.followers) - len(kept_followers))
    new_target = replace(target, votes=kept_votes, followers=kept_followers)
    new_source = replace(source, status=source.status_before_merge or Status.NEW, merged_into=None,
                         status_before_merge=None)
    return {**board, source_id: new_source, target.id: new_target}, record
