"""``steward events ics`` writes the feed of upcoming events; ``native: true`` mirrors events as Scheduled Events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import recurring_ical_events
from icalendar import Calendar

from bot.actions import CancelScheduledEvent, ScheduleEvent
from steward.catalog import discover
from steward.cli import main
from tests.cogs.events.conftest import create, start


async def test_native_scheduled_events_follow_create_edit_and_cancel(db_url: str) -> None:
    h = await start(db_url, "      native: true")
    try:
        created = [a for a in await create(h, "tomorrow 18:00", place="Room 4") if isinstance(a, ScheduleEvent)]
        assert [(a.name, a.location, a.event, a.start.hour) for a in created] == [("Game night", "Room 4", "", 18)]
        await h.command("mod", "/event edit 1")
        edited = [a for a in await h.submit("mod", "events:edit", {"title": "Quiz"}, value="1")
                  if isinstance(a, ScheduleEvent)]
        assert [(a.name, a.event != "") for a in edited] == [("Quiz", True)]
        cancelled = [a for a in await h.command("mod", "/event cancel 1") if isinstance(a, CancelScheduledEvent)]
        assert [a.event for a in cancelled] == [edited[0].event]
    finally:
        await h.close()


async def _seed(db_url: str) -> None:
    h = await start(db_url, now=datetime.now(UTC))  # the CLI lists what is upcoming by the real clock
    await create(h, "friday 18:00", details="weekly")
    await create(h, "tomorrow 9am", title="Standup")
    await h.close()


def test_the_cli_writes_the_feed_of_upcoming_events(tmp_path: Path, sqlite_url: str) -> None:
    asyncio.run(_seed(sqlite_url))
    config = tmp_path / "steward.yaml"
    config.write_text(f'storage: {{url: "{sqlite_url}"}}\ncommunities:\n  - name: acme\n'
                      '    channels: {events: "#events"}\n    events: {}\n', encoding="utf-8")
    out = tmp_path / "acme.ics"
    assert main(["events", "ics", "--config", str(config), "--community", "acme", "--out", str(out)]) == 0
    parsed = Calendar.from_ical(out.read_bytes())
    titles = sorted(str(e["SUMMARY"]) for e in parsed.walk("VEVENT"))
    assert titles == ["Game night", "Standup"]
    assert any("RRULE" in e for e in parsed.walk("VEVENT"))
    soon = recurring_ical_events.of(parsed).between(datetime.now(UTC), datetime.now(UTC) + timedelta(days=29))
    assert len(list(soon)) >= 5  # four or five Fridays, and the standup
    assert main(["events", "ics", "--config", str(config), "--community", "nope", "--out", str(out)]) == 1
    assert discover().cogs["events"].name == "events"
