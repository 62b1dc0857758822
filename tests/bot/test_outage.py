"""The outage rule's pieces: which errors mean "the database is away", and the report's sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError, OperationalError

from bot.clock import ManualClock
from bot.outage import GLOBAL, Outage, report, unreachable

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class _AdminShutdown(Exception):
    sqlstate = "57P01"  # what asyncpg raises on a connection the server terminates as it stops


def test_a_connection_that_failed_is_the_database_away_and_a_bad_statement_is_not() -> None:
    wrapped = OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused"))
    for exc in (ConnectionRefusedError(111, "refused"), OSError("connect call failed"), TimeoutError(), wrapped,
                _AdminShutdown("terminating connection due to administrator command")):
        assert unreachable(exc), exc
    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError as inner:
            raise RuntimeError("while committing") from inner
    except RuntimeError as outer:
        assert unreachable(outer)  # found through the cause
    for exc in (IntegrityError("INSERT", {}, ValueError("duplicate key")), ValueError("bad"), KeyError("x"),
                FileNotFoundError("a word list")):
        assert not unreachable(exc), exc


async def test_what_was_lost_is_summed_per_community_and_the_shared_part_goes_to_each() -> None:
    clock = ManualClock(NOW)
    outage = Outage(clock)
    assert not outage.away
    outage.lost("acme", "moderation: its records of a message", platform="slack")
    outage.lost("acme", "moderation: its records of a message")
    outage.unrecorded("acme", "deleting a message")
    outage.not_done("beta", "a timeout")
    outage.lost(GLOBAL, "events handled without the check across processes", 3)
    assert outage.away and outage.since == NOW
    await clock.advance(timedelta(seconds=40))
    since, losses = outage.take()
    assert since == NOW and not outage.away and set(losses) == {"acme", "beta"}
    assert losses["acme"].platforms == ["slack"]
    text = report(NOW, clock.now(), losses["acme"]).plain()
    assert "about 40 s" in text and "moderation: its records of a message × 2" in text
    assert "done without a record (cannot be retried or undone from Steward): deleting a message × 1" in text
    assert "events handled without the check across processes × 3" in report(NOW, clock.now(), losses["beta"]).plain()
    assert "not done (it needs its record" in report(NOW, clock.now(), losses["beta"]).plain()
    outage.down()  # the heartbeat failed, nothing was lost: nothing to report
    assert outage.take()[1] == {}


def test_a_long_outage_is_counted_in_minutes_and_a_long_list_is_cut() -> None:
    outage = Outage(ManualClock(NOW))
    for i in range(20):
        outage.lost("acme", f"kind {i}")
    _since, losses = outage.take()
    text = report(NOW, NOW + timedelta(minutes=7), losses["acme"]).plain()
    assert "about 7 min" in text and "…and 8 more kinds" in text
