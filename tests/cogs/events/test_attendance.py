"""Attendance figures: going versus attended, per occurrence, per event and per person."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.attendance import Attendance, Figures, figures, per_event, per_person, repeat_no_shows, total

RECORDS = [
    Attendance.of("quiz", going=["ann", "bob", "cat"], attended=["ann", "bob", "dan"]),
    Attendance.of("quiz", going=["ann", "bob"], attended=["ann"]),
    Attendance.of("talk", going=["bob", "eve"], attended=[]),
    Attendance.of("empty", going=[], attended=["fay"]),
]


def test_one_occurrence() -> None:
    got = figures(RECORDS[0])
    assert got == Figures(going=3, attended=3, showed=2, no_shows=1, walk_ins=1)
    assert got.show_rate == 2 / 3 and got.no_show_rate == 1 / 3


def test_per_event_adds_occurrences() -> None:
    events = per_event(RECORDS)
    assert events["quiz"] == Figures(going=5, attended=4, showed=3, no_shows=2, walk_ins=1)
    assert events["talk"].show_rate == 0.0
    assert events["empty"].show_rate is None and events["empty"].walk_ins == 1


def test_per_person_and_repeat_no_shows() -> None:
    people = per_person(RECORDS)
    assert people["bob"] == Figures(going=3, attended=1, showed=1, no_shows=2, walk_ins=0)
    assert people["dan"] == Figures(going=0, attended=1, showed=0, no_shows=0, walk_ins=1)
    assert people["dan"].show_rate is None
    assert repeat_no_shows(RECORDS) == ["bob"]
    assert repeat_no_shows(RECORDS, at_least=1) == ["bob", "cat", "eve"]
    assert total(RECORDS) == Figures(going=7, attended=5, showed=3, no_shows=4, walk_ins=2)
    assert total([]).show_rate is None


people = st.frozensets(st.sampled_from([f"p{i}" for i in range(10)]))
records = st.lists(st.builds(Attendance, st.sampled_from(["a", "b", "c"]), people, people), max_size=12)


@settings(max_examples=300, deadline=None)
@given(data=records)
def test_figures_add_up_every_way(data: list[Attendance[str, str]]) -> None:
    overall = total(data)
    by_event = per_event(data)
    by_person = per_person(data)
    for grouped in (by_event.values(), by_person.values()):
        summed = Figures(0, 0, 0, 0, 0)
        for f in grouped:
            summed = summed + f
            assert f.showed + f.no_shows == f.going and f.showed + f.walk_ins == f.attended
            assert f.show_rate is None or 0.0 <= f.show_rate <= 1.0
        assert summed == overall
