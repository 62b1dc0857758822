"""The events cog's Must-show items through the console, as a user runs Steward, with `:time`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import recurring_ical_events
from icalendar import Calendar

from tests.e2e.test_console_cli import steward

CONFIG = """\
storage: {{url: "sqlite+aiosqlite:///{db}"}}
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{modlog: "#mod-log", general: "#general", events: "#events"}}
    events: {{members_create: true, reminders: [1h]}}
"""
CREATE = ["alice: /event create", "alice: Game night", "alice: {start}", "alice: 2h", "alice: -", "alice: {details}",
          "alice: press m1 1"]


def run(tmp_path: Path, lines: list[str]) -> str:
    config = tmp_path / "steward.yaml"
    config.write_text(CONFIG.format(db=tmp_path / "steward.db"), encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n:quit\n", encoding="utf-8")
    result = steward("run", "--config", str(config), "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Something went wrong" not in result.stdout
    return result.stdout


def create(start: str, details: str) -> list[str]:
    return [line.format(start=start, details=details) for line in CREATE]


def test_waitlist_reminders_restart_cancel_and_remind_on_the_console(tmp_path: Path) -> None:
    first = run(tmp_path, [*create("in 3 hours", "capacity 1; reminders 2h, 1h"), "bob: press m2 1",
                           "carol: press m2 1", "bob: press m2 3", "dan: press m2 2",
                           "alice: /remind in 2h check the PR"])
    assert "steward → carol: The event is full: you're on the waitlist, number 1 — Game night." in first
    assert "[dm:carol] steward: A seat freed up: you're now going to event #1 (Game night)" in first
    assert "Going 1 · Maybe 1 · Can't go 1 · 0 seat(s) left" in first
    # A restart between creation and the reminders: the second run has only the database.
    second = run(tmp_path, [":time +1h30m", ":time +20m", ":time +11m", ":time +1h", "alice: /event cancel 1",
                            ":time +3h"])
    lines = second.splitlines()
    reminders = [i for i, x in enumerate(lines) if "⏰ Reminder: Game night starts" in x]
    assert len(reminders) == 2 and all(lines[i].split("] ")[0].endswith("[dm:carol") for i in reminders)
    jumps = [lines.index(f"[console] time moves forward {step}") for step in ("1h30m", "20m", "11m", "1h")]
    assert jumps[0] < reminders[0] < jumps[1] and jumps[2] < reminders[1] < jumps[3]  # 2h, then 1h before: once each
    assert sum("You asked me to remind you: check the PR" in x for x in lines) == 1
    assert lines.index(next(x for x in lines if "check the PR" in x and "[dm:alice]" in x)) > \
        jumps[1]  # at its time (2h after it was set), not before
    assert "is starting now" in second
    told = sorted(x.split("]")[0].split(":")[-1] for x in lines if "is cancelled." in x and "[dm:" in x)
    assert told == ["bob", "carol", "dan"]
    assert "❌ This event is cancelled." in second


def _to(at: datetime) -> str:
    return f":time +{int((at - datetime.now(UTC)).total_seconds())}s"


def test_weekly_across_dst_one_occurrence_moved_and_the_ics_parsed_back(tmp_path: Path) -> None:
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    out = run(tmp_path, [
        *create("2027-03-19 18:00", "weekly"), "bob: press m2 1",
        "alice: /event move 1 2027-04-09 to 2027-04-10 12:00",
        # Each step lands ten seconds after a reminder is due, so none is late; the finish moves the card on.
        _to(utc(2027, 3, 19, 16, 30)), ":time +30m10s", ":time +3h", "bob: press m2 1",
        ":time +165h", ":time +3h", "bob: press m2 1", ":time +164h", "alice: /event info 1", "alice: /event ics 1",
    ])
    reminders = [x.split(": ", 1)[1] for x in out.splitlines() if "⏰ Reminder" in x]
    assert reminders == ["⏰ Reminder: Game night starts Fri 19 Mar 2027, 18:00 GMT.",
                         "⏰ Reminder: Game night starts Fri 26 Mar 2027, 18:00 GMT.",
                         "⏰ Reminder: Game night starts Fri 2 Apr 2027, 18:00 BST."]  # the same local hour
    assert "occurrence of event #1 is moved to Saturday 10 April 2027 at 12:00 Europe/London (BST); " \
           "the rest of the series stays." in out
    assert "Then: Sat 10 Apr 2027, 12:00 BST, Fri 16 Apr 2027, 18:00 BST" in out
    [ics] = list((tmp_path / "data" / "outbox").glob("*-event-1.ics"))
    parsed = recurring_ical_events.of(Calendar.from_ical(ics.read_bytes()))
    starts = [e["DTSTART"].dt.astimezone(UTC) for e in parsed.between(datetime(2027, 3, 1), datetime(2027, 4, 20))]
    assert starts == [utc(2027, 3, 19, 18), utc(2027, 3, 26, 18), utc(2027, 4, 2, 17), utc(2027, 4, 10, 11),
                      utc(2027, 4, 16, 17)]
