"""The KPIs as people read them: a short chat summary, one self-contained HTML page, CSV and JSON.

Everything here is pure (no I/O). Names that come from outside (channel names, account names)
are :class:`UserText` in chat content and HTML-escaped in the page.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from bot.content import Content, Segment, UserText, fmt
from bot.durations import format_duration
from cogs.analytics.charts import Charts
from cogs.analytics.kpis import Kpis
from cogs.analytics.store import period_label

FOLD = 10  # tables longer than this fold under their chart
NO_DATA = "No activity has been recorded for this community yet: the report fills in as members talk."


def pct(value: float | None) -> str:
    """``42%`` or ``–``."""
    return "–" if value is None else f"{100 * value:.0f}%"


def seconds(value: float | None) -> str:
    """``4m``, ``1h30m`` or ``–``."""
    if value is None:
        return "–"
    return "0s" if value < 1 else format_duration(timedelta(seconds=round(value)))


def headline(k: Kpis) -> list[tuple[str, str]]:
    """The figures every summary starts with."""
    return [("active members (MAU)", str(k.mau)), ("weekly active (WAU)", str(k.wau)),
            ("average daily active (DAU)", f"{k.dau:.1f}"), ("stickiness (DAU/MAU)", pct(k.stickiness)),
            ("new members", str(k.new)), ("left", str(k.left)), ("returning", str(k.returning)),
            ("churned (active before, not now)", str(k.churned)), ("messages", str(k.messages)),
            ("median time to first reply", seconds(k.first_reply)),
            ("median time to first message", seconds(k.first_message)),
            *([("active people by platform", k.platforms)] if k.platforms else [])]


def summary(k: Kpis, *, title: str = "Community stats") -> Content:
    """The chat summary (``/stats`` and the weekly report's message)."""
    if not k.has_data:
        return fmt("{title} for {period}: {none}", title=title, period=period_label(k), none=NO_DATA)
    segments: list[Segment] = [*fmt("{title} for {period}", title=title, period=period_label(k)).segments]
    segments += fmt("\nMembers: {mau} active (WAU {wau}, average DAU {dau:.1f}, stickiness {st}); {new} new, "
                    "{left} left, {ret} returning, {ch} churned.", mau=k.mau, wau=k.wau, dau=k.dau,
                    st=pct(k.stickiness), new=k.new, left=k.left, ret=k.returning, ch=k.churned).segments
    if k.platforms:
        segments += fmt("\nBy platform: {split}.", split=k.platforms).segments
    segments += fmt("\nActivity: {m} messages, {r} replies, {x} reactions.", m=k.messages, r=k.replies,
                    x=k.reactions).segments
    if k.questions or k.answered:
        segments += fmt("\nQuestions: {a} asked, {b} answered, median first reply {t}.", a=k.questions,
                        b=k.answered, t=seconds(k.first_reply)).segments
    joined = dict(k.funnel)
    if joined.get("joined"):
        segments += fmt("\nOnboarding: {j} joined → {s} started → {c} completed → {p} posted (median first "
                        "message after {t}).", j=joined["joined"], s=joined["started onboarding"],
                        c=joined["completed onboarding"], p=joined["posted a message"],
                        t=seconds(k.first_message)).segments
    week1 = [c for c in k.cohorts if c.week1 is not None]
    if week1:
        segments += fmt("\nWeek-1 retention: {r} of the last full cohort (week of {w}).",
                        r=pct(week1[-1].week1), w=f"{week1[-1].week_of:%d %b}").segments
    if k.cases:
        by_action = ", ".join(f"{n} {a}{' (auto)' if auto else ''}" for a, auto, n in k.cases)
        segments += fmt("\nModeration: {c}; {ap} appeal(s), {ov} overturned.", c=by_action, ap=k.appeals,
                        ov=k.overturned).segments
    if k.moderators:
        segments += fmt("\nBy moderator: {m}; median time to action {t}.", t=seconds(k.time_to_action),
                        m=", ".join(f"{who} {n}" for who, n in k.moderators)).segments
    if k.events:
        segments += fmt("\nEvents: {g} going, {a} attended.", g=sum(e.going for e in k.events),
                        a=sum(e.attended for e in k.events)).segments
    if k.feedback_new or k.feedback_shipped:
        segments += fmt("\nFeedback: {n} new, {s} shipped.", n=k.feedback_new, s=k.feedback_shipped).segments
    if k.top:
        segments.append("\nTop contributors: ")
        for i, c in enumerate(k.top):
            segments += [*([", "] if i else []), UserText(c.label), *fmt(" ({m})", m=c.messages).segments]
    dying = [c.name for c in k.channels if c.health == "dying"]
    if dying:
        segments += fmt("\nQuiet channels: {c}.", c=", ".join(dying)).segments
    return Content(tuple(segments))


# -- exports ----------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def as_json(k: Kpis) -> str:
    """Every KPI as one JSON document."""
    data = _jsonable(asdict(k))
    data["stickiness"] = k.stickiness
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def rows(k: Kpis) -> list[tuple[str, str, str, str]]:
    """Every KPI as ``(section, name, key, value)`` rows (the CSV export)."""
    out: list[tuple[str, str, str, str]] = [("summary", name, "", value) for name, value in headline(k)]
    out += [("daily active", f"{d}", "", str(n)) for d, n in k.daily]
    for c in k.cohorts:
        out += [("retention", f"{c.week_of}", "members", str(c.members)),
                ("retention", f"{c.week_of}", "week 1", pct(c.week1)),
                ("retention", f"{c.week_of}", "week 4", pct(c.week4))]
    out += [("onboarding funnel", stage, "", str(n)) for stage, n in k.funnel]
    out += [("top contributors", c.label, "messages", str(c.messages)) for c in k.top]
    out += [("channel health", c.name, c.health, f"{c.messages} (before {c.before})") for c in k.channels]
    out += [("moderation", a, "automatic" if auto else "moderator", str(n)) for a, auto, n in k.cases]
    out += [("moderation", "appeals", "filed", str(k.appeals)), ("moderation", "appeals", "overturned",
                                                                 str(k.overturned))]
    out += [("moderation", who, "cases by this moderator", str(n)) for who, n in k.moderators]
    out += [("moderation", "time to action", "median", seconds(k.time_to_action))]
    for e in k.events:
        out += [("events", f"#{e.event}", "going", str(e.going)), ("events", f"#{e.event}", "attended",
                                                                     str(e.attended)),
                ("events", f"#{e.event}", "rating", "–" if e.rating is None else f"{e.rating:.1f}")]
    out += [("feedback", "new", "", str(k.feedback_new)), ("feedback", "shipped", "", str(k.feedback_shipped)),
            ("feedback", "votes", "", str(k.feedback_votes)),
            ("feedback", "median time to first status", "", seconds(k.feedback_first_status))]
    for s in k.sources:
        out += [("promotion", s.source, "joins", str(s.joins)), ("promotion", s.source, "30-day retention",
                                                                  pct(s.retention))]
    return out


def as_csv(k: Kpis) -> str:
    """Every KPI as CSV (section, name, key, value)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "name", "key", "value"])
    for row in rows(k):
        # a leading = + - @ would be a formula in a spreadsheet: names come from outside
        writer.writerow([("'" + v) if v[:1] in ("=", "+", "-", "@") and i == 1 else v for i, v in enumerate(row)])
    return buffer.getvalue()


# -- the HTML page ----------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#24292f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9d1d9}main{padding:20px 32px;max-width:1400px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:20px}
.tile{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px}
.tile b{display:block;font-size:24px}.tile span{color:#57606a;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:14px 16px}
section h2{font-size:16px;margin:0 0 8px}img{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
td,th{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left}th{color:#57606a;font-weight:600}
.note{color:#9a6700;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px}
details summary{cursor:pointer;color:#57606a;font-size:13px;margin-top:8px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(head: list[str], body: list[list[object]]) -> str:
    if not body:
        return "<p>none in this period</p>"
    cells = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in body)
    table = "<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + cells + "</table>"
    if len(body) > FOLD:  # a long table folds under its chart (the browser opens it; no script)
        return f"<details><summary>the figures ({len(body)} rows)</summary>{table}</details>"
    return table


def _section(name: str, title: str, charts: Charts, table: str) -> str:
    image = charts.images.get(name)
    picture = (f'<img alt="{_e(title)}" src="data:image/png;base64,{base64.b64encode(image).decode()}">'
               if image else "")
    if name in charts.failed:
        picture = '<p class="note">The chart could not be drawn; the figures are below.</p>'
    return f'<section id="{_e(name)}"><h2>{_e(title)}</h2>{picture}{table}</section>'


def page(k: Kpis, charts: Charts, *, generated: datetime) -> str:
    """One self-contained HTML page: inline style, charts as data: URIs, nothing loaded from elsewhere."""
    head = (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            f"style-src 'unsafe-inline'\"><title>{_e(k.community)} — community report</title>"
            f"<style>{STYLE}</style></head><body><header><h1>{_e(k.community)} — community report</h1>"
            f"<p>{_e(period_label(k))} · generated {generated:%Y-%m-%d %H:%M} UTC</p></header><main>")
    if not k.has_data:
        return head + f'<p class="note">{_e(NO_DATA)}</p></main></body></html>\n'
    tiles = "".join(f'<div class="tile"><b>{_e(v)}</b><span>{_e(n)}</span></div>' for n, v in headline(k))
    notes = ""
    if charts.failed:
        notes = (f'<p class="note">Some charts could not be drawn ({_e(", ".join(charts.failed))}); '
                 "their tables are complete.</p>")
    t = charts.titles
    sections = [
        _section("activity", t.get("activity", "Daily active members"), charts, _table(
            ["day", "active members"], [[d, n] for d, n in k.daily])),
        _section("retention", t.get("retention", "Retention"), charts, _table(
            ["cohort (week of)", "members", "week 1", "week 4"],
            [[c.week_of, c.members, pct(c.week1), pct(c.week4)] for c in k.cohorts])),
        _section("funnel", t.get("funnel", "Onboarding funnel"), charts, _table(
            ["stage", "members"], [[s, n] for s, n in k.funnel]) +
            f"<p>Median time to first message: {_e(seconds(k.first_message))}</p>"),
        _section("moderation", t.get("moderation", "Moderation"), charts, _table(
            ["action", "by", "cases"], [[a, "rule" if auto else "moderator", n] for a, auto, n in k.cases]) +
            f"<p>Appeals: {k.appeals} filed, {k.overturned} overturned. " +
            (f"Median time from a report or message to a moderator's action: {_e(seconds(k.time_to_action))}."
             if k.moderators else "No case was opened by a moderator in this period.") + "</p>" +
            (_table(["moderator", "cases"], [[who, n] for who, n in k.moderators]) if k.moderators else "")),
        _section("events", t.get("events", "Events"), charts, _table(
            ["event", "going", "attended", "rating", "ratings"],
            [[f"#{e.event}", e.going, e.attended, "–" if e.rating is None else f"{e.rating:.1f}", e.ratings]
             for e in k.events])),
        _section("feedback", t.get("feedback", "Feedback"), charts, _table(
            ["new", "shipped", "votes", "median time to first status"],
            [[k.feedback_new, k.feedback_shipped, k.feedback_votes, seconds(k.feedback_first_status)]])),
        _section("promotion", t.get("promotion", "Joins by source"), charts, _table(
            ["source", "joins", "30 days in", "still active", "30-day retention"],
            [[s.source, s.joins, s.eligible, s.retained, pct(s.retention)] for s in k.sources]) +
            ("<p>Nobody who joined in this period is 30 days in yet: a longer period (--since 60d) shows "
             "30-day retention.</p>" if k.sources and not any(s.eligible for s in k.sources) else "")),
    ]
    support = (
        "<section id=\"questions\"><h2>Questions and contributors</h2>"
        f"<p>{k.questions} questions asked, {k.answered} answered; median time to first reply "
        f"{_e(seconds(k.first_reply))}.</p>" +
        _table(["top contributor", "messages", "replies", "reactions received"],
               [[c.label, c.messages, c.replies, c.reactions_received] for c in k.top]) + "</section>"
        "<section id=\"channels\"><h2>Channel health</h2>" +
        (_table(["channel", "messages", "period before", "active members", "health"],
                [[c.name, c.messages, c.before, c.active, c.health] for c in k.channels])) + "</section>")
    return (head + f'<div class="tiles">{tiles}</div>{notes}<div class="grid">' + "".join(sections) + support +
            "</div></main></body></html>\n")
