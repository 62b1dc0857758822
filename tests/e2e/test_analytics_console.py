"""Analytics as a team meets it, with config/example.yaml on the console: two members chat (one trips a
moderation rule, one sends feedback), a moderator asks /stats (and mistypes a period), makes a campaign
invite, the weekly report lands in #staff with its charts on Monday, and `steward report` writes the
page, CSV and JSON — and says so when a community has nothing yet."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.test_console_cli import ROOT, steward
from tests.e2e.test_feedback_console import minutes_past_next_digest

SCRIPT = """\
+alice
+bob
alice: hello everyone, first day here
bob: hi alice! welcome
alice: react m10 👋
bob: check out this casino
alice: /feedback
alice: Please add a calendar view
alice: -
alice: feature
alice: no
:role mo Moderators
mo: /stats 30x
mo: /stats 7d
mo: /invite create spring-meetup
mo: /invite create two words
mo: /invite list
alice: /stats
:time +{minutes}m
"""


def example_config(tmp_path: Path) -> Path:
    example = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8")
    config = tmp_path / "steward.yaml"
    config.write_text(re.sub(r"sqlite\+aiosqlite:///[^\"'\s}]+", f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                             example, count=1), encoding="utf-8")
    return config


def test_stats_campaigns_and_the_weekly_report_on_the_console(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    result = steward("run", "--config", str(config), stdin=SCRIPT.format(minutes=minutes_past_next_digest()),
                     cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Something went wrong" not in out
    assert ("steward → mo: I can't read that period: `30x`: unknown unit `x` — try 10m, 2h30m, 7d or 2 hours "
            "(a period is whole days or weeks: 7d, 30d, 4w)") in out
    stats = out[out.index("steward → mo: Stats, last 7 day(s)"):]
    assert "Members: 2 active (WAU 2," in stats and "3 new, 0 left" in stats  # mo joined too, and only typed commands
    assert "Activity: 2 messages, 0 replies, 1 reactions." in stats  # the post moderation deleted is not counted
    assert "Onboarding: 3 joined → 2 started → 0 completed → 2 posted" in stats  # mo is staff, not a newcomer
    assert "Moderation: 1 warn (auto)" in stats
    assert "Feedback: 1 new, 0 shipped." in stats
    assert "Top contributors: bob (1), alice (1)" in stats  # a tie: bob's message got alice's reaction
    assert ("steward → mo: Campaign spring-meetup created.\nconsole: no invite links to track here, so members who "
            "answer spring-meetup to the onboarding question on how they found us count for it.") in out
    assert "steward → mo: A campaign name is 1–40 lower-case letters, digits, - or _" in out
    assert "steward → mo: Campaigns:\nspring-meetup (console): counted by the onboarding answer" in out
    assert "steward → alice: /stats is for moderators; you can't use it here." in out
    weekly = out[out.index("[#staff] steward: Weekly community report for"):]
    assert "Members: 2 active" in weekly
    charts = re.findall(r"\[file\] (\w+)\.png \([\d.]+ KB\) → (\S+)", weekly)
    assert [name for name, _path in charts] == ["activity", "retention", "funnel", "moderation", "events",
                                                "feedback", "promotion"]
    for _name, path in charts:
        assert (tmp_path / path).read_bytes().startswith(b"\x89PNG")

    page = tmp_path / "report.html"
    made = steward("report", "--config", str(config), "--community", "acme", "--since", "30d", "--out", str(page),
                   cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "wrote the html report of acme for the last 30 day(s)" in made.stderr
    html = page.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 7 and "http://" not in html and "https://" not in html
    assert "<td>alice</td><td>1</td>" in html and "<td>#general</td><td>2</td>" in html
    as_json = steward("report", "--config", str(config), "--community", "acme", "--format", "json", "--out", "-",
                      cwd=tmp_path)
    data = json.loads(as_json.stdout)
    assert (data["mau"], data["new"], data["feedback_new"]) == (2, 3, 1)
    as_csv = steward("report", "--config", str(config), "--community", "acme", "--format", "csv", "--out", "-",
                     cwd=tmp_path)
    assert as_csv.stdout.startswith("section,name,key,value\n") and "summary,active members (MAU),,2" in as_csv.stdout


def test_report_refusals_and_an_empty_community(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    bad = steward("report", "--config", str(config), "--community", "acme", "--since", "30x", "--out", "r.html",
                  cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.strip() == (
        "steward: --since: `30x`: unknown unit `x` — try 10m, 2h30m, 7d or 2 hours "
        "(a period is whole days or weeks: 7d, 30d, 4w)")
    other = steward("report", "--config", str(config), "--community", "nope", "--out", "r.html", cwd=tmp_path)
    assert other.returncode == 1 and "no community 'nope'" in other.stderr and "(there: acme)" in other.stderr
    empty = steward("report", "--config", str(config), "--community", "acme", "--out", "r.html", cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert "acme has no activity recorded yet; the report says so" in empty.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No activity has been recorded for this community yet" in html and "<img" not in html
    unwritable = steward("report", "--config", str(config), "--community", "acme", "--out",
                         str(tmp_path / "missing" / "r.html"), cwd=tmp_path)
    assert unwritable.returncode == 1 and "can't write" in unwritable.stderr


def test_simulate_then_report_and_the_refusal_of_real_members(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    made = steward("simulate", "--config", str(config), "--community", "acme", "--days", "8", "--members", "40",
                   cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "simulating [####################] day 8/8" in made.stderr and "Traceback" not in made.stderr
    assert "simulated 8 day(s) of acme with 40 members" in made.stderr
    data = json.loads(steward("report", "--config", str(config), "--community", "acme", "--since", "8d",
                              "--format", "json", "--out", "-", cwd=tmp_path).stdout)
    assert data["mau"] > 10 and data["messages"] > 100 and data["new"] > 5
    assert data["cases"] and data["events"] and data["funnel"][0][1] == data["new"]  # moderation ran for real
    assert data["feedback_new"] > 0  # posts in #feedback became items through the feedback cog
    # a person talks on the console: the database now holds a real member, and simulate refuses it
    ran = steward("run", "--config", str(config), stdin="alice: hello\n", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    refused = steward("simulate", "--config", str(config), "--community", "acme", "--days", "2", "--members", "5",
                      cwd=tmp_path)
    assert refused.returncode == 1
    assert "already holds 1 real member account(s)" in refused.stderr and "--force" in refused.stderr
    forced = steward("simulate", "--config", str(config), "--community", "acme", "--days", "1", "--members", "5",
                     "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    bad = steward("simulate", "--config", str(config), "--community", "acme", "--days", "400", cwd=tmp_path)
    assert bad.returncode == 1 and "--days is 1 to 90" in bad.stderr
