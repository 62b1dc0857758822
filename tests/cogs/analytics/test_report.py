"""The HTML page, CSV and JSON: self-contained, escaped, honest about missing data and failed charts."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.analytics import charts
from cogs.analytics.charts import render_all
from cogs.analytics.kpis import Channel, Cohort, Contributor, EventFigures, Kpis, Source
from cogs.analytics.report import NO_DATA, as_csv, as_json, page, summary

NOW = datetime(2026, 2, 1, 9, tzinfo=UTC)
HOSTILE = '<img src=x onerror="alert(1)">'


def sample(label: str = "alice") -> Kpis:
    d = date(2026, 1, 5)
    return Kpis(community="acme", start=d, end=date(2026, 2, 2), has_data=True,
                daily=[(date(2026, 1, n), n % 5 + 1) for n in range(5, 31)], dau=3.0, wau=8, mau=12, messages=120,
                new=5, left=1, returning=6, churned=2,
                cohorts=[Cohort(d, 4, 4, 3, 0, 0), Cohort(date(2026, 1, 12), 2, 2, 1, 0, 0)],
                funnel=[("joined", 5), ("started onboarding", 4), ("completed onboarding", 3),
                        ("posted a message", 2)], first_message=5400, questions=7, answered=6, first_reply=300,
                top=[Contributor(1, label, 40, 4, 9)], channels=[Channel(f"#{label}", 10, 30, 3, "dying")],
                cases=[("warn", True, 3), ("timeout", False, 1)], moderators=[(label, 1)], time_to_action=1800,
                appeals=1, overturned=1,
                events=[EventFigures("1", 8, 6, 4.5, 4)], feedback_new=4, feedback_shipped=1, feedback_votes=9,
                feedback_first_status=7200, sources=[Source("spring", 3, 1, 1), Source(f"={label}", 1, 0, 0)])


def test_the_page_is_self_contained_with_a_chart_per_section() -> None:
    html = page(sample(), render_all(sample()), generated=NOW)
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', html)
    assert images == ["Daily active members", "Retention by join cohort", "Onboarding funnel", "Moderation cases",
                      "Events: going versus attended", "Feedback", "Joins by source"]
    assert not re.search(r"(src|href)=\"?(https?:|//)", html) and "<script" not in html and "<link" not in html
    assert "default-src 'none'" in html  # nothing can be loaded from elsewhere even if a name tried
    for figure in ("stickiness (DAU/MAU)", "25%", "week 1", "75%", "1h30m", "5m", "4.5", "2h"):
        assert figure in html


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_name_is_escaped_in_the_page_and_the_summary(name: str) -> None:
    k = sample(name)
    html = page(k, charts.Charts(), generated=NOW)
    assert f"<td>{html_escape(name)}</td>" in html  # the contributor's cell, escaped
    assert f"<td>{name}</td>" not in html or name == html_escape(name)
    text = summary(k)
    assert any(getattr(s, "text", None) == name for s in text.segments)  # a UserText segment, escaped per platform


def html_escape(value: str) -> str:
    import html

    return html.escape(value, quote=True)


def test_a_hostile_name_stays_text() -> None:
    html = page(sample(HOSTILE), charts.Charts(), generated=NOW)
    assert HOSTILE not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_a_failing_chart_leaves_its_table(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_k: Kpis) -> bytes:
        raise RuntimeError("backend exploded")

    monkeypatch.setitem(charts.CHARTS, "retention", ("Retention by join cohort", broken))
    drawn = render_all(sample())
    assert drawn.failed == ["retention"] and len(drawn.images) == 6
    html = page(sample(), drawn, generated=NOW)
    assert "Some charts could not be drawn (retention); their tables are complete." in html
    assert "<td>2026-01-05</td><td>4</td><td>75%</td>" in html  # the cohort table is still there


def test_without_matplotlib_the_report_is_its_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # importing it now raises ImportError
    drawn = render_all(sample())
    assert not drawn.images and len(drawn.failed) == 7
    html = page(sample(), drawn, generated=NOW)
    assert html.count("The chart could not be drawn; the figures are below.") == 7 and "<table>" in html


def test_a_community_without_data_is_told_so() -> None:
    empty = Kpis(community="acme", start=date(2026, 1, 1), end=date(2026, 1, 31))
    html = page(empty, charts.Charts(), generated=NOW)
    assert NO_DATA in html and "<img" not in html
    assert summary(empty).plain().endswith(NO_DATA)


def test_csv_and_json_carry_every_kpi_and_defuse_formulas() -> None:
    rows = list(csv.reader(io.StringIO(as_csv(sample()))))
    sections = {r[0] for r in rows[1:]}
    assert sections == {"summary", "daily active", "retention", "onboarding funnel", "top contributors",
                        "channel health", "moderation", "events", "feedback", "promotion"}
    assert ["promotion", "'=alice", "joins", "1"] in rows  # a spreadsheet won't run it
    assert ["moderation", "alice", "cases by this moderator", "1"] in rows
    assert ["moderation", "time to action", "median", "30m"] in rows
    data = json.loads(as_json(sample()))
    assert data["mau"] == 12 and data["stickiness"] == 0.25 and data["cohorts"][0]["week1_active"] == 3
