"""The engagement cog's Must-show items through the console, as two members and a moderator see them, with `:time`."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.test_console_cli import steward

CONFIG = """\
storage: {{url: "sqlite+aiosqlite:///{db}"}}
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {{moderator: [Moderators], admin: [Admins], helper: [Helpers]}}
    channels: {{modlog: "#mod-log", general: "#general", help: "#help", staff: "#staff"}}
    engagement:
      prompts:
        - name: qotd
          channel: "#general"
          when: "{when}"
          template: "❓ Question of the day: {{prompt}}"
          prompts: ["What are you reading?", "Cats or dogs?", "Best bug you fixed?", "Favourite editor?",
                    "Tabs or spaces?", "First language you learned?", "Coffee or tea?"]
      questions: {{channels: ["#help"], helpers: Helpers, after: 30m}}
"""
PROMPT = re.compile(r"^\(m\d+\) \[#general\] steward: ❓ Question of the day: (.+)$", re.MULTILINE)


def run(tmp_path: Path, lines: list[str], when: str = "0 9 * * *", extra: str = "") -> str:
    config = tmp_path / "steward.yaml"
    config.write_text(CONFIG.format(db=tmp_path / "steward.db", when=when) + extra, encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n:quit\n", encoding="utf-8")
    result = steward("run", "--config", str(config), "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Something went wrong" not in result.stdout
    return result.stdout


def test_a_poll_with_buttons_one_vote_each_a_moved_vote_and_the_result(tmp_path: Path) -> None:
    out = run(tmp_path, ['alice: /poll "Pizza or sushi?" Pizza Sushi', "bob: press m1 1", "carol: press m1 1",
                         "bob: press m1 2", "dan: press m1 1", 'mo: /poll "Just one?" Yes', "mo: /poll close 9",
                         ":time +24h", "bob: press m1 1"])
    assert "(m1) [#general] steward: 📊 Poll #1: Pizza or sushi?" in out
    assert "  [1] Pizza  [2] Sushi" in out
    assert "steward → bob: You voted for “Pizza” (press another option to change it)." in out
    assert "steward → bob: Your vote moved from “Pizza” to “Sushi”." in out
    moved = out[out.index("bob pressed Sushi"):]
    assert "Pizza — 1 · ████████████ 100% · @carol\nSushi — 1" not in moved  # the moved vote left Pizza
    assert "Pizza — 1 · ██████░░░░░░ 50% · @carol\nSushi — 1 · ██████░░░░░░ 50% · @bob\n2 voter(s)" in moved
    assert out.count("(m1 edited)") == 4 + 1  # every press edits the one card; the close edits it once more
    assert not re.search(r"\(m\d+\) \[#general\] steward: 📊 Poll #1", out.split("(m1)", 1)[1])  # never reposted
    assert "steward → mo: A poll needs at least 2 options" in out
    assert "steward → mo: There is no poll #9." in out
    result = out[out.index("🏁 Poll #1 closed"):]
    assert result.startswith("🏁 Poll #1 closed: Pizza or sushi?\n████████░░░░ 67% Pizza (2)\n"
                             "████░░░░░░░░ 33% Sushi (1)\nWinner: Pizza with 2 of 3 vote(s).")
    assert "[console] m1 has no buttons" in out  # a press after the close finds none


def test_pressing_your_option_again_takes_the_vote_back(tmp_path: Path) -> None:
    out = run(tmp_path, ['alice: /poll "Pizza or sushi?" Pizza Sushi', "bob: press m1 2", "bob: press m1 2"])
    assert "steward → bob: Your vote for “Sushi” is taken back." in out
    last = out[out.rindex("(m1 edited)"):]
    assert "Sushi — 0 ·" in last and "0 voter(s)" in last


def test_a_week_of_prompts_with_no_repeats_and_a_restart_keeping_the_rotation(tmp_path: Path) -> None:
    first = PROMPT.findall(run(tmp_path, [":time +3d"]))
    # a new process on the same database, its clock at the real time again: the week's last four days
    second_out = run(tmp_path, [":time +7d"])
    second = PROMPT.findall(second_out)
    assert len(first) == 3 and len(second) == 4
    assert len(set(first + second)) == 7  # a week, every prompt once, across the restart
    assert "late" not in second_out


def _to(at: datetime) -> str:
    return f":time +{int((at - datetime.now(UTC)).total_seconds())}s"


def test_prompts_keep_their_local_hour_across_the_dst_change(tmp_path: Path) -> None:
    rule = "DTSTART:20270325T090000\\nRRULE:FREQ=DAILY"
    out = run(tmp_path, [_to(datetime(2027, 3, 26, 12, tzinfo=UTC)), ":time +1d", ":time +1d", ":time +1d"], when=rule)
    days = out.split("[console] time moves forward 1d\n")[1:]
    assert len(days) == 3 and all(PROMPT.search(d) for d in days)  # one prompt in each day after the jump
    with sqlite3.connect(tmp_path / "steward.db") as db:  # what the run left: when each one went out
        ran = db.execute("SELECT key, due_at FROM core_jobs WHERE key LIKE '%prompt-qotd%' AND status = 'done' "
                         "ORDER BY due_at").fetchall()
    assert [(k.rsplit(":", 2)[-2][-5:] + ":" + k[-2:], d[:16]) for k, d in ran][-3:] == [
        ("27T09:00", "2027-03-27 09:00"),  # GMT
        ("28T09:00", "2027-03-28 08:00"),  # BST from 01:00 that day: still 09:00 in London
        ("29T09:00", "2027-03-29 08:00")]


def test_an_unanswered_question_pings_the_helpers_once(tmp_path: Path) -> None:
    out = run(tmp_path, ["#help", "bob: How do I get access to the staging server?", ":time +29m", ":time +2m",
                         ":time +3h", "carol: Is the wiki down for everyone?", "dan: yes, it is back in 5 minutes",
                         ":time +1h"])
    pings = re.findall(r"\[#help\] steward: @Helpers: this question from @(\w+) has had no answer", out)
    assert pings == ["bob"]  # bob's, once; carol's was answered by dan in time
    assert out.index("time moves forward 2m") < out.index("this question from @bob")


PACED = """\
      pacing: {quiet_hours: "22:00-09:30"}
      reengage: {after: 1d, period: 30d, active_days: 1, when: "0 11 * * *",
                 template: "👋 Hi {name}, we miss you in {community}!"}
"""


def test_quiet_hours_hold_a_prompt_to_their_end_and_a_dm_respects_optout(tmp_path: Path) -> None:
    # Monday 7 June 2027, 12:00 in London: two members chat, one opts out of the "we miss you" DMs
    out = run(tmp_path, [_to(datetime(2027, 6, 7, 11, 0, tzinfo=UTC)), "bob: hello everyone, glad to be here",
                         "carol: hi all, nice to meet you", "carol: /engagement optout",
                         f":time +{21 * 3600 + 15 * 60}s",  # Tuesday 09:15: the 09:00 prompt is held
                         ":time +30m",  # 09:45: quiet hours ended at 09:30
                         ":time +2d"], extra=PACED)  # Wednesday 11:00: bob has been silent for a day
    steps = out.split("[console] time moves forward")
    assert len(steps) == 5
    assert not PROMPT.search(steps[2]) and len(PROMPT.findall(steps[3])) == 1
    assert "steward → carol: Done: no more" in steps[1]
    dms = re.findall(r"\[dm:(\w+)\] steward: (.+)", steps[4])
    assert dms == [("bob", "👋 Hi bob, we miss you in acme!")]  # carol opted out: nothing, not even in a channel
    assert "carol, we miss you" not in out
