"""The issue's "Must show" through the console, with config/example.yaml as a newcomer runs it: capture by
form, by 💡 reaction and by a post in #feedback; a paraphrase offered as a duplicate; votes; /feedback list
with numbers; a status change reaching every follower exactly once; the weekly digest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.test_console_cli import ROOT, steward

SCRIPT = """\
alice: /feedback
alice: Please add dark mode to mobile
alice: my eyes hurt at night
alice: ux
alice: no
bob: export to csv would save me an hour a week
carol: react m10 💡
#feedback
dave: Calendar sync with Google please
#general
erin: /feedback
erin: the phone app needs a dark theme
erin: -
erin: feature
erin: -
erin: press m26 1
frank: /feedback vote 1
frank: /feedback vote 1
:role mo Moderators
mo: /feedback status 1 planned "in the March release"
zed: /feedback list
:time +{minutes}m
"""


def minutes_past_next_digest() -> int:
    """Minutes from now to half an hour after the next Monday 09:00 in London (the example's digest)."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo("Europe/London"))
    monday = (local + timedelta(days=(7 - local.weekday()) % 7)).replace(hour=9, minute=0, second=0, microsecond=0)
    if monday <= local:
        monday += timedelta(days=7)
    return int((monday - local).total_seconds() // 60) + 30


def test_the_feedback_loop_on_the_console(tmp_path: Path) -> None:
    example = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8")
    config = tmp_path / "steward.yaml"
    config.write_text(re.sub(r"sqlite\+aiosqlite:///[^\"'\s}]+", f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                             example, count=1), encoding="utf-8")
    result = steward("run", "--config", str(config), stdin=SCRIPT.format(minutes=minutes_past_next_digest()))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # capture three ways
    assert "steward → alice: Thanks! Your feedback is #1: Please add dark mode to mobile." in out
    assert "(m15) [#general] steward: Thanks! Your feedback is #2: export to csv would save me an hour a week." in out
    assert "[#feedback] steward: Thanks! Your feedback is #3: Calendar sync with Google please." in out
    # the paraphrase is offered, and taken
    assert ("steward → erin: Thanks! Your feedback is #4: the phone app needs a dark theme.\n"
            "It looks like what others already asked for:\n"
            "  #1 [new] Please add dark mode to mobile — 0 votes · ux · by alice") in out
    assert "  [1] Vote for #1 instead  [2] Keep #4" in out
    assert "steward → erin: Your vote for #1 is in (1 vote). You'll hear when it moves. #4 is merged into #1." in out
    # votes: one per person
    assert "steward → frank: Your vote for #1 is in (2 votes)." in out
    assert "steward → frank: You already voted for #1." in out
    # the status change reaches alice (submitter), erin (merged in) and frank (voter), once each
    notices = re.findall(r"\[dm:(\w+)\] steward: Feedback #1 you follow is now planned", out)
    assert sorted(notices) == ["alice", "erin", "frank"]
    assert "steward: #1 is now planned; 3 follower(s) told." in out
    # the list, with numbers
    assert ("Feedback — open, new first (3):\n"
            "#3 [new] Calendar sync with Google please — 0 votes · by dave\n"
            "#2 [new] export to csv would save me an hour a week — 1 vote · by bob\n"
            "#1 [planned] Please add dark mode to mobile — 2 votes · ux · by alice") in out
    # the digest, on Monday morning in #product
    digest = out[out.index("[#product] steward: Feedback digest for the week"):]
    assert "New this week (3):" in digest and "Top this week:\n  #1 [planned] Please add dark mode" in digest
    assert "Shipped: none" in digest
