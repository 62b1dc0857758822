"""End to end: the ``steward`` CLI as a user runs it, driven through the console adapter."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

CONFIG = """
storage: {{url: "sqlite+aiosqlite:///{db}"}}
platforms:
  console: {{bot_name: steward}}
communities:
  - name: acme
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{general: "#general", modlog: "#mod-log"}}
    commands: {{per_member: 50, window: 10s}}
    moderation:
      rules:
        - name: banned-words
          words: [casino, freenitro]
          words_file: wordlists/scam.txt
          allow: [casinos-royale-club]
          actions: [delete, {{warn: 1}}]
        - name: scam-patterns
          regex: ['fr[e3]{{2}}\\s*n[i1]tro']
          actions: [delete, alert]
        - name: mention-spam
          mentions: {{max: 5}}
          actions: [delete, {{timeout: 10m}}]
      escalation:
        expire_after: 30d
        thresholds: {{3: {{timeout: 1h}}, 5: kick, 8: ban}}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "steward.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "steward.db"), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DISCORD_TOKEN", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Console:
    """A running ``steward run`` fed line by line, its output read as it comes."""

    def __init__(self, config: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "steward.cli", "run", "--config", str(config), "--console"],
            cwd=ROOT, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", bufsize=1)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for an output line matching ``pattern``."""
        regex = re.compile(pattern)
        for line in self.lines:
            if (m := regex.search(line)) is not None:
                return m
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if (m := regex.search(line)) is not None:
                return m
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines[-40:]))

    def settle(self, quiet: float = 0.5) -> None:
        """Read until the output has been quiet for ``quiet`` seconds."""
        while True:
            try:
                line = self._queue.get(timeout=quiet)
            except queue.Empty:
                return
            if line is None:
                return
            self.lines.append(line)

    def quit(self) -> None:
        self.send(":quit")
        self.proc.wait(timeout=20)
        self.settle(0.2)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown, no flush
        self.proc.wait(timeout=10)


def test_banned_word_escalation_expiry_and_appeal_on_the_console(config: Path) -> None:
    c = Console(config)
    try:
        c.send(":role mo Moderators")
        c.expect(r"mo now has role Moderators")
        c.send("bob: come to the c a s i n o")
        c.expect(r"\[action\] delete m\d+ \(rule banned-words\)")
        c.expect(r"\[#mod-log\] steward: Case #1 · warn \(1 pt\) · @bob · by rule banned-words")
        c.send("bob: CASINO night")
        c.expect(r"Case #2 · warn")
        c.send("bob: ca$ino again")
        c.expect(r"\[action\] timeout bob 1h")
        c.expect(r"Case #4 · timeout for 1h · @bob · by rule escalation")
        c.send("bob: can I talk?")
        c.expect(r"\[blocked\] bob is timed out")
        c.send(":time +61m")
        c.expect(r"Case #4 ended: the timeout of @bob ran out")
        c.send(":time +3h")
        c.expect(r"time moves forward 3h")
        c.send("bob: /appeal 3")
        c.expect(r"\[form\] Appeal case #3 for bob")
        c.send("bob: I was quoting the rules")
        c.send("bob: -")
        post = c.expect(r"\((m\d+)\) \[#mod-log\] steward: Appeal of case #3 \(warn\) from @bob")
        c.expect(r"\[1\] Approve  \[2\] Deny")
        c.send(f"mo: press {post.group(1)} 1")
        c.expect(r"\[dm:bob\] steward: Your appeal of case #3 in acme was approved: the case is revoked")
        c.send("mo: /case 3")
        c.expect(r"Appeal: approved")
        c.quit()
    finally:
        if c.proc.poll() is None:
            c.kill()
    text = "\n".join(c.lines)
    assert text.count("ended: the timeout of @bob") == 1


def test_tempban_survives_sigkill_and_ends_once(config: Path) -> None:
    first = Console(config)
    try:
        first.send(":role mo Moderators")
        first.send("+eve")
        first.send("+carl")
        first.send("mo: /ban eve 1h raiding")
        first.expect(r"\[action\] ban eve")
        first.expect(r"Case #1: ban eve for 1h")
        first.send("mo: /ban carl 1h spamming")
        first.expect(r"Case #2: ban carl for 1h")
        first.send("mo: /unban carl appealed by mail")
        first.expect(r"Case #3: unban carl")
    finally:
        first.kill()
    assert first.proc.returncode == -9

    second = Console(config)
    try:
        second.send(":time +2h")
        second.expect(r"Case #1 ended: the ban of @eve ran out; Steward lifted it")
        second.send(":time +2h")
        second.expect(r"time moves forward 2h", timeout=10)
        second.send("mo: /case 2")
        second.settle(1.0)
        second.quit()
    finally:
        if second.proc.poll() is None:
            second.kill()
    output = "\n".join(second.lines)
    assert output.count("ended: the ban of @eve") == 1
    assert "ban of @carl" not in output  # the manual unban left nothing to fire


def test_plain_run_still_works(tmp_path: Path) -> None:
    # run from a scratch folder so the example's relative SQLite path lands there
    example = str(ROOT / "config" / "example.yaml")
    result = subprocess.run([sys.executable, "-m", "steward.cli", "run", "--config", example],
                            input="alice: hello\nalice: /help\n", cwd=tmp_path, env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "alice: hello" in result.stdout and "/appeal" in result.stdout


def test_check_cli_prints_one_json_object_per_line(config: Path, tmp_path: Path) -> None:
    lines = ["hello class", "join the c.a.s.i.n.o", "FR33 N1TRO", "@a @b @c @d @e @f hi", "casinos-royale-club"]
    result = subprocess.run([sys.executable, "-m", "steward.cli", "moderation", "check", "--config", str(config)],
                            input="\n".join(lines) + "\n", cwd=ROOT, env=_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert out[0]["rules"] == [] and out[0]["actions"] == []
    assert out[1]["rules"] == ["banned-words"] and out[1]["actions"] == ["delete", "warn 1"]
    assert out[2]["rules"] == ["banned-words", "scam-patterns"] and out[2]["actions"] == ["delete", "warn 1", "alert"]
    assert out[3]["rules"] == ["mention-spam"] and out[3]["actions"] == ["delete", "timeout 10m"]
    assert out[4]["rules"] == []
    source = tmp_path / "in.txt"
    source.write_text("casino\n", encoding="utf-8")
    again = subprocess.run([sys.executable, "-m", "steward.cli", "moderation", "check", "--config", str(config),
                            "--community", "acme", "--input", str(source)], cwd=ROOT, env=_env(),
                           capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["rules"] == ["banned-words"]


def test_bench_cli_prints_the_figures() -> None:
    result = subprocess.run([sys.executable, "-m", "steward.cli", "moderation", "bench", "--keywords", "2000",
                             "--regexes", "10", "--messages", "2000", "--json"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("msgs_per_s", "p50_us", "p99_us", "naive_msgs_per_s", "ratio"):
        assert key in figures
    assert figures["ratio"] > 10


def test_a_banned_member_appeals_from_the_dm_on_the_console(tmp_path: Path) -> None:
    example = str(ROOT / "config" / "example.yaml")
    # m6: the ban's DM (onboarding's welcome to bob comes first: m1-m4)
    chat = "bob: claim https://discord-nitro.gift/free now\nbob: hello\nbob: press m6 1\nbob: my account was stolen\n" \
        "bob: -\n"
    result = subprocess.run([sys.executable, "-m", "steward.cli", "run", "--config", example], input=chat,
                            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[action] ban bob" in out and "[blocked] bob is banned" in out  # out of the server ...
    assert "[form] Appeal case #1 for bob" in out  # ... but the DM's Appeal button still works
    assert "Appeal of case #1 (ban) from @bob" in out and "my account was stolen" in out
