"""Calendars: cron and RRULE in a community's zone, DST, one job per occurrence, reconcile on start/reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.actions import SendMessage
from bot.calendars import Recurrence, RecurrenceField
from bot.cog import Cog, every, job
from bot.config.errors import ConfigError
from bot.config.loader import load_config_text
from bot.config.types import StrictModel
from bot.content import text
from bot.scheduler import JobRun, jobs
from bot.testing import Harness, texts

LONDON = ZoneInfo("Europe/London")


def local(at: datetime) -> str:
    return at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z")


def test_weekly_0900_london_stays_at_0900_across_both_dst_changes() -> None:
    weekly = Recurrence.parse("0 9 * * MON")
    spring = weekly.occurrences(datetime(2026, 3, 16, tzinfo=UTC), LONDON, 3)
    assert [local(t) for t in spring] == ["2026-03-16 09:00 GMT", "2026-03-23 09:00 GMT", "2026-03-30 09:00 BST"]
    assert spring[2] - spring[1] == timedelta(days=7, hours=-1)  # the clocks went forward on 29 March
    autumn = weekly.occurrences(datetime(2026, 10, 12, 12, tzinfo=UTC), LONDON, 2)
    assert [local(t) for t in autumn] == ["2026-10-19 09:00 BST", "2026-10-26 09:00 GMT"]
    assert autumn[1] - autumn[0] == timedelta(days=7, hours=1)
    rule = Recurrence.parse("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0")  # the same as an RRULE
    assert rule.occurrences(datetime(2026, 3, 16, tzinfo=UTC), LONDON, 3) == spring


def test_a_time_that_does_not_exist_is_moved_and_one_that_happens_twice_runs_once() -> None:
    daily = Recurrence.parse("30 1 * * *")
    spring = daily.occurrences(datetime(2026, 3, 28, 12, tzinfo=UTC), LONDON, 2)
    assert [local(t) for t in spring] == ["2026-03-29 02:30 BST", "2026-03-30 01:30 BST"]  # moved by the gap
    autumn = daily.occurrences(datetime(2026, 10, 24, 12, tzinfo=UTC), LONDON, 2)
    assert [local(t) for t in autumn] == ["2026-10-25 01:30 BST", "2026-10-26 01:30 GMT"]  # not doubled
    half_hourly = Recurrence.parse("*/30 * * * *").occurrences(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), LONDON, 4)
    assert len(set(half_hourly)) == 4 and half_hourly == sorted(half_hourly)  # the gap never yields duplicates


def test_the_31st_of_every_month_runs_in_the_months_that_have_one() -> None:
    monthly = Recurrence.parse("0 9 31 * *")
    got = monthly.occurrences(datetime(2026, 1, 1, tzinfo=UTC), LONDON, 7)
    assert [t.astimezone(LONDON).strftime("%m-%d %H:%M") for t in got] == [
        "01-31 09:00", "03-31 09:00", "05-31 09:00", "07-31 09:00", "08-31 09:00", "10-31 09:00", "12-31 09:00"]
    last = Recurrence.parse("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9").occurrences(
        datetime(2026, 1, 1, tzinfo=UTC), LONDON, 3)  # or the last day of every month
    assert [t.astimezone(LONDON).strftime("%m-%d") for t in last] == ["01-31", "02-28", "03-31"]


def test_an_rrule_with_an_exception_date() -> None:
    rule = Recurrence.parse("DTSTART:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\nEXDATE:20260112T090000")
    got = rule.occurrences(datetime(2026, 1, 1, tzinfo=UTC), LONDON, 10)
    assert [local(t) for t in got] == ["2026-01-05 09:00 GMT", "2026-01-19 09:00 GMT", "2026-01-26 09:00 GMT"]


@pytest.mark.parametrize("bad, why", [
    ("0 9 * *", "5 fields"), ("61 9 * * *", "not a valid cron"), ("FREQ=SOMETIMES", "not a valid RRULE"),
    ("DTSTART;TZID=Europe/Paris:20260105T090000\nRRULE:FREQ=DAILY", "without TZID"), ("", "expected a cron"),
])
def test_bad_expressions_say_what_is_wrong(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Recurrence.parse(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_is_a_clear_value_error(value: str) -> None:
    try:
        rec = Recurrence.parse(value)
    except ValueError as exc:
        assert str(exc)
    else:
        rec.next_after(datetime(2026, 1, 1, tzinfo=UTC), LONDON)


class PromptSettings(StrictModel):
    when: RecurrenceField
    channel: str = "#general"


class PromptCog(Cog):
    """A weekly declared calendar, and one built from config."""

    name = "prompts"
    settings_model = PromptSettings

    async def setup(self) -> None:
        self.ctx.calendar("from-config", self.settings.when, "post", {"text": "config prompt"})

    @every(cron="0 9 * * MON", tz="community")
    async def weekly(self, run: JobRun) -> None:
        await self.ctx.perform(SendMessage(channel=self.ctx.community.channel("general", "memory"),  # type: ignore
                                           content=text(f"weekly {run.key.rsplit(':', 2)[-2]}")))

    @job("post")
    async def post(self, run: JobRun) -> None:
        await self.ctx.perform(SendMessage(channel=self.ctx.community.channel("general", "memory"),  # type: ignore
                                           content=text(str(run.payload["text"]))))


def config(when: str = "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=18") -> str:
    return f"""
communities:
  - name: acme
    timezone: Europe/London
    channels: {{general: "#general"}}
    prompts:
      when: "{when}"
"""


async def pending(h: Harness) -> list[str]:
    async with h.runtime.db.session() as session:
        return sorted(r.key for r in (await session.execute(
            select(jobs.c.key).where(jobs.c.status == "pending", jobs.c.key.like("acme:cal:%")))).all())


@pytest.mark.pg
async def test_calendars_run_once_per_occurrence_and_reconcile_without_duplicates(db_url: str) -> None:
    start = datetime(2026, 3, 20, 12, tzinfo=UTC)
    h = await Harness.start(config(), db_url=db_url, cogs={"prompts": PromptCog}, now=start)
    try:
        assert await pending(h) == ["acme:cal:prompts.from-config:2026-03-31T18:00",
                                    "acme:cal:prompts.weekly:2026-03-23T09:00"]
        h.runtime.loader = lambda: h.runtime.config
        assert await h.runtime.reload() == []  # reload: same calendars, nothing added
        assert len(await pending(h)) == 2
        assert texts(await h.advance(days=3, hours=-3, minutes=1)) == ["weekly 2026-03-23T09"]
        assert texts(await h.advance(days=7)) == ["weekly 2026-03-30T09"]  # 08:00 UTC: BST began on the 29th
        assert h.clock.now() >= datetime(2026, 3, 30, 8, tzinfo=UTC)
        assert "acme:cal:prompts.weekly:2026-04-06T09:00" in await pending(h)
    finally:
        await h.close()
    h = await Harness.start(config("0 7 * * *"), db_url=db_url, cogs={"prompts": PromptCog}, now=h.clock.now())
    try:  # a restart with a changed config calendar: moved, not doubled; the weekly one kept
        assert await pending(h) == ["acme:cal:prompts.from-config:2026-03-31T07:00",
                                    "acme:cal:prompts.weekly:2026-04-06T09:00"]
        assert texts(await h.advance(days=1)) == ["config prompt"]
    finally:
        await h.close()


@pytest.mark.pg
async def test_a_restart_behind_the_last_run_keeps_the_occurrence_it_left(db_url: str) -> None:
    """A console script's `:time` moves one run's clock days ahead; the next run starts at the real
    time again. Its reconcile keeps the pending occurrence instead of moving it back onto done ones."""
    start = datetime(2026, 3, 20, 12, tzinfo=UTC)
    h = await Harness.start(config("0 7 * * *"), db_url=db_url, cogs={"prompts": PromptCog}, now=start)
    try:
        assert [t for t in texts(await h.advance(days=3)) if "config" in t] == ["config prompt"] * 3
    finally:
        await h.close()
    h = await Harness.start(config("0 7 * * *"), db_url=db_url, cogs={"prompts": PromptCog}, now=start)
    try:
        assert "acme:cal:prompts.from-config:2026-03-24T07:00" in await pending(h)
        assert [t for t in texts(await h.advance(days=5)) if "config" in t] == ["config prompt"] * 2
    finally:
        await h.close()
    h = await Harness.start(config("0 8 * * *"), db_url=db_url, cogs={"prompts": PromptCog}, now=start)
    try:  # a changed rule still moves it
        assert [k for k in await pending(h) if "from-config" in k] == ["acme:cal:prompts.from-config:2026-03-21T08:00"]
    finally:
        await h.close()


def test_a_bad_calendar_in_config_is_an_error_with_file_line_and_key_path() -> None:
    with pytest.raises(ConfigError) as err:
        load_config_text(config("0 25 * * *"), file="example.yaml", cogs={"prompts": PromptSettings}, env={})
    assert any(str(i).startswith("example.yaml:7 communities[0].prompts.when:") and "cron" in str(i)
               for i in err.value.issues), [str(i) for i in err.value.issues]
