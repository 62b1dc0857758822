"""Moderation settings that used to be accepted wrongly are refused at load with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config_text
from cogs.moderation.cog import ModerationCog

BASE = """
communities:
  - name: acme
    channels: {modlog: "#mod-log"}
    moderation:
      rules:
        - name: r
"""
MODELS = {"moderation": ModerationCog.settings_model}


def issues(rule: str, after: str = "") -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config_text(BASE + rule + after, cogs=MODELS, env={}, file="test.yaml")
    return [str(i) for i in err.value.issues]


@pytest.mark.parametrize("pattern", [r"\b", r"\C", ".", "[a-z]", r"\w", "(?i)e|o", r"\s*", "x?"])
def test_regex_matching_nearly_everything_is_refused(pattern: str) -> None:
    found = issues(f"          regex: ['{pattern}']\n          actions: [delete]\n")
    assert any(f.startswith("test.yaml:8 communities[0].moderation.rules[0].regex[0]") and "every message" in f
               for f in found), found


@pytest.mark.parametrize("words", ["['']", "['  ']", "[casino, '']", "['**']", "['\u200b']"])
def test_empty_or_blank_words_are_refused(words: str) -> None:
    found = issues(f"          words: {words}\n          actions: [delete]\n")
    assert any("communities[0].moderation.rules[0].words" in f and "no letters or digits" in f for f in found), found


@pytest.mark.parametrize("name", ["/proc/self/environ", "../../etc/shadow", "wordlists/../../pyproject.toml"])
def test_words_file_outside_config_is_refused(name: str) -> None:
    found = issues(f"          words_file: '{name}'\n          actions: [delete]\n")
    assert any("words_file" in f and "relative to config/" in f for f in found), found


def test_words_file_symlink_out_of_config_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "secret.txt").write_text("hunter2\n")
    (tmp_path / "config" / "list.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.chdir(tmp_path)
    found = issues("          words_file: list.txt\n          actions: [delete]\n")
    assert any("leads outside config/" in f for f in found), found


def test_oversized_and_empty_word_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "big.txt").write_text("word\n" * 250_000)
    (tmp_path / "config" / "empty.txt").write_text("# nothing yet\n\n")
    monkeypatch.chdir(tmp_path)
    assert any("the limit is" in f or "may hold" in f
               for f in issues("          words_file: big.txt\n          actions: [delete]\n"))
    assert any("has no entries" in f for f in issues("          words_file: empty.txt\n          actions: [delete]\n"))


def test_ban_delete_history_past_seven_days_is_refused() -> None:
    found = issues("          words: [casino]\n          actions: [{ban: {delete_history: 30d}}]\n")
    assert any("delete_history is at most 1w" in f for f in found), found
    found = issues("          words: [casino]\n          actions: [delete]\n", "      ban_delete_history: 30d\n")
    assert any("ban_delete_history" in f for f in found), found
