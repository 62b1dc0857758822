"""One community on two platforms, on the console: a member links their accounts, a message crosses."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from tests.e2e.test_console_cli import ROOT, env, steward

CONFIG = """\
storage: {{url: "sqlite+aiosqlite:///{db}"}}
timezone: UTC
platforms:
  console: {{sides: [discord, slack]}}
communities:
  - name: acme
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels:
      modlog: "#mod-log"
      general: "#general"
      lounge: {{discord: "#lounge", slack: "#lounge-slack"}}
    moderation:
      rules:
        - {{name: banned-words, words: [casino], actions: [delete]}}
    identity: {{}}
    bridge: {{channels: [lounge]}}
"""


def test_a_member_links_two_accounts_and_a_bridged_message_crosses_without_a_ping(tmp_path: Path) -> None:
    config = tmp_path / "steward.yaml"
    config.write_text(CONFIG.format(db=tmp_path / "steward.db"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "steward.cli", "run", "--config", str(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env())
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("+mo\n:role mo Moderators\nalice: /link\n")
        proc.stdin.flush()
        seen: list[str] = []
        code = None
        while code is None:  # the code is random: read it as the member does, then type it on Slack
            line = proc.stdout.readline()
            assert line, "Steward ended before answering /link:\n" + "".join(seen)
            seen.append(line)
            found = re.search(r"Your link code is ([A-Z0-9]{3}-[A-Z0-9]{3})", line)
            code = found.group(1) if found else None
        proc.stdin.write("\n".join([
            "@slack alice: /link ACD-EFG",         # a wrong code is answered, and counted
            f"@slack alice: /link {code}",
            f"@slack carol: /link {code}",          # used once only
            "#lounge",
            "alice: hello @everyone and <!channel> from discord",
            "@slack #lounge-slack",
            "@slack bob: hi alice @here",
            "@slack spammer: best casino in town",  # moderation deletes it first: it never crosses
            "mo: /links",
            "@teams alice: hi",                     # a side that isn't there is named, not guessed
            ":quit"]) + "\n")
        proc.stdin.close()
        rest = proc.stdout.read()
        stderr = proc.stderr.read() if proc.stderr else ""
        proc.wait(30)
    finally:
        watchdog.cancel()
    out = "".join(seen) + rest
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "Something went wrong" not in out
    assert f"discord | (m1) [#general] steward → alice: Your link code is {code}" in out
    assert "slack | " in out and "That code is wrong" in out
    linked = [x for x in out.splitlines() if "Linked (link #1)" in x]
    assert len(linked) == 1 and linked[0].startswith("slack | ")
    assert "your slack account alice and your discord account alice are one member here now" in linked[0]
    assert any(x.startswith("discord | ") and "[dm:alice]" in x and "linked to the slack account alice" in x
               for x in out.splitlines())
    assert "That code was already used" in out
    crossed = [x for x in out.splitlines() if "alice on discord: hello @everyone and <!channel> from discord" in x]
    assert len(crossed) == 1 and crossed[0].startswith("slack | ") and "[#lounge-slack] steward" in crossed[0]
    back = [x for x in out.splitlines() if "bob on slack: hi alice @here" in x]
    assert len(back) == 1 and back[0].startswith("discord | ") and "[#lounge] steward" in back[0]
    assert not any("casino" in x for x in out.splitlines() if x.startswith("discord | ") and "[#lounge]" in x)
    assert "slack | [action] delete m6 (rule banned-words)" in out
    assert "#1 discord alice ↔ slack alice" in out
    assert "[console] no side @teams (sides: slack)" in out


def test_sides_are_checked_in_the_config(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config_text
    from steward.catalog import discover

    catalog = discover()
    for sides, message in (("[discord]", "two platforms or more"), ("[discord, discord]", "named once"),
                           ("[Discord!, slack]", "not a platform name")):
        text = CONFIG.format(db="x.db").replace("[discord, slack]", sides)
        try:
            load_config_text(text, **catalog.config_models(), env={})
        except ConfigError as exc:
            assert "platforms.console.sides" in str(exc) and message in str(exc), str(exc)
        else:
            raise AssertionError(f"sides {sides} was accepted")


EVENTS = """\
storage: {{url: "sqlite+aiosqlite:///{db}"}}
timezone: UTC
platforms:
  console: {{sides: [discord, slack]}}
communities:
  - name: acme
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels:
      modlog: "#mod-log"
      general: "#general"
      events: {{discord: "#events", slack: "#meetups"}}
    events: {{members_create: true, channel: events}}
"""


def test_an_event_card_on_both_sides_fills_one_capacity_and_one_waitlist(tmp_path: Path) -> None:
    config = tmp_path / "steward.yaml"
    config.write_text(EVENTS.format(db=tmp_path / "steward.db"), encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("\n".join([
        "alice: /event create", "alice: Game night", "alice: in 3 hours", "alice: 2h", "alice: -",
        "alice: capacity 2", "alice: press m1 1",
        "bob: press m2 1",            # Discord's card is m2 on the Discord side,
        "@slack carol: press m1 1",   # Slack's is m1 on the Slack side: one event
        "@slack dave: press m1 1",    # full: Slack's dave waits first
        "erin: press m2 1",           # then Discord's erin
        "bob: press m2 3",            # a Discord seat frees up: it goes to the head of the line, on Slack
        ":quit"]) + "\n", encoding="utf-8")
    result = steward("run", "--config", str(config), "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr and "Something went wrong" not in out
    lines = out.splitlines()
    assert "discord | (m2) [#events] steward: 📅 Event #1: Game night" in lines
    assert "slack | (m1) [#meetups] steward: 📅 Event #1: Game night" in lines
    assert "Event #1 is posted in #events on discord and #meetups on slack." in out
    assert "slack | (m3) [#meetups] steward → dave: The event is full: you're on the waitlist, number 1" in out
    assert "discord | (m5) [#events] steward → erin: The event is full: you're on the waitlist, number 2" in out
    # every change edits both cards where they are; neither is posted again
    assert lines.count("discord | (m2 edited) [#events] steward: 📅 Event #1: Game night") == 5
    assert lines.count("slack | (m1 edited) [#meetups] steward: 📅 Event #1: Game night") == 5
    assert sum("📅 Event #1" in x and "edited" not in x for x in lines) == 2
    assert "slack | (m4) [dm:dave] steward: A seat freed up: you're now going to event #1 (Game night)" in out
    assert out.count("Going 1 · Maybe 0 · Can't go 1 · 1 seat(s) left") == 0  # the freed seat never shows free
    assert out.count("Going 2 · Maybe 0 · Can't go 1 · 1 waiting · 0 seat(s) left") == 2  # both cards, at the end
