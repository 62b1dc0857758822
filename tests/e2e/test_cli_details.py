"""Issue 19, items 3, 4 and 6: the CLI as a newcomer meets it (terminal, pipes, defaults, summaries)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.test_console_cli import ROOT, config, env, steward

PLATFORMS = """\
platforms:
  discord: {token: "${DISCORD_TOKEN:-}"}
  slack: {bot_token: "${SLACK_BOT_TOKEN:-}", app_token: "${SLACK_APP_TOKEN:-}"}
"""


def test_moderation_check_defaults_to_the_example_config() -> None:
    result = steward("moderation", "check", stdin="free n1tro here\nthe class assessment\n")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert '"scam-patterns"' in first and '"rules": []' in second


def test_moderation_check_names_a_community_that_does_not_exist() -> None:
    result = steward("moderation", "check", "--community", "nope", stdin="hi\n")
    assert result.returncode == 1
    assert "there is no community `nope` in config/example.yaml (communities: acme)" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_alone_prints_the_db_help() -> None:
    result = steward("db")
    assert result.returncode == 2
    assert "usage: steward db" in result.stdout and "upgrade" in result.stdout


def test_db_upgrade_says_what_it_applied(tmp_path: Path) -> None:
    path = config(tmp_path)
    first = steward("db", "upgrade", "--config", str(path))
    assert first.returncode == 0, first.stderr
    assert "migration(s):" in first.stdout and "  core_0001 (Core tables: scheduled jobs.)" in first.stdout
    second = steward("db", "upgrade", "--config", str(path))
    assert "applied" not in second.stdout and "is up to date" in second.stdout


def test_check_config_says_which_platforms_start(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(PLATFORMS + config(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
    off = steward("check-config", str(path))
    assert off.returncode == 0, off.stderr
    assert "  discord: off for want of credentials (token empty)" in off.stdout
    assert "  slack: off for want of credentials (bot_token, app_token empty)" in off.stdout
    assert "  console: starts, as no platform has credentials" in off.stdout
    e = env() | {"DISCORD_TOKEN": "x", "SLACK_BOT_TOKEN": "xoxb-1"}
    on = subprocess.run([sys.executable, "-m", "steward.cli", "check-config", str(path)], capture_output=True,
                        text=True, timeout=60, cwd=ROOT, env=e)
    assert "  discord: starts" in on.stdout
    assert "  slack: will NOT start: app_token empty (start-up stops)" in on.stdout
    assert "console:" not in on.stdout


def test_a_match_everything_word_is_refused(tmp_path: Path) -> None:
    path = config(tmp_path, "    moderation:\n      rules:\n        - {name: all, words: ['*'], actions: [delete]}\n")
    result = steward("check-config", str(path))
    assert result.returncode == 1
    assert "rules[0].words: entry 1 (`*`) has no letters or digits to match" in result.stderr


def test_the_config_log_level_is_applied_and_the_flag_overrides_it(tmp_path: Path) -> None:
    quiet = config(tmp_path, "log_level: error\n")
    assert "steward started" not in steward("run", "--config", str(quiet), stdin="").stderr
    loud = tmp_path / "loud.yaml"
    loud.write_text(quiet.read_text(encoding="utf-8").replace("log_level: error", "log_level: info"))
    assert "level=info logger=steward msg=\"steward started" in steward("run", "--config", str(loud), stdin="").stderr
    flagged = steward("--log-level", "info", "run", "--config", str(quiet), stdin="")
    assert "steward started" in flagged.stderr


def test_a_pipe_gets_no_banner_and_a_closed_pipe_no_traceback(tmp_path: Path) -> None:
    lines = "".join(f"alice: hello {i}\n" for i in range(300))
    proc = subprocess.Popen([sys.executable, "-m", "steward.cli", "run", "--config", str(config(tmp_path))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env())
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(lines)
    proc.stdin.flush()
    head = [proc.stdout.readline() for _ in range(5)]  # what `| head -5` reads, then it goes away
    proc.stdout.close()
    proc.stdin.close()
    assert proc.wait(60) == 0
    stderr = proc.stderr.read()
    assert head[0] == "[console] alice joined\n" and not any("Steward 0.1" in line for line in head)
    assert "BrokenPipeError" not in stderr and "Traceback" not in stderr, stderr


def test_a_terminal_gets_a_banner_and_a_prompt(tmp_path: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: steward on a terminal, as `make run` in a shell
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "steward.cli", "run", "--config", str(config(tmp_path))],
                  env())
    try:
        seen = _read_until(fd, b"> ")
        assert b"Steward 0.1.0" in seen and b"community operations for Discord and Slack" in seen
        assert b":quit or Ctrl-D quits" in seen
        os.write(fd, b"alice: hi\n")
        assert b"(m1) [#general] alice: hi" in _read_until(fd, b"> ")
        os.write(fd, b":help\n")
        assert b":name NAME SHOWN" in _read_until(fd, b"> ")
        os.write(fd, b":quit\n")
        _read_until(fd, b"\x00", limit=15.0)  # until the terminal closes
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


def _read_until(fd: int, marker: bytes, limit: float = 60.0) -> bytes:
    out = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            return out
        if not chunk:
            return out
        out += chunk
        if out.endswith(marker):
            return out
    raise AssertionError(f"no {marker!r} in {out[-400:]!r}")
