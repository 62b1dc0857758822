"""Any input, by hypothesis: presses in any order, any /poll line, any message, any time, any pool change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.testing import Harness
from cogs.engagement.kudos import reason_of, thanks_someone
from cogs.engagement.questions import is_question
from cogs.engagement.rotation import Rotation, pick, prompt_id
from cogs.engagement.tally import MAX_LABEL, MAX_OPTIONS, Change, PollError, counts, parse_poll, press
from cogs.engagement.terms import MAX_TERM, terms, trending
from cogs.engagement.when import WhenError, parse_when, split_time
from tests.cogs.engagement.conftest import edits, posts, replies, start

PRESSES = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), max_size=40)


@given(PRESSES, st.booleans())
def test_presses_in_any_order_leave_one_vote_each_unless_multiple(presses: list[tuple[int, int]],
                                                                   multiple: bool) -> None:
    ballots: dict[int, frozenset[int]] = {}
    for person, option in presses:
        before = ballots.get(person, frozenset())
        outcome = press(before, option, multiple=multiple)
        assert outcome.before == before
        assert (option in outcome.ballot) == (outcome.change is not Change.REMOVED)
        ballots[person] = outcome.ballot
        assert multiple or len(outcome.ballot) <= 1
    tally = counts(ballots, 3)
    assert sum(tally) == sum(len(b) for b in ballots.values())
    if not multiple:  # the last press of each person decides, and a second press of it takes it back
        for person in {p for p, _ in presses}:
            mine = [o for p, o in presses if p == person]
            last = mine[-1]
            streak = len(mine) - next(i for i in range(len(mine) - 1, -1, -1) if mine[i] != last) - 1 \
                if any(o != last for o in mine) else len(mine)
            assert ballots[person] == (frozenset({last}) if streak % 2 else frozenset())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["bob", "carol", "dan"]), st.integers(0, 2)), min_size=1, max_size=12))
async def test_presses_through_the_cog_match_the_model(sqlite_url: str, presses: list[tuple[str, int]]) -> None:
    h: Harness = await start(sqlite_url.replace("steward.db", f"p{abs(hash(tuple(presses)))}.db"))
    try:
        card = posts(await h.command("alice", '/poll "Pick one" Red Green Blue'))[0]
        buttons = card.content.buttons
        model: dict[str, frozenset[int]] = {}
        last = None
        for who, option in presses:
            done = await h.press(who, buttons[option])
            assert len(replies(done)) == 1 and not posts(done)  # answered, never reposted
            model[who] = press(model.get(who, frozenset()), option, multiple=False).ballot
            last = edits(done)[-1].content.plain()
        tally = counts(dict(enumerate(model.values())), 3)
        assert last is not None
        for label, n in zip(("Red", "Green", "Blue"), tally, strict=True):
            assert f"{label} — {n} ·" in last
        assert f"{sum(1 for b in model.values() if b)} voter(s)" in last
    finally:
        await h.close()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["bob", "carol", "dan"]), st.integers(0, 2), st.sampled_from([0, 300, 1200])),
                min_size=1, max_size=15))
async def test_coalesced_card_edits_end_on_the_model_tally(sqlite_url: str,
                                                           presses: list[tuple[str, int, int]]) -> None:
    h: Harness = await start(sqlite_url.replace("steward.db", f"c{abs(hash(tuple(presses)))}.db"))
    try:
        h.runtime.effects.outbox.edits.windows["memory"] = timedelta(seconds=1)
        card = posts(await h.command("alice", '/poll "Pick one" Red Green Blue'))[0]
        buttons = card.content.buttons
        model: dict[str, frozenset[int]] = {}
        shown = []
        for who, option, gap in presses:
            shown += edits(await h.press(who, buttons[option]) + await h.advance(milliseconds=gap))
            model[who] = press(model.get(who, frozenset()), option, multiple=False).ballot
        shown += edits(await h.advance(seconds=1))
        elapsed = sum(gap for _, _, gap in presses) / 1000
        assert 1 <= len(shown) <= min(len(presses), 2 + int(elapsed))  # at most one edit per window
        last = shown[-1].content.plain()
        for label, n in zip(("Red", "Green", "Blue"), counts(dict(enumerate(model.values())), 3), strict=True):
            assert f"{label} — {n} ·" in last  # the last edit shows the final tally: nothing lost
    finally:
        await h.close()


@given(st.text(max_size=400))
def test_any_poll_line_makes_a_poll_or_says_why(raw: str) -> None:
    try:
        spec = parse_poll(raw, default=timedelta(hours=24), longest=timedelta(days=30))
    except PollError as exc:
        assert str(exc)
        return
    assert 2 <= len(spec.options) <= MAX_OPTIONS and all(0 < len(o) <= MAX_LABEL for o in spec.options)
    assert len({o.casefold() for o in spec.options}) == len(spec.options)
    assert timedelta(minutes=1) <= spec.duration <= timedelta(days=30)


@given(st.lists(st.text(min_size=1, max_size=30).filter(str.strip), min_size=1, max_size=12, unique_by=str.strip),
       st.integers(1, 40), st.data())
def test_no_prompt_repeats_within_a_round_whatever_the_pool_changes(pool: list[str], draws: int,
                                                                    data: st.DataObject) -> None:
    state = Rotation()
    seen_this_round: set[str] = set()
    for _ in range(draws):
        if data.draw(st.booleans()) and len(pool) > 1:  # a reload removes or adds a prompt
            if data.draw(st.booleans()):
                pool = pool[1:]
            else:
                pool = [*pool, data.draw(st.text(min_size=1, max_size=30).filter(str.strip))]
            pool = list(dict.fromkeys(p.strip() for p in pool))
        before_round = state.round
        index, state = pick("qotd", pool, state)
        chosen = prompt_id(pool[index])
        if state.round != before_round:
            seen_this_round = set()
        assert chosen not in seen_this_round
        seen_this_round.add(chosen)


@given(st.text(max_size=500))
def test_any_message_is_read_without_error(text: str) -> None:
    assert isinstance(is_question(text), bool)
    found = terms(text)
    assert all(0 < len(t) <= 2 * MAX_TERM + 1 for t in found)
    assert isinstance(thanks_someone(text, 1), bool) and len(reason_of(text)) <= 300
    body, spec = split_time(text)
    assert isinstance(body, str)
    if spec is not None:
        try:
            parse_when(spec, datetime(2026, 1, 5, 12, tzinfo=UTC), ZoneInfo("Europe/London"))
        except WhenError as exc:
            assert str(exc)


@given(st.dictionaries(st.text(min_size=1, max_size=10), st.integers(0, 50), max_size=20),
       st.lists(st.dictionaries(st.text(min_size=1, max_size=10), st.integers(0, 50), max_size=20), max_size=4))
def test_trending_terms_are_used_more_than_usual(current: dict[str, int], before: list[dict[str, int]]) -> None:
    for trend in trending(current, before, windows=max(len(before), 1), min_count=3):
        assert trend.count >= 3 and trend.lift >= 2.0


@given(st.text(max_size=60))
def test_any_time_is_a_future_instant_or_a_reason(spec: str) -> None:
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    try:
        at = parse_when(spec, now, ZoneInfo("Europe/London"))
    except WhenError as exc:
        assert str(exc)
        return
    assert at > now
