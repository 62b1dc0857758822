"""The manual clock: a jump runs due work at its own time, including work already due when it starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock

T0 = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)


class Jobs:
    """A stand-in scheduler: due times, run (and recorded) when the clock's listener is called."""

    def __init__(self, clock: ManualClock, due: list[datetime]) -> None:
        self.clock, self.due = clock, sorted(due)
        self.ran: list[tuple[datetime, datetime]] = []  # (due, run at)
        clock.subscribe(self.run_due)
        clock.add_stops(self.next_due)

    async def next_due(self) -> datetime | None:
        return self.due[0] if self.due else None

    async def run_due(self) -> None:
        now = self.clock.now()
        while self.due and self.due[0] <= now:
            self.ran.append((self.due.pop(0), now))


async def test_work_due_when_the_jump_starts_runs_before_the_clock_moves() -> None:
    clock = ManualClock(T0)
    jobs = Jobs(clock, [T0, T0 + timedelta(hours=9)])  # one due right now, its alarm not rung yet
    await clock.advance(timedelta(hours=9, minutes=30))
    assert jobs.ran == [(T0, T0), (T0 + timedelta(hours=9), T0 + timedelta(hours=9))]
    assert clock.now() == T0 + timedelta(hours=9, minutes=30)


async def test_overdue_work_runs_at_the_start_of_the_jump_not_at_its_end() -> None:
    clock = ManualClock(T0)
    jobs = Jobs(clock, [T0 - timedelta(minutes=5)])
    await clock.advance(timedelta(hours=2))
    assert jobs.ran == [(T0 - timedelta(minutes=5), T0)]


async def test_a_jump_with_nothing_due_notifies_once_at_the_target() -> None:
    clock = ManualClock(T0)
    seen: list[datetime] = []

    async def listener() -> None:
        seen.append(clock.now())

    async def nothing() -> datetime | None:
        return None

    clock.subscribe(listener)
    clock.add_stops(nothing)
    await clock.advance(timedelta(minutes=10))
    assert seen == [T0 + timedelta(minutes=10)]
