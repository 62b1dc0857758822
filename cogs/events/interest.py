"""Interest marked on a platform's native event (Discord's "Interested" on a Scheduled Event) as Maybe.

Pure: what a member's interest does to an occurrence's roster. Marking interest counts as Maybe
only for someone who has not answered on the card (their own answer always stands); taking it back
undoes exactly that, so a Maybe the member later confirmed on the card — or any other answer — stays.
"""

from __future__ import annotations

from typing import TypeVar

from cogs.events.rsvp import Answer, Change, Roster, Standing, answer, withdraw

P = TypeVar("P")


def interest(roster: Roster[P], person: P, interested: bool, *, from_interest: bool) -> Change[P] | None:
    """The change interest makes, or None when it leaves the roster as it is.

    ``from_interest``: the member's current Maybe came from marking interest (not from the card).
    A closed occurrence (cancelled, finished) takes no interest either.
    """
    before = roster.standing(person)
    if interested:
        if before is not Standing.NONE:
            return None
        change = answer(roster, person, Answer.MAYBE)
        return change if isinstance(change, Change) else None
    if before is not Standing.MAYBE or not from_interest or roster.state.value != "open":
        return None
    undone = withdraw(roster, person)
    return Change(undone.roster, person, before, Standing.NONE, undone.promoted)
