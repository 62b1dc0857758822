"""`steward check-config` rejects broken configs with file:line and key path, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config_text
from bot.config.types import Bool, ChannelName, Duration, RoleName, StrictModel

GOOD = """\
storage: {url: "sqlite+aiosqlite:///data/x.db"}
timezone: UTC
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
"""


class DemoRule(StrictModel):
    name: str
    enabled: bool = True
    exempt_roles: list[RoleName] = []
    channels: list[ChannelName] = []


class DemoSettings(StrictModel):
    enabled: Bool = True
    cooldown: Duration | None = None
    alert_channel: ChannelName | None = None
    rules: list[DemoRule] = []


COGS = {"demo": DemoSettings}

# (name, yaml, expected line, expected fragment)
CASES: list[tuple[str, str, int | None, str]] = [
    ("unknown top key", GOOD + "colour: blue\n", 7, "colour: unknown key"),
    ("unknown community key", GOOD.replace("    roles:", "    rolez: {}\n    roles:"), 5,
     "communities[0].rolez: unknown section `rolez`"),
    ("unknown cog section", GOOD + "    modration: {}\n", 7, "communities[0].modration: unknown section"),
    ("unknown key inside cog", GOOD + "    demo: {enabled: true, colour: red}\n", 7,
     "communities[0].demo.colour: unknown key"),
    ("wrong type int for list", GOOD + "    demo: {rules: 5}\n", 7, "communities[0].demo.rules"),
    ("no as bool", GOOD + "    demo: {enabled: no}\n", 7, "`no` is text in YAML 1.2"),
    ("off as bool", GOOD + "    demo:\n      enabled: off\n", 8,
     "communities[0].demo.enabled: `off` is text in YAML 1.2"),
    ("missing env var", GOOD.replace('"sqlite+aiosqlite:///data/x.db"', '"${STEWARD_NOPE_URL}"'), 1,
     "storage.url: environment variable STEWARD_NOPE_URL is not set"),
    ("duplicate key", GOOD + "timezone: UTC\n", 7, "duplicate key `timezone`"),
    ("yaml syntax", GOOD + "  - name: [unclosed\n", None, "YAML syntax"),
    ("tab indentation", GOOD + "\tbad: 1\n", None, "YAML syntax"),
    ("unknown channel ref", GOOD + "    demo: {alert_channel: '#nowhere'}\n", 7,
     "communities[0].demo.alert_channel: unknown channel `#nowhere`"),
    ("unknown role ref", GOOD + "    demo:\n      rules:\n        - name: r\n          exempt_roles: [Partners]\n", 10,
     "communities[0].demo.rules[0].exempt_roles[0]: unknown role `Partners`"),
    ("channel without hash", GOOD + "    demo: {alert_channel: mod-log}\n", 7, 'a channel is written as "#name"'),
    ("bad duration", GOOD + "    demo: {cooldown: 10x}\n", 7, "communities[0].demo.cooldown"),
    ("duration without unit", GOOD + "    demo: {cooldown: 10}\n", 7, "has no unit"),
    ("bad timezone", GOOD.replace("timezone: UTC", "timezone: Mars/Olympus"), 2, "unknown time zone"),
    ("bad storage driver", GOOD.replace("sqlite+aiosqlite", "mysql"), 1, "storage.url"),
    ("no communities", "storage: {url: 'sqlite+aiosqlite:///x.db'}\ncommunities: []\n", 2, "communities"),
    ("missing community name", GOOD.replace("  - name: acme\n    roles:", "  - roles:"), 4,
     "communities[0].name: required key is missing"),
    ("bad community name", GOOD.replace("name: acme", "name: Acme Corp"), 4, "communities[0].name"),
    ("duplicate community", GOOD + "  - name: acme\n", 7, "community `acme` is defined twice"),
    ("top level list", "- a\n- b\n", 1, "top level must be a mapping"),
    ("empty file", "", None, "the file is empty"),
    ("role given as id", GOOD.replace("[Moderators]", "[1234]"), 5, "name roles, not ids"),
    ("unknown log level", GOOD + "log_level: loud\n", 7, "log_level"),
    ("operations port out of range", GOOD + "operations: {port: 70000}\n", 7, "operations.port"),
    ("operations without a port", GOOD + "operations: {host: 127.0.0.1}\n", 7,
     "operations.port: required key is missing"),
    ("operations short token", GOOD + "operations:\n  port: 9464\n  report_token: abc\n", 9,
     "operations.report_token: the report token is at least 16"),
    ("operations bad host", GOOD + "operations: {host: 'http://x', port: 1}\n", 7, "operations.host"),
    ("rule missing name", GOOD + "    demo:\n      rules:\n        - enabled: true\n", 9,
     "communities[0].demo.rules[0].name: required key is missing"),
]


@pytest.mark.parametrize(("name", "yaml", "line", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_broken_config_is_located(name: str, yaml: str, line: int | None, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(yaml, file="example.yaml", cogs=COGS, env={})
    messages = [str(i) for i in info.value.issues]
    assert any(fragment in m for m in messages), messages
    if line is not None:
        assert any(m.startswith(f"example.yaml:{line} ") and fragment in m for m in messages), messages


def test_good_config_validates_with_env_and_defaults() -> None:
    text = GOOD.replace('"sqlite+aiosqlite:///data/x.db"', '"${DB_URL:-sqlite+aiosqlite:///d.db}"')
    config = load_config_text(text + "    demo: {enabled: false, cooldown: 2h30m}\n", cogs=COGS, env={})
    assert config.storage.url == "sqlite+aiosqlite:///d.db"
    section = config.communities[0].cog_sections()["demo"]
    assert section.enabled is False and section.cooldown.total_seconds() == 9000  # type: ignore[attr-defined]


def test_yaml_12_keeps_no_as_string() -> None:
    config = load_config_text(GOOD.replace('general: "#general"', "no: '#general'"), cogs=COGS, env={})
    assert config.communities[0].channels["no"] == "#general"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "steward.cli", *args], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"})


def test_check_config_cli_rejects_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "    modration: {}\ncolour: blue\n")
    result = run_cli("check-config", str(path))
    assert result.returncode == 1
    assert "example.yaml:7 communities[0].modration: unknown section" in result.stderr
    assert "example.yaml:8 colour: unknown key" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_check_config_cli_summary(tmp_path: Path) -> None:
    result = run_cli("check-config", str(write(tmp_path, GOOD)))
    assert result.returncode == 0, result.stderr
    assert "community acme: console only" in result.stdout
    assert "channels: modlog=#mod-log" in result.stdout


def test_check_config_missing_file(tmp_path: Path) -> None:
    result = run_cli("check-config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_example_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[3]
    result = run_cli("check-config", str(root / "config" / "example.yaml"))
    assert result.returncode == 0, result.stderr


ON_BOTH = '    discord: {guild: "123456789012345678"}\n    slack: {team: T0123ABC}\n    roles:'
TWO = GOOD.replace("    roles:", ON_BOTH) + """\
  - name: beta
    discord: {guild: 123456789012345678}
"""


def test_platform_sections_come_from_the_adapter_packages(tmp_path: Path) -> None:
    clash = TWO.replace("name: beta", "name: beta\n    slack: {team: T9}")
    result = run_cli("check-config", str(write(tmp_path, clash)))
    assert "communities[1].discord: discord 123456789012345678 already belongs to community `acme`" in result.stderr
    result = run_cli("check-config", str(write(tmp_path, TWO.replace("123456789012345678}", "999}"))))
    assert result.returncode == 0, result.stderr
    assert "community acme: discord 123456789012345678, slack T0123ABC" in result.stdout
    assert "community beta: discord 999" in result.stdout


def test_without_the_adapters_a_platform_section_is_unknown() -> None:
    with pytest.raises(ConfigError) as err:
        load_config_text(TWO, cogs=COGS, env={})
    assert "communities[0].discord: unknown section `discord`" in str(err.value)
