"""Attendance figures from plain data: who said Going and who was there, per occurrence and per person."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

E = TypeVar("E", bound=Hashable)
P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Attendance(Generic[E, P]):
    """One occurrence: who said Going (when it started) and who checked in or was marked present."""

    event: E
    going: frozenset[P]
    attended: frozenset[P]

    @classmethod
    def of(cls, event: E, going: Iterable[P], attended: Iterable[P]) -> Attendance[E, P]:
        """Build from any iterables (lists, roster tuples)."""
        return cls(event, frozenset(going), frozenset(attended))


@dataclass(frozen=True, slots=True)
class Figures:
    """Going versus attended: ``showed`` went as they said, ``no_shows`` didn't, ``walk_ins`` came unannounced."""

    going: int
    attended: int
    showed: int
    no_shows: int
    walk_ins: int

    @property
    def show_rate(self) -> float | None:
        """Share of those going who came; ``None`` when nobody said Going."""
        return self.showed / self.going if self.going else None

    @property
    def no_show_rate(self) -> float | None:
        """Share of those going who didn't come; ``None`` when nobody said Going."""
        return self.no_shows / self.going if self.going else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.going + other.going, self.attended + other.attended, self.showed + other.showed,
                       self.no_shows + other.no_shows, self.walk_ins + other.walk_ins)


NONE = Figures(0, 0, 0, 0, 0)


def figures(record: Attendance[E, P]) -> Figures:
    """The figures of one occurrence."""
    showed = len(record.going & record.attended)
    return Figures(going=len(record.going), attended=len(record.attended), showed=showed,
                   no_shows=len(record.going) - showed, walk_ins=len(record.attended) - showed)


def per_event(records: Sequence[Attendance[E, P]]) -> dict[E, Figures]:
    """Figures per event (several occurrences of one event add up)."""
    out: dict[E, Figures] = {}
    for record in records:
        out[record.event] = out.get(record.event, NONE) + figures(record)
    return out


def per_person(records: Sequence[Attendance[E, P]]) -> dict[P, Figures]:
    """Each person's own figures: how often they said Going, came, didn't, or came unannounced."""
    out: dict[P, Figures] = {}
    for record in records:
        for person in record.going | record.attended:
            said, came = person in record.going, person in record.attended
            mine = Figures(going=int(said), attended=int(came), showed=int(said and came),
                           no_shows=int(said and not came), walk_ins=int(came and not said))
            out[person] = out.get(person, NONE) + mine
    return out


def total(records: Sequence[Attendance[E, P]]) -> Figures:
    """All occurrences together."""
    result = NONE
    for record in records:
        result = result + figures(record)
    return result


def repeat_no_shows(records: Sequence[Attendance[E, P]], at_least: int = 2) -> list[P]:
    """People who said Going and didn't come at least ``at_least`` times, most first."""
    people = per_person(records)
    flagged = [p for p, f in people.items() if f.no_shows >= at_least]
    return sorted(flagged, key=lambda p: (-people[p].no_shows, str(p)))
