"""The evasion corpus: every family caught, clean chat in several languages and scripts left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_config
from cogs.moderation.matcher import Engine
from cogs.moderation.normalise import fold, unicode_table
from cogs.moderation.settings import ModerationSettings
from tests.cogs.moderation import evasion_corpus as corpus

EXAMPLE = Path(__file__).parents[3] / "config" / "example.yaml"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return corpus.engine()


@pytest.mark.parametrize("family", list(corpus.families()))
def test_every_sample_of_each_family_is_caught(engine: Engine, family: str) -> None:
    samples = corpus.families()[family]
    assert samples
    missed = [s for s in samples if not engine.match(s)]
    assert missed == []


@pytest.mark.parametrize("language", list(corpus.CLEAN))
def test_clean_chat_is_not_flagged(engine: Engine, language: str) -> None:
    flagged = [(s, engine.match(s)) for s in corpus.CLEAN[language]]
    assert [f for f in flagged if f[1]] == []


def test_clean_chat_passes_the_shipped_word_lists() -> None:
    # the example's own rules (banned words with the scam list, patterns, impersonation names)
    from steward.catalog import discover

    catalog = discover()
    config = load_config(EXAMPLE, cogs=catalog.cog_models(), platforms=catalog.platform_models(), env={})
    conf = config.communities[0].cog_sections()["moderation"]
    assert isinstance(conf, ModerationSettings)
    flagged = [s for samples in corpus.CLEAN.values() for s in samples
               if conf.engine.match(s) or conf.name_engine.match(s)]
    assert flagged == []


# what a community would hit on day one with the shipped example, and what it must still catch
DAY_ONE = ["can you airdrop me the photos", "what is the casino royale film about", "free, nitro is not free",
           "dlscord.gift is a scam, do not click", "ask the support team", "I am a moderator here"]
STILL_CAUGHT = ["claim your free airdrop now", "free nitro here", "https://dlscord.gift/abc", "dlscord.gift/claim",
                "＠everyone free stuff", "@\u200beveryone look", "c.a.s.i.n.o bonus"]


def _example_hits(text: str) -> list[str]:
    from cogs.moderation.activity import MessageFacts, Tracker
    from cogs.moderation.rules import evaluate
    from steward.catalog import discover

    catalog = discover()
    config = load_config(EXAMPLE, cogs=catalog.cog_models(), platforms=catalog.platform_models(), env={})
    conf = config.communities[0].cog_sections()["moderation"]
    assert isinstance(conf, ModerationSettings)
    facts = MessageFacts(text=text, author="u1", channel="c1", channel_name="#general",
                         at=datetime(2026, 1, 1, tzinfo=UTC))
    text_hits = {h.rule: h.term for h in conf.engine.match(text)}
    return [h.name for h in evaluate(conf, facts, Tracker(), text_hits) if not h.shadow]


@pytest.mark.parametrize("text", DAY_ONE)
def test_the_example_lets_ordinary_chat_pass(text: str) -> None:
    assert _example_hits(text) == []


@pytest.mark.parametrize("text", STILL_CAUGHT)
def test_the_example_still_catches_the_real_thing(text: str) -> None:
    assert _example_hits(text) != []


def test_hits_report_the_list_entry_not_its_folded_spelling(engine: Engine) -> None:
    assert [h.term for h in engine.match("you h311 of a 1053r")] == ["hell"]
    assert [h.term for h in engine.match("b.i.t.c.o.i.n-d.o.u.b.l.e.r")] == ["bitcoin-doubler"]


def test_other_scripts_stay_themselves() -> None:
    # words with letters that have no Latin look-alike keep them, so they can't meet a Latin entry
    assert fold("Привет, как дела?").decode() == "npиbet, kak дeлa?"
    assert fold("日本語").decode() == "日本語"


_LOOK_ALIKES: dict[str, list[str]] = {}
for _table in corpus.SCRIPTS.values():
    for _latin, _glyph in _table.items():
        _LOOK_ALIKES.setdefault(_latin, []).append(_glyph)


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A banned entry with every letter disguised its own way, optionally spaced and zero-width-laced."""
    word = draw(st.sampled_from([w for w in corpus.BANNED if " " not in w and "-" not in w]))
    letters = []
    for c in word:
        choices = [c, c.upper(), *corpus.LEET_READINGS.get(c, ""), *_LOOK_ALIKES.get(c, [])]
        letter = draw(st.sampled_from(choices))
        if draw(st.booleans()):
            letter += draw(st.sampled_from(corpus.ZERO_WIDTH + tuple(corpus.ZALGO)))
        letters.append(letter)
    sep = draw(st.sampled_from(["", " ", ".", "-", ". "]))
    end = draw(st.sampled_from(["", ".", "!", "?!", ","]))
    return word, sep.join(letters) + end


@settings(max_examples=300, deadline=None)
@given(disguised())
def test_any_mix_of_disguises_is_caught(sample: tuple[str, str]) -> None:
    word, text = sample
    assert [h.term for h in corpus.engine().match(f"look {text} now")] == [word]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=80))
def test_the_ascii_fast_path_folds_as_the_unicode_path_does(value: str) -> None:
    # the Unicode path's table holds the ASCII mapping too; forcing it with a non-ASCII tail
    # must give the same bytes for the ASCII part
    table = unicode_table()
    assert fold(value) == value.translate(table).encode()


def _example_names() -> Engine:
    from steward.catalog import discover

    catalog = discover()
    config = load_config(EXAMPLE, cogs=catalog.cog_models(), platforms=catalog.platform_models(), env={})
    conf = config.communities[0].cog_sections()["moderation"]
    assert isinstance(conf, ModerationSettings)
    return conf.name_engine


@pytest.mark.parametrize("name", ["Steward_Support", "SupportTeam", "moderator123", "Administrator",
                                  "0fficial Steward", "🅼🅾🅳🅴🆁🅰🆃🅾🆁"])
def test_impersonating_names_are_caught(name: str) -> None:
    assert _example_names().match(name)


@pytest.mark.parametrize("name", ["badminton_bob", "Stewart", "Ada Lovelace", "supporter", "teamwork"])
def test_ordinary_names_pass(name: str) -> None:
    assert _example_names().match(name) == []
