"""The rule set's screens skip only what cannot fire: it finds exactly what the long way finds."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.moderation.activity import MessageFacts, Tracker
from cogs.moderation.kinds.mentions import ATS
from cogs.moderation.normalise import normalise
from cogs.moderation.rules import evaluate
from cogs.moderation.ruleset import RuleSet
from cogs.moderation.settings import ModerationSettings

KIND_SPECS = {
    "links": st.fixed_dictionaries({"invites": st.booleans(), "scam_domains": st.booleans(),
                                    "deny": st.lists(st.sampled_from(["grabify.link", "bad.co", "x.io"]), max_size=2),
                                    "allow_only": st.booleans()}),
    "mentions": st.one_of(st.fixed_dictionaries({"max": st.integers(1, 4)}), st.just({"everyone": True})),
    "flood": st.fixed_dictionaries({"messages": st.integers(2, 5), "within": st.sampled_from(["3s", "10s"]),
                                    "per": st.sampled_from(["member", "channel"])}),
    "repeats": st.fixed_dictionaries({"count": st.integers(2, 4), "within": st.sampled_from(["5s", "1m"])}),
    "caps": st.fixed_dictionaries({"ratio": st.sampled_from([0.5, 0.7, 1.0]), "min_length": st.integers(1, 20)}),
    "emoji": st.fixed_dictionaries({"max": st.integers(0, 4)}),
    "newlines": st.fixed_dictionaries({"max": st.integers(0, 3)}),
    "chars": st.one_of(st.fixed_dictionaries({"max_repeat": st.integers(2, 12)}),
                       st.fixed_dictionaries({"max_length": st.integers(1, 60)}),
                       st.fixed_dictionaries({"max_repeat": st.integers(2, 12), "max_length": st.integers(1, 60)})),
    "attachments": st.fixed_dictionaries({"deny": st.just(["exe"])}),
}


@st.composite
def rule_sets(draw: st.DrawFn) -> ModerationSettings:
    rules = []
    for i in range(draw(st.integers(1, 6))):
        kinds = draw(st.lists(st.sampled_from(sorted(KIND_SPECS)), min_size=1, max_size=3, unique=True))
        rule = {"name": f"r{i}", "actions": ["alert"], **{k: draw(KIND_SPECS[k]) for k in kinds}}
        if draw(st.booleans()):
            rule["words"] = [draw(st.sampled_from(["casino", "scam", "free nitro"]))]
        if draw(st.integers(0, 4)) == 0:
            rule["exempt_channels"] = ["#events"]
        rules.append(rule)
    return ModerationSettings.model_validate({"rules": rules})


PIECES = st.sampled_from([
    "hello", "Hello", "SHOUTING NOW", "casino", "café", "Привет", "日本語", "😀", "🎉🎉", ":smile:", "<:e:123456>",
    "@everyone", "＠here", "﹫everyone", "@", "a.bc", "see e.g. this", "end.", "https://bad.co/x", "www.x.io",
    "discord.gg/abc", "grabify.link", "dlscord.gift", "\n", "\n\n", ":", "x", " ", "..", "ſt.ſs", "A.KK",
]) | st.builds(lambda c, n: c * n, st.sampled_from("a!.Z ж😀"), st.integers(2, 30)) | st.text(max_size=8)
MESSAGES = st.lists(st.tuples(st.lists(PIECES, max_size=8).map(" ".join), st.integers(0, 3), st.integers(0, 6),
                              st.booleans(), st.sampled_from(["#general", "#events"]), st.booleans(),
                              st.booleans()), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(rule_sets(), MESSAGES)
def test_the_screened_rule_set_finds_what_every_check_finds(conf: ModerationSettings, stream: list) -> None:
    rules = RuleSet(conf)
    tracker = Tracker()
    at = datetime(2026, 1, 5, tzinfo=UTC)
    for text, gap, mentions, everyone, channel, edited, attach in stream:
        at += timedelta(seconds=gap)
        facts = MessageFacts(text, "u1", channel[1:], channel, at, mentions, everyone,
                             ("setup.exe",) if attach else (), None, None, edited)
        if not edited:
            tracker.record(facts, " ".join(normalise(text).split()))
        text_hits = {h.rule: h.term for h in conf.engine.match(text)}
        assert rules.evaluate(facts, tracker, text_hits) == evaluate(conf, facts, tracker, text_hits)


def test_every_character_that_reads_as_an_at_sign_is_screened() -> None:
    found = {c for c in map(chr, range(0x110000)) if "@" in unicodedata.normalize("NFKC", c)}
    assert found == ATS


def test_a_reload_brings_a_new_rule_set() -> None:
    one = ModerationSettings.model_validate({"rules": [{"name": "a", "words": ["x"], "actions": ["delete"]}]})
    assert RuleSet(one).settings is one and not RuleSet(one).empty
    assert RuleSet(ModerationSettings.model_validate({"rules": []})).empty


def test_repeats_compare_with_whitespace_collapsed() -> None:
    """The tracker keeps normalised text as it is; the repeat check still counts "a  b" and " a b" as one message."""
    from cogs.moderation.activity import Seen
    from cogs.moderation.kinds import repeats

    settings = ModerationSettings.model_validate({"rules": [
        {"name": "r", "repeats": {"count": 3, "within": "1m"}, "actions": ["delete"]}]})
    rule = settings.rules[0]
    tracker = Tracker()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    found = None
    for i, text in enumerate(["buy  now", " buy now", "buy\nnow "]):
        facts = MessageFacts(text, "p:1", "c", "#c", start + timedelta(seconds=i))
        tracker.record(facts, normalise(text))
        found = repeats.check(rule, Seen(facts, tracker, frozenset()))
    assert found == "same message 3 times"
    blank = MessageFacts("   ", "p:2", "c", "#c", start)
    for _ in range(3):
        tracker.record(blank, normalise("   "))
    assert repeats.check(rule, Seen(blank, tracker, frozenset())) is None
