"""The duplicate finder: precision and recall on labelled pairs, incremental upkeep, any input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cogs.feedback.normalise import canonical, contrast_conflict
from cogs.feedback.similar import DEFAULT_THRESHOLD, SimilarIndex, Weights

HERE = Path(__file__).parent
# Thresholds: the finder only *offers* "vote for #12 instead?", so a wrong offer costs the member a
# click while a miss costs a duplicate item someone merges by hand; both must stay rare. The floors
# sit a few points under what the finder scores today (see the closing note), so a vocabulary or
# weighting change that loses real ground fails here.
MIN_PRECISION = 0.88
MIN_RECALL = 0.85
# The held-out pairs were written after the vocabulary, weights and threshold were frozen and were
# never used to tune them (0.77 / 0.80 when written): lower floors, as they measure generalisation.
HELD_OUT_MIN_PRECISION = 0.70
HELD_OUT_MIN_RECALL = 0.70


def load_pairs(name: str) -> list[dict[str, object]]:
    """The labelled pairs in one YAML file beside this test."""
    data = YAML(typ="safe").load((HERE / name).read_text("utf-8"))
    pairs: list[dict[str, object]] = data["pairs"]
    return pairs


def precision_recall(pairs: list[dict[str, object]], threshold: float = DEFAULT_THRESHOLD) -> tuple[float, float]:
    """Index every ``a`` text as an open item; a pair is matched when capturing ``b`` would offer ``a``
    (among the five offers, at or above the threshold): the whole path the cog takes."""
    index = SimilarIndex()
    ids: dict[str, int] = {}
    for pair in pairs:
        a = str(pair["a"])
        if a not in ids:
            ids[a] = len(ids)
            index.add(ids[a], a)
    tp = fp = fn = 0
    for pair in pairs:
        offered = index.similar(str(pair["b"]), limit=5, threshold=threshold)
        hit = ids[str(pair["a"])] in {m.item_id for m in offered}
        same = bool(pair["same"])
        tp += hit and same
        fp += hit and not same
        fn += same and not hit
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_the_pair_set_is_large_and_balanced() -> None:
    pairs = load_pairs("pairs.yaml")
    assert len(pairs) >= 200
    assert sum(bool(p["same"]) for p in pairs) >= 80
    assert sum(p["kind"] == "near" for p in pairs) >= 60
    assert {p["kind"] for p in pairs} == {"paraphrase", "typo", "esl", "near", "other"}


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    precision, recall = precision_recall(load_pairs("pairs.yaml"))
    assert precision >= MIN_PRECISION, precision
    assert recall >= MIN_RECALL, recall


def test_precision_and_recall_on_held_out_pairs() -> None:
    pairs = load_pairs("pairs_held_out.yaml")
    assert len(pairs) >= 60
    precision, recall = precision_recall(pairs)
    assert precision >= HELD_OUT_MIN_PRECISION, precision
    assert recall >= HELD_OUT_MIN_RECALL, recall


def test_the_issue_example_is_offered_and_its_near_miss_is_not() -> None:
    index = SimilarIndex()
    index.add(12, "please add dark mode to mobile")
    index.add(13, "dark mode on desktop")
    index.add(14, "export my data as CSV")
    found = index.similar("the phone app needs a dark theme")
    assert [m.item_id for m in found] == [12]
    assert 0.0 < found[0].score <= 1.0


def test_contrast_sets_separate_platforms_but_not_parents_and_children() -> None:
    mobile, ios, android, desktop = (canonical(t).contrasts for t in ("on mobile", "on iOS", "on android", "on PC"))
    assert contrast_conflict(mobile, desktop) and contrast_conflict(ios, android) and contrast_conflict(ios, desktop)
    assert not contrast_conflict(ios, mobile) and not contrast_conflict(mobile, frozenset())


def test_typos_and_synonyms_reach_the_same_tokens() -> None:
    assert canonical("The moblie app crashes").tokens == canonical("mobile app crash").tokens
    assert canonical("notifcations by e-mail").tokens == canonical("notification email").tokens
    assert canonical("please please add").tokens == ()


def test_remove_update_and_exclude() -> None:
    index = SimilarIndex()
    index.add(1, "login with Google")
    index.add(2, "export my data as CSV")
    assert [m.item_id for m in index.similar("sign in using my Google account")] == [1]
    assert index.similar("sign in using my Google account", exclude=[1]) == []
    index.update(1, "recurring events")
    assert index.similar("sign in using my Google account") == []
    index.remove(1)
    index.remove(1)  # unknown ids are ignored
    assert 1 not in index and len(index) == 1 and list(index) == [2]
    assert index.score("anything", 99) == 0.0


WORDS = st.sampled_from("dark mode mobile desktop export csv login google crash photo upload slow search "
                        "emoji custom voice video calendar sync price student 2fa email push".split())
TEXTS = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=40), TEXTS)
def test_the_candidate_stage_misses_no_item_the_exact_stage_would_score(stored: list[str], query: str) -> None:
    index = SimilarIndex(tail_rows=4, common_fraction=1.0)  # no skipping of common features here
    index.add_many(enumerate(stored))
    expected = sorted(((i, index.score(query, i)) for i in range(len(stored))), key=lambda p: (-p[1], p[0]))
    # An item sharing no feature with the query scores at most the fuzz weight (rapidfuzz alone),
    # under any useful threshold; above it, the candidate stage must find every item.
    floor = Weights().fuzz + 1e-6
    got = [(m.item_id, m.score) for m in index.similar(query, limit=100, threshold=floor)]
    assert got == [p for p in expected if p[1] >= floor]


def _results(index: SimilarIndex, query: str) -> list[tuple[int, float]]:
    return [(m.item_id, round(m.score, 4)) for m in index.similar(query, limit=10, threshold=0.0)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.integers(0, 30), TEXTS), max_size=80), TEXTS)
def test_an_index_kept_item_by_item_answers_as_one_built_afresh(ops: list[tuple[str, int, str]],
                                                                 query: str) -> None:
    kept = SimilarIndex(tail_rows=4)  # tiny blocks: sealing and compaction happen in every run
    truth: dict[int, str] = {}
    for op, item_id, text in ops:
        if op == "add":
            kept.add(item_id, text)
            truth[item_id] = text
        else:
            kept.remove(item_id)
            truth.pop(item_id, None)
    fresh = SimilarIndex(tail_rows=4)
    fresh.add_many(sorted(truth.items()))
    assert sorted(kept) == sorted(truth)
    assert _results(kept, query) == _results(fresh, query)


HOSTILE = st.lists(st.sampled_from(["\ud800", "\x00", "-", "'", " ", "a", "e-mail", "İ", "ß", "🔥", "٣", "dark"]),
                   max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | HOSTILE, st.text(max_size=300) | HOSTILE)
def test_any_text_is_indexed_and_queried_without_error(stored: str, query: str) -> None:
    index = SimilarIndex()
    index.add(1, stored)
    for match in index.similar(query, threshold=0.0):
        assert 0.0 <= match.score <= 1.0
    if canonical(stored).tokens:
        assert index.score(stored, 1) == pytest.approx(1.0, abs=1e-6)
