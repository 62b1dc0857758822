"""Pacing: quiet hours in the community's time (DST included), a gap between posts, and restarts in quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, load_config_text
from cogs.engagement.quiet import QuietHours, first_at, slot
from cogs.engagement.settings import EngagementSettings
from tests.cogs.engagement.conftest import CONFIG, posts, start

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")]


def test_quiet_hours_are_parsed_and_bad_ones_refused() -> None:
    assert QuietHours.parse(" 22:00 - 8:00 ") == QuietHours(time(22), time(8))
    for bad, why in (("22-08", "HH:MM-HH:MM"), ("24:00-08:00", "not a time of day"), ("08:00-08:00", "same time")):
        with pytest.raises(ValueError, match=why):
            QuietHours.parse(bad)


def test_bad_pacing_is_a_config_error_with_its_line() -> None:
    body = '      pacing: {quiet_hours: "22:00-25:00"}\n'
    with pytest.raises(ConfigError) as err:
        load_config_text(CONFIG.replace("{extra}", body), env={}, cogs={"engagement": EngagementSettings})
    assert ":9 communities[0].engagement.pacing.quiet_hours" in str(err.value) and "25:00" in str(err.value)
    body = "      pacing: {gap: 13h}\n"
    with pytest.raises(ConfigError, match=r":9 communities\[0\]\.engagement\.pacing\.gap"):
        load_config_text(CONFIG.replace("{extra}", body), env={}, cogs={"engagement": EngagementSettings})


def test_the_end_of_quiet_hours_across_dst() -> None:
    night = QuietHours.parse("22:00-08:00")
    # London springs forward on 29 March 2026: 08:00 that morning is 07:00 UTC, the night before 08:00 UTC
    assert night.end_after(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), LONDON) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert night.end_after(datetime(2026, 3, 28, 3, 0, tzinfo=UTC), LONDON) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert night.end_after(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), LONDON) == datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    # an end the clocks jump over (01:30 does not exist on 29 March in London): the jump itself
    early = QuietHours.parse("00:00-01:30")
    assert early.end_after(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), LONDON) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # an end that happens twice (New York falls back on 1 November 2026): the first time
    late = QuietHours.parse("23:00-01:30")
    assert late.end_after(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


minutes = st.integers(0, 24 * 60 - 1)
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(start=minutes, end=minutes, at=instants, tz=st.sampled_from(ZONES))
def test_quiet_hours_end_where_the_local_clock_leaves_them(start: int, end: int, at: datetime, tz: ZoneInfo) -> None:
    if start == end:
        return
    quiet = QuietHours(time(start // 60, start % 60), time(end // 60, end % 60))

    def inside(t: datetime) -> bool:
        return quiet.quiet(t.astimezone(tz).time())

    out = quiet.end_after(at, tz)
    assert out >= at and not inside(out)
    assert out - at <= timedelta(hours=25)
    if out > at:  # quiet all the way from ``at`` to the end, and the second before it still quiet
        assert inside(at) and inside(out - timedelta(seconds=1))
        step = max((out - at) / 40, timedelta(seconds=1))
        t = at
        while t < out:
            assert inside(t), (quiet, at, t, out)
            t += step
    else:
        assert not inside(at)


@settings(max_examples=200, deadline=None)
@given(at=instants, taken=st.lists(st.integers(-600, 1800), max_size=8), gap=st.integers(0, 180),
       window=st.one_of(st.none(), st.tuples(minutes, minutes)), tz=st.sampled_from(ZONES))
def test_a_slot_is_out_of_quiet_hours_and_a_gap_from_every_other(at: datetime, taken: list[int], gap: int,
                                                                  window: tuple[int, int] | None,
                                                                  tz: ZoneInfo) -> None:
    quiet = None if window is None or window[0] == window[1] else QuietHours(
        time(window[0] // 60, window[0] % 60), time(window[1] // 60, window[1] % 60))
    slots = [at + timedelta(minutes=m) for m in taken]
    out = slot(at, slots, timedelta(minutes=gap), quiet, tz)
    assert out >= at
    assert all(abs(out - s) >= timedelta(minutes=gap) for s in slots)
    assert quiet is None or not quiet.quiet(out.astimezone(tz).time())


def test_first_at_a_time_that_exists() -> None:
    assert first_at(date(2026, 7, 1), time(8), LONDON) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


PACED = """      pacing: {quiet_hours: "22:00-09:30", gap: 30m}
      prompts:
        - name: qotd
          channel: "#general"
          when: "0 9 * * *"
          template: "❓ {prompt}"
          prompts: ["What are you reading?", "Cats or dogs?", "Tabs or spaces?"]
        - name: early
          channel: "#general"
          when: "15 9 * * *"
          template: "🌅 {prompt}"
          prompts: ["Coffee or tea?"]
"""


async def test_a_prompt_in_quiet_hours_goes_when_they_end_and_the_next_a_gap_later(db_url: str) -> None:
    h = await start(db_url, PACED, now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    try:
        sent = await h.advance(hours=21, minutes=1)  # to Tuesday 09:01: both prompts are held
        assert posts(sent) == []
        sent = await h.advance(minutes=30)  # 09:31: quiet hours are over
        assert [p.content.plain()[0] for p in posts(sent)] == ["❓"]
        sent = await h.advance(minutes=30)  # the second waits 30 minutes after the first
        assert [p.content.plain()[0] for p in posts(sent)] == ["🌅"]
    finally:
        await h.close()


async def test_a_restart_in_quiet_hours_loses_nothing_and_sends_nothing_twice(db_url: str) -> None:
    first = await start(db_url, PACED, now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert posts(await first.advance(hours=21, minutes=5)) == []  # both prompts held until 09:30
    now = first.clock.now()
    await first.close()
    second = await start(db_url, PACED, now=now)
    try:
        sent = posts(await second.advance(hours=1, minutes=30))
        assert sorted(p.content.plain()[0] for p in sent) == ["❓", "🌅"]
        assert posts(await second.advance(hours=20)) == []  # nothing again before the next day's
    finally:
        await second.close()


async def test_held_posts_go_however_long_steward_was_down_and_a_missed_poll_still_closes(db_url: str) -> None:
    """Pacing only delays: Steward down from 09:20 to 16:45 (over seven hours past the 09:30 release, beyond
    the scheduler's six-hour grace for late jobs) still posts both held prompts, a gap apart; a poll whose
    close (10:00) fell inside the outage closes when Steward is back, with its results."""
    first = await start(db_url, PACED, now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert "Poll #1" in posts(await first.command("mod", '/poll "Lunch?" Soup Salad 22h'))[0].content.plain()
    assert posts(await first.advance(hours=21, minutes=20)) == []  # both prompts held until 09:30
    await first.close()
    second = await start(db_url, PACED, now=datetime(2026, 1, 6, 16, 45, tzinfo=UTC))
    try:
        await second.advance(hours=2)
        texts = [p.content.plain() for p in posts(second.performed)]  # start-up's runs included
        assert [t[0] for t in texts if t[0] in "❓🌅"] == ["❓", "🌅"]
        assert len([t for t in texts if "Poll #1 closed" in t]) == 1, texts  # the poll's results, once
        assert posts(await second.advance(hours=13)) == []  # nothing again before the next day's
    finally:
        await second.close()
