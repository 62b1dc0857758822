"""One SQLAlchemy Core query per KPI, the same SQL text on SQLite and PostgreSQL.

Every query reads only the analytics counters (:mod:`cogs.analytics.models`) and the core's facts
log (``core_facts``), never another cog's tables. Days are integer day numbers in the community's
time zone, so date windows are integer comparisons; fact payload fields are read with
SQLAlchemy's JSON accessors (``json_extract`` on SQLite, ``->>`` on PostgreSQL). People are
counted by person id (one member with a Discord and a Slack account is one person).

A :class:`Window` is the period asked for: ``start`` ≤ day < ``end`` (and the same instants in
UTC for the facts log); ``today`` is the last complete day a retention window may end on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.facts import (
    AppealFiled,
    AttendanceChecked,
    CaseClosed,
    CaseOpened,
    EventRated,
    Fact,
    FeedbackCreated,
    FeedbackStatusChanged,
    FeedbackVoted,
    OnboardingCompleted,
    OnboardingStarted,
    QuestionAnswered,
    QuestionAsked,
    RsvpChanged,
    facts_log,
)
from cogs.analytics.models import activity, members

# Each query's rows are described in its docstring; Any keeps mypy out of SQLAlchemy's column generics.
Query = Select[*tuple[Any, ...]]

SHIPPED = ("shipped", "done")  # feedback statuses that count as shipped
WEEK1 = (7, 13)  # days after joining that count as "active in week 1"
WEEK4 = (28, 34)
RETAINED_AFTER = 30  # promotion: active on day 30 or later after joining


@dataclass(frozen=True, slots=True)
class Window:
    """A period: local day numbers ``start`` ≤ day < ``end``, the same bounds as UTC instants."""

    community: str
    start: int
    end: int
    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        """The period's length in days."""
        return self.end - self.start


def _rows(w: Window, start: int | None = None, end: int | None = None) -> ColumnElement[bool]:
    """Counter rows of the window, those of forgotten persons included (counts, no person)."""
    return and_(activity.c.community == w.community, activity.c.day >= (w.start if start is None else start),
                activity.c.day < (w.end if end is None else end))


def _active(w: Window, start: int | None = None, end: int | None = None) -> ColumnElement[bool]:
    """Counter rows of the window that belong to a person."""
    return and_(_rows(w, start, end), activity.c.person_id.is_not(None))


def _facts(w: Window, *kinds: type[Fact]) -> ColumnElement[bool]:
    return and_(facts_log.c.community == w.community, facts_log.c.kind.in_([k.kind() for k in kinds]),
                facts_log.c.at >= w.since, facts_log.c.at < w.until)


def _joined(w: Window) -> Query:
    """Persons who joined in the window, with their first join day and time."""
    return (select(members.c.person_id.label("person_id"), func.min(members.c.day).label("jday"),
                   func.min(members.c.ts).label("jts"))
            .where(members.c.community == w.community, members.c.kind == "join", members.c.person_id.is_not(None),
                   members.c.day >= w.start, members.c.day < w.end)
            .group_by(members.c.person_id))


def daily_active(w: Window) -> Query:
    """DAU and the day's counts: ``(day, distinct persons, messages, replies, reactions given,
    reactions received, mentions)`` for each day with activity. The period's totals are the sums of
    these rows (a forgotten person's counts are in them; COUNT(DISTINCT) skips their NULL)."""
    c = activity.c
    return (select(c.day, func.count(c.person_id.distinct()), func.sum(c.messages), func.sum(c.replies),
                   func.sum(c.reactions_given), func.sum(c.reactions_received), func.sum(c.mentions))
            .where(_rows(w)).group_by(c.day).order_by(c.day))


def recent_active(w: Window, today: int) -> Query:
    """MAU and WAU: distinct active persons over the 30 and the 7 days up to ``today``."""
    seen = select(activity.c.day, activity.c.person_id).where(_active(w, today - 29, today + 1)).distinct().subquery()
    week = case((seen.c.day > today - 7, seen.c.person_id))  # one row per person and day: the day index's order
    return select(func.count(seen.c.person_id.distinct()), func.count(week.distinct()))


def growth(w: Window) -> Query:
    """New (joined), left, returning (active now and before the window) and churned (active in the
    previous window of the same length, not in this one) persons.

    Returning and churned read each person's first and last active day (the person index, in order).
    """
    joined = select(func.count(members.c.person_id.distinct())).where(
        members.c.community == w.community, members.c.kind == "join", members.c.day >= w.start, members.c.day < w.end)
    left = select(func.count(members.c.person_id.distinct())).where(
        members.c.community == w.community, members.c.kind == "leave", members.c.day >= w.start, members.c.day < w.end)
    span = (select(func.min(activity.c.day).label("first"), func.max(activity.c.day).label("last"))
            .where(activity.c.community == w.community, activity.c.person_id.is_not(None), activity.c.day < w.end)
            .group_by(activity.c.person_id).subquery())
    # both counted in one pass over the spans (as two scalar subqueries, the spans were worked out twice)
    spans = select(func.count(case((and_(span.c.last >= w.start, span.c.first < w.start), 1))).label("back"),
                   func.count(case((and_(span.c.last < w.start, span.c.last >= w.start - w.days), 1))).label("gone")
                   ).select_from(span).subquery()
    return select(joined.scalar_subquery(), left.scalar_subquery(), spans.c.back, spans.c.gone)


def _active_in_days(person: ColumnElement[int], day: ColumnElement[int], lo: int, hi: int | None,
                    community: str) -> ColumnElement[bool]:
    a = activity.alias()
    window = [a.c.day >= day + lo] + ([a.c.day <= day + hi] if hi is not None else [])
    return exists().where(a.c.community == community, a.c.person_id == person, *window)


def retention(w: Window, today: int) -> Query:
    """Join cohorts by week (Monday-based week number): members, and for week 1 and week 4 how many
    could have been seen yet (their window has ended by ``today``) and how many were active in it."""
    j = _joined(w).subquery()
    week = ((j.c.jday + 3) // 7).label("week")  # day 4 (1970-01-05) was a Monday; integer division

    def counted(lo: int, hi: int) -> tuple[ColumnElement[int], ColumnElement[int]]:
        eligible = j.c.jday + hi <= today
        return (func.sum(case((eligible, 1), else_=0)),
                func.sum(case((and_(eligible, _active_in_days(j.c.person_id, j.c.jday, lo, hi, w.community)), 1),
                              else_=0)))

    e1, r1 = counted(*WEEK1)
    e4, r4 = counted(*WEEK4)
    return select(week, func.count(), e1, r1, e4, r4).select_from(j).group_by(week).order_by(week)


def funnel(w: Window) -> Query:
    """Onboarding funnel of those who joined in the window: joined, started onboarding, completed
    it, posted a message."""
    j = _joined(w).subquery()

    def fact(kind: type[Fact]) -> ColumnElement[int]:
        return func.sum(case((exists().where(facts_log.c.community == w.community, facts_log.c.kind == kind.kind(),
                                             facts_log.c.person_id == j.c.person_id), 1), else_=0))

    posted = exists().where(activity.c.community == w.community, activity.c.person_id == j.c.person_id,
                            activity.c.messages > 0, activity.c.ts >= j.c.jts)
    return select(func.count(), fact(OnboardingStarted), fact(OnboardingCompleted),
                  func.sum(case((posted, 1), else_=0))).select_from(j)


def first_message_seconds(w: Window) -> Query:
    """Seconds from joining to the first message, one row per person who joined and posted, ascending
    (one index seek per person who joined, not a pass over every row)."""
    j = _joined(w).subquery()
    first = (select(func.min(activity.c.ts)).where(
        activity.c.community == w.community, activity.c.person_id == j.c.person_id, activity.c.messages > 0,
        activity.c.ts >= j.c.jts).scalar_subquery())
    seconds = (first - j.c.jts).label("seconds")
    return select(seconds).select_from(j).where(first.is_not(None)).order_by(seconds)


def first_reply_seconds(w: Window) -> Query:
    """Seconds each question answered in the window waited for its first reply, ascending."""
    seconds = facts_log.c.payload["seconds"].as_float().label("seconds")
    return select(seconds).where(_facts(w, QuestionAnswered)).order_by(seconds)


def questions(w: Window) -> Query:
    """Questions asked and answered in the window."""
    asked = func.sum(case((facts_log.c.kind == QuestionAsked.kind(), 1), else_=0))
    answered = func.sum(case((facts_log.c.kind == QuestionAnswered.kind(), 1), else_=0))
    return select(func.coalesce(asked, 0), func.coalesce(answered, 0)).where(
        _facts(w, QuestionAsked, QuestionAnswered))


def top_contributors(w: Window, limit: int = 10) -> Query:
    """Persons by messages in the window (then reactions received, then id): person, messages,
    replies, reactions received."""
    messages = func.sum(activity.c.messages).label("m")
    received = func.sum(activity.c.reactions_received).label("r")
    return (select(activity.c.person_id, messages, func.sum(activity.c.replies), received)
            .where(_active(w)).group_by(activity.c.person_id)
            .having(messages + received > 0)
            .order_by(messages.desc(), received.desc(), activity.c.person_id).limit(limit))


def channel_health(w: Window) -> Query:
    """Per channel: messages in the window, messages in the window before it, active persons now."""
    c = activity.c  # first summed per day, person and channel, in the day index's order (no sort of every row)
    each = (select(c.day, c.person_id, c.channel, func.sum(c.messages).label("messages"))
            .where(_rows(w, w.start - w.days, w.end), c.channel != "")
            .group_by(c.day, c.person_id, c.channel).subquery())
    now = each.c.day >= w.start
    return (select(each.c.channel,
                   func.sum(case((now, each.c.messages), else_=0)),
                   func.sum(case((now, literal(0)), else_=each.c.messages)),
                   func.count(case((now, each.c.person_id)).distinct()))
            .group_by(each.c.channel).order_by(each.c.channel))


def moderation(w: Window) -> Query:
    """Cases opened in the window by action, split automatic (rules) and by a moderator."""
    action = facts_log.c.payload["action"].as_string().label("action")
    automatic = func.coalesce(facts_log.c.payload["automatic"].as_boolean(), False).label("automatic")
    return (select(action, automatic, func.count()).where(_facts(w, CaseOpened))
            .group_by(action, automatic).order_by(action, automatic))


def by_moderator(w: Window) -> Query:
    """Cases a moderator opened in the window, per moderator (person id), most first: ``(moderator, cases)``.
    Facts logged before CaseOpened carried its moderator have none and are not in it."""
    moderator = facts_log.c.payload["moderator"].as_integer().label("moderator")
    cases = func.count().label("cases")
    return (select(moderator, cases).where(_facts(w, CaseOpened), moderator.is_not(None))
            .group_by(moderator).order_by(cases.desc(), moderator))


def action_times(w: Window) -> Query:
    """Cases a moderator opened in the window about something with a known time (a report, a message):
    ``(opened at, incident at as ISO text)``; time to action is their difference (worked out in Python,
    as date arithmetic differs between SQLite and PostgreSQL)."""
    incident = facts_log.c.payload["incident_at"].as_string()
    return (select(facts_log.c.at, incident).where(
        _facts(w, CaseOpened), facts_log.c.payload["moderator"].as_integer().is_not(None), incident.is_not(None))
        .order_by(facts_log.c.at))


def appeals(w: Window) -> Query:
    """Appeals filed in the window, and how many of those cases were then closed (overturned)."""
    closed = facts_log.alias("closed")
    overturned = exists().where(
        closed.c.community == w.community, closed.c.kind == CaseClosed.kind(), closed.c.at >= facts_log.c.at,
        closed.c.payload["number"].as_integer() == facts_log.c.payload["number"].as_integer())
    return select(func.count(), func.coalesce(func.sum(case((overturned, 1), else_=0)), 0)).where(
        _facts(w, AppealFiled))


def events(w: Window) -> Query:
    """Per event with facts in the window: going (each person's latest answer), attended, average
    rating and ratings (each person's latest)."""
    p = facts_log.c.payload
    latest = func.row_number().over(partition_by=(facts_log.c.kind, p["event"].as_string(), facts_log.c.person_id),
                                    order_by=(facts_log.c.at.desc(), facts_log.c.id.desc()))
    rows = select(facts_log.c.kind.label("kind"), p["event"].as_string().label("event"),
                  p["status"].as_string().label("status"),
                  func.coalesce(p["attended"].as_boolean(), False).label("attended"),
                  p["rating"].as_integer().label("rating"), latest.label("rn")
                  ).where(_facts(w, RsvpChanged, AttendanceChecked, EventRated)).subquery()
    last = rows.c.rn == 1
    rated = and_(last, rows.c.kind == EventRated.kind())
    return (select(rows.c.event,
                   func.sum(case((and_(last, rows.c.kind == RsvpChanged.kind(), rows.c.status == "going"), 1),
                                 else_=0)),
                   func.sum(case((and_(last, rows.c.kind == AttendanceChecked.kind(), rows.c.attended), 1),
                                 else_=0)),
                   func.avg(case((rated, rows.c.rating))),
                   func.sum(case((rated, 1), else_=0)))
            .group_by(rows.c.event).order_by(rows.c.event))


def feedback(w: Window) -> Query:
    """Feedback created, items shipped and votes cast in the window."""
    k, p = facts_log.c.kind, facts_log.c.payload
    shipped = case((and_(k == FeedbackStatusChanged.kind(), p["status"].as_string().in_(SHIPPED)),
                    p["item"].as_string()))
    return select(func.coalesce(func.sum(case((k == FeedbackCreated.kind(), 1), else_=0)), 0),
                  func.count(shipped.distinct()),
                  func.coalesce(func.sum(case((k == FeedbackVoted.kind(), 1), else_=0)), 0)).where(
        _facts(w, FeedbackCreated, FeedbackStatusChanged, FeedbackVoted))


def feedback_first_status(w: Window) -> Query:
    """Items created in the window that got a status: when created and when first moved."""
    created, moved = facts_log.alias("created"), facts_log.alias("moved")
    first = func.min(moved.c.at)
    return (select(created.c.at, first).select_from(created.join(moved, and_(
        moved.c.community == w.community, moved.c.kind == FeedbackStatusChanged.kind(),
        moved.c.payload["item"].as_string() == created.c.payload["item"].as_string(), moved.c.at >= created.c.at)))
        .where(created.c.community == w.community, created.c.kind == FeedbackCreated.kind(),
               created.c.at >= w.since, created.c.at < w.until)
        .group_by(created.c.id, created.c.at))


def promotion(w: Window, today: int) -> Query:
    """Per join source: members who joined in the window, how many are 30 days in by ``today``, and
    how many of those were active on day 30 or later. The source is the invite or campaign seen at
    the join, else the onboarding answer, else ``unknown``."""
    j = _joined(w).subquery()
    src = members.alias("src")
    source = (select(func.coalesce(
        func.max(case((src.c.kind == "join", src.c.source))),
        func.max(case((src.c.kind == "source", src.c.source))))).where(
        src.c.community == w.community, src.c.person_id == j.c.person_id).scalar_subquery())
    label = func.coalesce(source, "unknown").label("source")
    eligible = j.c.jday + RETAINED_AFTER <= today
    retained = and_(eligible, _active_in_days(j.c.person_id, j.c.jday, RETAINED_AFTER, None, w.community))
    return (select(label, func.count(), func.sum(case((eligible, 1), else_=0)),
                   func.sum(case((retained, 1), else_=0))).select_from(j).group_by(label).order_by(label))


def any_data(community: str) -> Query:
    """Whether the community has any counters at all."""
    return select(or_(exists().where(activity.c.community == community),
                      exists().where(members.c.community == community)))
