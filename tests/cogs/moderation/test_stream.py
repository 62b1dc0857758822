"""`steward moderation check --stream`: a timestamped chat, so flood, repeat and raid rules apply offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import load_config_text
from cogs.moderation.cli import StreamReader
from cogs.moderation.settings import ModerationSettings
from tests.cogs.moderation.test_e2e import ROOT, _env

EXAMPLE = ROOT / "config" / "example.yaml"

SECTION = """
communities:
  - name: acme
    moderation:
      rules:
        - {name: banned, words: [casino], actions: [delete]}
        - {name: flood, flood: {messages: 4, within: 5s}, actions: [delete, {timeout: 5m}]}
        - {name: repeated, repeats: {count: 3, within: 1m}, actions: [delete, {warn: 1}]}
      raid: {joins: 3, within: 1m, action: kick, ends_after: 10m}
"""


@pytest.fixture
def reader() -> StreamReader:
    config = load_config_text(SECTION, cogs={"moderation": ModerationSettings}, env={})
    section = config.communities[0].cog_sections()["moderation"]
    assert isinstance(section, ModerationSettings)
    return StreamReader(section)


def test_flood_repeats_and_raids_follow_the_timestamps(reader: StreamReader) -> None:
    out = [reader.line(f"12:00:0{i} ann: message {i}") for i in range(4)]
    assert [o["rules"] for o in out] == [[], [], [], ["flood"]]
    # the same four messages spread over a minute are no flood
    calm = [reader.line(f"12:0{i + 1}:00 bob: message {i}") for i in range(4)]
    assert all(o["rules"] == [] for o in calm)
    same = [reader.line(f"12:10:0{i} cy: buy now") for i in range(3)]
    assert same[-1]["rules"] == ["repeated"] and same[-1]["why"] == {"repeated": "same message 3 times"}
    joins = [reader.line(f"13:00:0{i} +raider{i}") for i in range(4)]
    assert [j["raid"] for j in joins] == [False, False, True, True]
    assert joins[2] == {"at": "13:00:02", "joined": "raider2", "raid": True, "actions": ["kick"],
                        "raid_started": True}
    assert reader.line("13:20:00 +late")["raid"] is False  # the raid ended after 10 minutes


def test_a_chat_past_midnight_keeps_its_order(reader: StreamReader) -> None:
    assert reader.line("23:59:58 ann: a")["rules"] == []
    reader.line("23:59:59 ann: b")
    reader.line("00:00:00 ann: c")
    assert reader.line("00:00:01 ann: d")["rules"] == ["flood"]


@pytest.mark.parametrize("bad", ["no time here", "12:00", "25:00 ann: x", "12:61:00 ann: x", "12:00:00 ann"])
def test_bad_lines_say_what_is_expected(reader: StreamReader, bad: str) -> None:
    with pytest.raises(ValueError):
        reader.line(bad)


@given(st.text(max_size=60))
def test_any_line_gets_a_verdict_or_a_reason(line: str) -> None:
    config = load_config_text(SECTION, cogs={"moderation": ModerationSettings}, env={})
    section = config.communities[0].cog_sections()["moderation"]
    assert isinstance(section, ModerationSettings)
    try:
        out = StreamReader(section).line(line)
    except ValueError as exc:
        assert str(exc)
    else:
        assert "at" in out and ("rules" in out or "joined" in out)


def test_the_cli_reads_a_stream_and_reports_bad_lines_without_stopping(tmp_path: Path) -> None:
    chat = ["12:00:01 alice: hello", "12:00:02 alice: hi", "12:00:02 alice: hi", "12:00:03 alice: hi",
            "what is this", "12:00:04 bob: casino"]
    result = subprocess.run([sys.executable, "-m", "steward.cli", "moderation", "check", "--config", str(EXAMPLE),
                             "--stream"], input="\n".join(chat) + "\n", cwd=ROOT, env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "line 5: expected `HH:MM[:SS] name: text`" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["author"] for o in out] == ["alice"] * 4 + ["bob"]
    assert out[3]["rules"] == ["repeated"] and out[4]["rules"] == ["banned-words"]
