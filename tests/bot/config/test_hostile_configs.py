"""Hostile configs (alias bombs, deep nesting, tags, merges, huge numbers, bad bytes) are refused with
``file:line``, quickly and in bounded memory — never a traceback."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, load_config, load_config_text
from bot.config.types import Duration, StrictModel
from bot.config.yamltree import MAX_DEPTH, MAX_NODES, YamlRefused, build
from tests.bot.config.test_broken_configs import GOOD, run_cli


class Demo(StrictModel):
    words: list[str] = []
    cooldown: Duration | None = None
    limit: int = 3
    anything: object = None


COGS = {"demo": Demo}
MEMORY_CAP = 64 * 1024 * 1024


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(text, file="example.yaml", cogs=COGS, env={"DISCORD_TOKEN": "t"})
    return [str(i) for i in info.value.issues]


def laughs(levels: int, fan_out: int, where: str = "anything") -> str:
    lines = [GOOD + "    demo:", "      " + where + ":"]
    lines.append("        - &l0 [lol]")
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * fan_out)
        lines.append(f"        - &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_the_alias_line() -> None:
    text = laughs(9, 10)
    found = issues(text)
    assert len(found) == 1 and "expands to more than" in found[0], found
    line = int(found[0].split(":")[1].split()[0])
    assert "*l" in text.splitlines()[line - 1]  # the line of the alias that crossed the cap


def test_alias_bomb_inside_words_is_refused() -> None:
    found = issues(laughs(8, 10, where="words"))
    assert "expands to more than" in found[0]


@pytest.mark.parametrize(("name", "text", "line", "fragment"), [
    ("huge integer", GOOD + "    demo: {limit: " + "9" * 5000 + "}\n", 7, "digits"),
    ("yaml 1.3", "%YAML 1.3\n---\n" + GOOD, 1, "YAML syntax"),
    ("yaml 1.1", "%YAML 1.1\n---\n" + GOOD, 1, "`%YAML 1.1`: Steward reads YAML 1.2 only"),
    ("omap tag", GOOD + "    demo: {limit: !!omap [a: 1]}\n", 7, "the tag `!!omap` isn't allowed"),
    ("python tag", GOOD + "log_level: !!python/object:os.system info\n", 7,
     "the tag `!!python/object:os.system` isn't allowed"),
    ("local tag", GOOD + "log_level: !shout info\n", 7, "the tag `!shout`"),
    ("merge key", GOOD + "base: &b {x: 1}\nother:\n  <<: *b\n", 9, "merge keys (`<<`) aren't supported"),
    ("self merge", GOOD + "loop: &m\n  <<: *m\n", 8, "merge keys (`<<`) aren't supported"),
    ("recursive alias", GOOD + "loop: &r [1, *r]\n", 7, "refers to a value it is part of"),
    ("unknown alias", GOOD + "log_level: *nope\n", 7, "refers to no anchor `&nope`"),
    ("deep flow nesting", GOOD + "    demo: {anything: " + "[" * 5000 + "]" * 5000 + "}\n", 7,
     "nesting depth"),  # libyaml's own cap (1,000) speaks first
    ("nesting past the cap", GOOD + "    demo: {anything: " + "[" * 100 + "]" * 100 + "}\n", 7,
     f"nested more than {MAX_DEPTH} levels deep"),
    ("deep block nesting", GOOD + "    demo:\n      anything:\n" + "".join(
        "  " * (i + 4) + f"k{i}:\n" for i in range(200)), None, "nested more than"),
    ("bool as number", GOOD + "    commands: {per_member: true}\n", 7,
     "communities[0].commands.per_member: expected a number, got `true`"),
    ("arabic digits", GOOD + "    demo: {cooldown: ١٠m}\n", 7, "isn't a duration"),
    ("keys differing in type", GOOD + "    demo: {anything: {5: kick, '5': ban}}\n", 7, "duplicate key `5`"),
    ("unclosed substitution", GOOD.replace('"sqlite+aiosqlite:///data/x.db"', '"${DISCORD_TOKEN"'), 1,
     "storage.url: malformed substitution `${DISCORD_TOKEN`"),
    ("bad variable name", GOOD.replace('"sqlite+aiosqlite:///data/x.db"', '"${1BAD}"'), 1,
     "malformed substitution `${1BAD}`"),
    ("control character", GOOD + "log_level: in\x07fo\n", 7, "control character U+0007 at column 14"),
    ("lone surrogate", GOOD + "log_level: in\udce9fo\n", 7, "control character U+DCE9"),
    ("two documents", GOOD + "---\nx: 1\n", 7, "only one YAML document"),
    ("key that is a list", GOOD + "[a, b]: 1\n", 7, "a key must be text"),
    ("null key", GOOD + "~: 1\n", 7, "must be text"),
])
def test_hostile_yaml_is_located(name: str, text: str, line: int | None, fragment: str) -> None:
    found = issues(text)
    assert any(fragment in m for m in found), found
    assert all(m.startswith("example.yaml:") and m.split(":")[1].split()[0].isdigit() for m in found), found
    if line is not None:
        assert any(m.startswith(f"example.yaml:{line}") and fragment in m for m in found), found


def test_non_utf8_bytes_give_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_bytes(GOOD.encode() + b"log_level: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, cogs=COGS, env={})
    assert str(info.value.issues[0]).startswith("example.yaml:7:15 (top): not UTF-8: byte 0xE9 at column 15")


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(GOOD + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, cogs=COGS, env={})
    assert "the limit is 1,000,000" in str(info.value)


def test_large_valid_config_within_limits_loads() -> None:
    words = "".join(f"        - word{i}\n" for i in range(20_000))
    config = load_config_text(GOOD + "    demo:\n      words:\n" + words, cogs=COGS, env={})
    section = config.communities[0].cog_sections()["demo"]
    assert isinstance(section, Demo) and len(section.words) == 20_000


def test_yaml_12_core_schema() -> None:
    tree = build("a: no\nb: 0o17\nc: 0x1f\nd: 010\ne: .inf\nf: ~\ng: '5'\nh: 1_000\ni: True\n", "x.yaml")
    assert tree.data == {"a": "no", "b": 15, "c": 31, "d": 10, "e": float("inf"), "f": None, "g": "5",
                         "h": "1_000", "i": True}
    assert tree.lines[("d",)] == 4


# -- properties -----------------------------------------------------------------------------------

ANCHORS = ["a0", "a1", "a2"]
scalars = st.sampled_from(["1", "-7", "x", "'q'", '"${DISCORD_TOKEN}"', "${1BAD}", "true", "no", "~", "1e400",
                           "0x" + "f" * 30, "9" * 40, "10m", "١٠m", "<<", "'#general'", ".nan", ""])


def node(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(scalars, st.sampled_from(ANCHORS).map(lambda a: "*" + a))
    if depth == 0:
        return leaf
    child = node(depth - 1)
    seq = st.lists(child, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
    mapping = st.lists(st.tuples(st.sampled_from(["k", "5", "'5'", "<<", "words", "limit", "[x]"]), child),
                       max_size=4).map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")
    anchored = st.tuples(st.sampled_from(ANCHORS), st.one_of(seq, mapping)).map(lambda t: f"&{t[0]} {t[1]}")
    tagged = st.tuples(st.sampled_from(["!!omap", "!!python/object:os.system", "!x", "!!str"]), child).map(
        lambda t: f"{t[0]} {t[1]}")
    return st.one_of(leaf, seq, mapping, anchored, tagged)


def check(text: str) -> None:
    tracemalloc.start()
    try:
        try:
            load_config_text(text, file="example.yaml", cogs=COGS, env={"DISCORD_TOKEN": "t"})
        except ConfigError as exc:
            assert exc.issues
            for issue in exc.issues:
                assert issue.file == "example.yaml" and isinstance(issue.line, int) and issue.line >= 1, issue
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_CAP, peak


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["words", "anything", "limit", "cooldown"]), node(3)), max_size=4))
def test_random_nested_aliased_yaml_never_tracebacks(fields: list[tuple[str, str]]) -> None:
    body = "".join(f"      {k}: {v}\n" for k, v in fields)
    check(GOOD + "    demo:\n" + body)
    check(GOOD + "extra: " + " ".join(v for _k, v in fields) + "\n")


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec=None), max_size=200), st.integers(0, len(GOOD)))
def test_random_text_spliced_into_a_config_never_tracebacks(noise: str, at: int) -> None:
    check(GOOD[:at] + noise + GOOD[at:])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 14), st.integers(1, 14))
def test_alias_expansion_is_counted_not_performed(levels: int, fan_out: int) -> None:
    text = "\n".join(["- &l0 [lol]"] + [f"- &l{i} [{', '.join([f'*l{i - 1}'] * fan_out)}]"
                                          for i in range(1, levels + 1)]) + "\n"
    expanded = 2 + sum((fan_out ** i) * 2 + sum(fan_out ** j for j in range(i)) for i in range(1, levels + 1))
    tracemalloc.start()
    try:
        tree = build(text, "x.yaml")
        refused = None
    except YamlRefused as exc:
        refused = exc.issue
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_CAP
    if refused is not None:
        assert "expands to more than" in refused.message and refused.line is not None
        assert "*l" in text.splitlines()[refused.line - 1]
    else:
        assert len(tree.data) == levels + 1
        assert expanded > 0  # small ladders load: their expanded size is within MAX_NODES
    if fan_out ** levels > MAX_NODES:
        assert refused is not None


def test_check_config_names_a_rejected_tag_and_refuses_a_bomb(tmp_path: Path) -> None:
    for text, fragment in ((GOOD + "log_level: !!python/object:os.system info\n",
                            "example.yaml:7 log_level: the tag `!!python/object:os.system` isn't allowed"),
                           (laughs(9, 10), "expands to more than")):
        path = tmp_path / "example.yaml"
        path.write_text(text, encoding="utf-8")
        result = run_cli("check-config", str(path))
        assert result.returncode == 1 and fragment in result.stderr, result.stderr
        assert "Traceback" not in result.stderr + result.stdout and "(got `info`)" not in result.stderr
