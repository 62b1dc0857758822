"""The RSVP state machine of one occurrence: Going / Maybe / Can't go, capacity and a FIFO waitlist.

Every operation returns a new :class:`Roster` (nothing is mutated) and says who was promoted from
the waitlist, so the cog can tell them. Invariants, whatever is pressed in whatever order: nobody
is in two lists, going never exceeds the capacity, and nobody waits while a seat is free.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic, TypeVar

from cogs.events.refusal import Refusal

P = TypeVar("P", bound=Hashable)


class Answer(StrEnum):
    """What a member pressed."""

    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"


class Standing(StrEnum):
    """Where a member stands; ``NONE`` for someone who never answered."""

    GOING = "going"
    WAITLISTED = "waitlisted"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    NONE = "none"


class State(StrEnum):
    """Whether answers are still taken."""

    OPEN = "open"
    CANCELLED = "cancelled"
    FINISHED = "finished"


_RANK = {Standing.GOING: 3, Standing.WAITLISTED: 2, Standing.MAYBE: 1, Standing.NOT_GOING: 0}


@dataclass(frozen=True, slots=True)
class Counts:
    """What the event card shows."""

    going: int
    maybe: int
    not_going: int
    waitlist: int
    seats_left: int | None


@dataclass(frozen=True, slots=True)
class Roster(Generic[P]):
    """Who answered what for one occurrence, in the order they got there."""

    capacity: int | None = None
    going: tuple[P, ...] = ()
    waitlist: tuple[P, ...] = ()
    maybe: tuple[P, ...] = ()
    not_going: tuple[P, ...] = ()
    state: State = State.OPEN

    def standing(self, person: P) -> Standing:
        """Where ``person`` stands now."""
        for standing, people in self._lists():
            if person in people:
                return standing
        return Standing.NONE

    def position(self, person: P) -> int | None:
        """``person``'s place on the waitlist, from 1, or ``None``."""
        return self.waitlist.index(person) + 1 if person in self.waitlist else None

    def counts(self) -> Counts:
        """The live counts for the card."""
        seats = None if self.capacity is None else self.capacity - len(self.going)
        return Counts(len(self.going), len(self.maybe), len(self.not_going), len(self.waitlist), seats)

    def everyone(self) -> tuple[P, ...]:
        """Everyone who answered, going first, then waiting, maybe and can't go."""
        return self.going + self.waitlist + self.maybe + self.not_going

    def _lists(self) -> tuple[tuple[Standing, tuple[P, ...]], ...]:
        return ((Standing.GOING, self.going), (Standing.WAITLISTED, self.waitlist),
                (Standing.MAYBE, self.maybe), (Standing.NOT_GOING, self.not_going))

    def _without(self, person: P) -> Roster[P]:
        return replace(self, going=_drop(self.going, person), waitlist=_drop(self.waitlist, person),
                       maybe=_drop(self.maybe, person), not_going=_drop(self.not_going, person))

    def _promote(self) -> tuple[Roster[P], tuple[P, ...]]:
        free = len(self.waitlist) if self.capacity is None else max(self.capacity - len(self.going), 0)
        moving = self.waitlist[:free]
        if not moving:
            return self, ()
        return replace(self, going=self.going + moving, waitlist=self.waitlist[len(moving):]), moving


@dataclass(frozen=True, slots=True)
class Change(Generic[P]):
    """The result of one press: the new roster, the presser's standing before and after, who got a seat."""

    roster: Roster[P]
    person: P
    before: Standing
    after: Standing
    promoted: tuple[P, ...] = ()

    @property
    def unchanged(self) -> bool:
        """A double press (or pressing Going while already waiting): nothing moved."""
        return self.before == self.after and not self.promoted

    @property
    def position(self) -> int | None:
        """The presser's waitlist place, from 1, when waiting."""
        return self.roster.position(self.person)


@dataclass(frozen=True, slots=True)
class Reshuffle(Generic[P]):
    """A roster after a change not made by one press (capacity, merge, withdrawal) and who got a seat."""

    roster: Roster[P]
    promoted: tuple[P, ...] = ()


def answer(roster: Roster[P], person: P, choice: Answer) -> Change[P] | Refusal:
    """Apply one press of Going, Maybe or Can't go."""
    closed = _closed(roster)
    if closed:
        return closed
    before = roster.standing(person)
    if before.value == choice.value or (choice is Answer.GOING and before is Standing.WAITLISTED):
        return Change(roster, person, before, before)
    rest = roster._without(person)
    if choice is Answer.GOING:
        full = rest.capacity is not None and len(rest.going) >= rest.capacity
        if full or rest.waitlist:
            moved = replace(rest, waitlist=(*rest.waitlist, person))
        else:
            moved = replace(rest, going=(*rest.going, person))
    elif choice is Answer.MAYBE:
        moved = replace(rest, maybe=(*rest.maybe, person))
    else:
        moved = replace(rest, not_going=(*rest.not_going, person))
    final, promoted = moved._promote()
    return Change(final, person, before, final.standing(person), promoted)


def set_capacity(roster: Roster[P], capacity: int | None) -> Reshuffle[P] | Refusal:
    """Change the capacity (``None``: unlimited); never below those already going. Raising it promotes."""
    if capacity is not None and capacity < 1:
        return Refusal("A capacity is at least 1.", "Leave it empty for no limit.")
    if capacity is not None and capacity < len(roster.going):
        return Refusal(f"{len(roster.going)} people are already going: the capacity can't be below that.",
                       "Raise it, or ask people to step back first.")
    final, promoted = replace(roster, capacity=capacity)._promote()
    return Reshuffle(final, promoted)


def withdraw(roster: Roster[P], person: P) -> Reshuffle[P]:
    """Take ``person`` off every list (they left, or their data was deleted); a freed seat promotes."""
    final, promoted = roster._without(person)._promote()
    return Reshuffle(final, promoted)


def merge(roster: Roster[P], old: P, into: P) -> Reshuffle[P]:
    """Two person ids became one: keep the better standing of the two, in its place in its list."""
    mine, theirs = roster.standing(old), roster.standing(into)
    if mine is Standing.NONE:
        return Reshuffle(roster)
    if theirs is not Standing.NONE and _RANK[theirs] >= _RANK[mine]:
        return withdraw(roster, old)
    renamed = roster._without(into)
    renamed = replace(renamed, going=_swap(renamed.going, old, into), waitlist=_swap(renamed.waitlist, old, into),
                      maybe=_swap(renamed.maybe, old, into), not_going=_swap(renamed.not_going, old, into))
    final, promoted = renamed._promote()
    return Reshuffle(final, promoted)


def cancel(roster: Roster[P]) -> tuple[Roster[P], tuple[P, ...]] | Refusal:
    """Cancel the occurrence: answers close and everyone who answered is returned, to be told."""
    if roster.state is State.CANCELLED:
        return Refusal("This event is already cancelled.")
    return replace(roster, state=State.CANCELLED), roster.everyone()


def finish(roster: Roster[P]) -> Roster[P]:
    """The occurrence is over: answers close; the lists stay for attendance."""
    return roster if roster.state is State.CANCELLED else replace(roster, state=State.FINISHED)


def _closed(roster: Roster[P]) -> Refusal | None:
    if roster.state is State.CANCELLED:
        return Refusal("This event was cancelled, so answers are closed.")
    if roster.state is State.FINISHED:
        return Refusal("This event has already finished, so answers are closed.")
    return None


def _drop(people: tuple[P, ...], person: P) -> tuple[P, ...]:
    return tuple(p for p in people if p != person) if person in people else people


def _swap(people: tuple[P, ...], old: P, new: P) -> tuple[P, ...]:
    return tuple(new if p == old else p for p in people)
