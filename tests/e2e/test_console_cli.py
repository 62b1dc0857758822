"""The CLI started as a user starts it, driven through the console adapter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
storage: {{url: "sqlite+aiosqlite:///{db}"}}
timezone: UTC
communities:
  - name: acme
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{modlog: "#mod-log", general: "#general", welcome: "#welcome"}}
    commands: {{per_member: 3, window: 10s}}
"""


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper() and not k.startswith(("DISCORD", "SLACK"))}
    e["PYTHONPATH"] = str(ROOT)
    return e


def steward(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "steward.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env())


def config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "steward.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "steward.db") + extra, encoding="utf-8")
    return path


def test_help_through_a_pipe_exits_zero(tmp_path: Path) -> None:
    result = steward("run", "--config", str(config(tmp_path)), stdin="alice: hello\nalice: /help\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "(m1) [#general] alice: hello" in lines
    assert any(line.startswith("(m2) [#general] steward → alice: Commands you can use:") for line in lines)
    assert "  /help [command] — List the commands you can use, or every parameter of one: /help ban." in lines
    assert "/reload" not in result.stdout  # admin-only commands are not offered to members
    assert "Traceback" not in result.stderr


def test_grammar_channels_members_roles_and_errors(tmp_path: Path) -> None:
    script = "\n".join([
        "+bob", "#welcome", "bob: hi from welcome", "#general", "carol: /hlep", "carol: /reload",
        ":role carol Admins", "carol: /help", ":role carol Wizards", "this is not grammar", ":time +2h",
        ":time +soon", "-bob", "-bob", "carol: /about",
    ]) + "\n"
    result = steward("run", "--config", str(config(tmp_path)), stdin=script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[console] bob joined" in out
    assert "[#welcome] bob: hi from welcome" in out
    assert "Unknown command /hlep. Did you mean /help?" in out
    assert "/reload is for admins; you can't use it here." in out
    assert "[console] carol now has role Admins" in out
    assert "/reload — Re-read the config file" in out
    assert "[console] no role 'Wizards'" in out
    assert "[console] didn't understand that." in out
    assert "[console] time moves forward 2h" in out
    assert "[console] `soon` isn't a duration" in out
    assert "[console] bob left" in out and "[console] bob is not here" in out
    assert "Community: acme." in out


def test_script_file_and_quit(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("alice: one\n:quit\nalice: two\n", encoding="utf-8")
    result = steward("run", "--config", str(config(tmp_path)), "--script", str(script))
    assert result.returncode == 0, result.stderr
    assert "alice: one" in result.stdout and "alice: two" not in result.stdout


def test_broken_config_stops_run_with_located_error(tmp_path: Path) -> None:
    path = config(tmp_path, "    modration: {}\n")
    result = steward("run", "--config", str(path), stdin="alice: hi\n")
    assert result.returncode == 1
    assert "steward.yaml:8 communities[0].modration: unknown section" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pg.yaml"
    path.write_text(CONFIG.format(db="x").replace('"sqlite+aiosqlite:///x"',
                                                  '"postgresql+asyncpg://steward:s3cret@127.0.0.1:1/steward"'))
    result = steward("run", "--config", str(path), stdin="")
    assert result.returncode == 1
    assert "can't open database postgresql+asyncpg://steward:***@127.0.0.1:1/steward" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_and_version(tmp_path: Path) -> None:
    result = steward("db", "upgrade", "--config", str(config(tmp_path)))
    assert result.returncode == 0 and "is up to date" in result.stdout
    version = steward("--version")
    assert version.returncode == 0 and version.stdout.startswith("steward ")


def test_sighup_reload_keeps_last_good_config(tmp_path: Path) -> None:
    path = config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "steward.cli", "--log-level", "info", "run", "--config",
                             str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env())
    try:
        assert proc.stdin is not None and proc.stderr is not None
        _wait_for_line(proc, "steward started")
        path.write_text(path.read_text() + "    bogus: 1\n")
        proc.send_signal(signal.SIGHUP)
        line = _wait_for_line(proc, "reload:")
        assert "steward.yaml:8 communities[0].bogus: unknown section" in line
        proc.stdin.write(":role root Admins\nroot: /about\n")
        proc.stdin.close()
        out = proc.stdout.read() if proc.stdout else ""
        assert proc.wait(30) == 0
        assert "Community: acme." in out  # still running on the last good config
    finally:
        proc.kill()


def _wait_for_line(proc: subprocess.Popen[str], needle: str, limit: float = 30.0) -> str:
    assert proc.stderr is not None
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if needle in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no log line with {needle!r}")
