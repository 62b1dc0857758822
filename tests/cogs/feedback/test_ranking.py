"""Ranking: the score's parts, top this week, biggest movers, sentiment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cogs.feedback.ranking import (
    RankedItem,
    SentimentScorer,
    Signal,
    SignalKind,
    biggest_movers,
    rank,
    score,
    top_this_week,
)

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def votes(item: int, people: int, days_ago: float, start: int = 0) -> list[Signal]:
    return [Signal(item, f"p{start + k}", NOW - timedelta(days=days_ago)) for k in range(people)]


def test_more_members_and_votes_rank_higher_and_recent_votes_outweigh_old_ones() -> None:
    items = [RankedItem(1), RankedItem(2), RankedItem(3), RankedItem(4, open=False)]
    signals = votes(1, 10, 1) + votes(2, 3, 1) + votes(3, 10, 120) + votes(4, 50, 1)
    ranked = rank(items, signals, NOW)
    # #2 (3 votes yesterday) passes #3 (10 votes four months ago): current demand leads; closed #4 is left out.
    assert [r.item_id for r in ranked] == [1, 2, 3]
    assert ranked[0].score > ranked[1].score > ranked[2].score


def test_a_member_counts_once_however_often_they_show_interest() -> None:
    once = [Signal(1, "ann", NOW, SignalKind.SUBMITTED)]
    many = [*once, Signal(1, "ann", NOW, SignalKind.REACTED), Signal(1, "ann", NOW, SignalKind.MERGED)]
    assert score(RankedItem(1), once, NOW) == score(RankedItem(1), many, NOW)


def test_pain_raises_the_score_and_praise_does_not_lower_it() -> None:
    scorer = SentimentScorer()
    angry = scorer.compound("This is terrible, the app is awful and I hate it")
    happy = scorer.compound("I love this, great work")
    assert angry < -0.5 < 0.5 < happy and scorer.compound("   ") == 0.0
    signals = votes(1, 4, 1)
    neutral = score(RankedItem(1), signals, NOW)
    assert score(RankedItem(1, sentiment=angry), signals, NOW) > neutral
    assert score(RankedItem(1, sentiment=happy), signals, NOW) == neutral


def test_top_this_week_counts_only_the_week_and_movers_show_the_rise() -> None:
    items = [RankedItem(1), RankedItem(2), RankedItem(3)]
    signals = votes(1, 30, 40) + votes(2, 4, 2) + votes(3, 2, 3) + votes(1, 1, 1, start=100)
    top = top_this_week(items, signals, NOW)
    assert [r.item_id for r in top] == [2, 3, 1]
    movers = biggest_movers(items, signals, NOW, limit=2)
    assert [m.item_id for m in movers] == [2, 3]
    assert all(m.change > 0 for m in movers)
    assert top_this_week(items, votes(1, 5, 30), NOW) == []


SIGNALS = st.lists(st.builds(Signal, st.integers(1, 4), st.sampled_from(["a", "b", "c", "d", "e"]),
                             st.floats(0, 60).map(lambda d: NOW - timedelta(days=d)),
                             st.sampled_from(list(SignalKind))), max_size=40)


@given(SIGNALS, st.floats(-1, 1))
def test_scores_are_never_negative_and_a_new_vote_never_lowers_one(signals: list[Signal], sentiment: float) -> None:
    item = RankedItem(1, sentiment=sentiment)
    before = score(item, signals, NOW)
    assert before >= 0
    assert score(item, [*signals, Signal(1, "zed", NOW)], NOW) > before


@given(SIGNALS)
def test_rankings_are_deterministic_and_movers_only_rise(signals: list[Signal]) -> None:
    items = [RankedItem(i) for i in range(1, 5)]
    assert rank(items, signals, NOW) == rank(list(reversed(items)), list(reversed(signals)), NOW)
    assert all(m.change > 0 for m in biggest_movers(items, signals, NOW))


@given(st.text(max_size=400))
def test_any_text_has_a_sentiment_in_range(text: str) -> None:
    assert -1.0 <= SentimentScorer().compound(text) <= 1.0
