"""The analytics cog's storage: counter rows for the batching writer, campaigns, and the KPIs.

:func:`compute` runs every query of :mod:`cogs.analytics.queries` in one read-only session and
returns :class:`~cogs.analytics.kpis.Kpis`; the arithmetic on the results is in :mod:`kpis`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.persons import PersonId, accounts
from cogs.analytics import queries as q
from cogs.analytics.kpis import Channel, Cohort, Contributor, EventFigures, Kpis, Source, health, mean_dau, median
from cogs.analytics.models import activity, campaigns, members, unix
from cogs.analytics.period import day_date
from cogs.analytics.platforms import active_by_platform, split
from cogs.analytics.queries import Window

COUNTERS = ("messages", "replies", "reactions_given", "reactions_received", "mentions")


def activity_row(community: str, day: int, at: datetime, person: PersonId, channel: str, *, messages: int = 0,
                 replies: int = 0, reactions_given: int = 0, reactions_received: int = 0,
                 mentions: int = 0) -> dict[str, Any]:
    """One counter row (``messages=1, replies=1``...) for the batching writer; never any text.

    Built as one literal (no keyword dictionary, no loop): the cog builds one per chat message."""
    return {"community": community, "day": day, "ts": int(at.timestamp()), "person_id": int(person),
            "channel": channel[:100], "messages": int(messages), "replies": int(replies),
            "reactions_given": int(reactions_given), "reactions_received": int(reactions_received),
            "mentions": int(mentions)}


def member_row(community: str, day: int, at: datetime, person: PersonId, kind: str,
               source: str | None = None) -> dict[str, Any]:
    """A join, a leave or a join source, for the batching writer."""
    return {"community": community, "person_id": int(person), "kind": kind, "day": day, "ts": unix(at),
            "source": None if source is None else source[:60]}


# -- campaigns --------------------------------------------------------------------------------

async def add_campaign(session: AsyncSession, community: str, name: str, platform: str, *, code: str | None,
                       url: str | None, person: PersonId | None, at: datetime) -> bool:
    """Record a campaign; False when one of that name already exists on the platform."""
    found = await session.scalar(select(campaigns.c.id).where(
        campaigns.c.community == community, campaigns.c.name == name, campaigns.c.platform == platform))
    if found is not None:
        return False
    await session.execute(campaigns.insert().values(community=community, name=name, platform=platform, code=code,
                                                    url=url, created_by=person, created_at=at))
    return True


async def campaign_codes(session: AsyncSession, community: str, platform: str) -> dict[str, str]:
    """Invite code → campaign name on a platform."""
    rows = await session.execute(select(campaigns.c.code, campaigns.c.name).where(
        campaigns.c.community == community, campaigns.c.platform == platform, campaigns.c.code.is_not(None)))
    return {code: name for code, name in rows.all()}


async def campaign_list(session: AsyncSession, community: str) -> list[tuple[str, str, str | None]]:
    """``(name, platform, url)`` of every campaign."""
    rows = await session.execute(select(campaigns.c.name, campaigns.c.platform, campaigns.c.url).where(
        campaigns.c.community == community).order_by(campaigns.c.name, campaigns.c.platform))
    return [(n, p, u) for n, p, u in rows.all()]


# -- persons ----------------------------------------------------------------------------------

async def merge_persons(session: AsyncSession, source: PersonId, into: PersonId) -> int:
    """Re-key the counters of ``source`` to ``into``."""
    moved = 0
    for table in (activity, members):
        result = await session.execute(update(table).where(table.c.person_id == source).values(person_id=into))
        moved += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(update(campaigns).where(campaigns.c.created_by == source).values(created_by=into))
    return moved + int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_member(session: AsyncSession, person: PersonId) -> int:
    """Forget a person: their joins and sources go; their activity stays as counts with no person."""
    gone = await session.execute(delete(members).where(members.c.person_id == person))
    kept = await session.execute(update(activity).where(activity.c.person_id == person).values(person_id=None))
    made = await session.execute(update(campaigns).where(campaigns.c.created_by == person).values(created_by=None))
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in (gone, kept, made))


async def labels(session: AsyncSession, community: str, persons: list[int]) -> dict[int, str]:
    """A readable label per person: their accounts' names (``alice``, ``discord:1234…``)."""
    if not persons:
        return {}
    rows = await session.execute(select(accounts.c.person_id, accounts.c.platform, accounts.c.user_id).where(
        accounts.c.community == community, accounts.c.person_id.in_(persons)).order_by(accounts.c.platform))
    out: dict[int, list[str]] = {}
    for pid, platform, user in rows.all():
        out.setdefault(pid, []).append(user if platform in ("console", "memory") else f"{platform}:{user}")
    return {p: " / ".join(out.get(p, [f"person {p}"])) for p in persons}


# -- the KPIs ---------------------------------------------------------------------------------

async def compute(session: AsyncSession, w: Window, today: int, *, top: int = 10) -> Kpis:
    """Every KPI of the window; ``today`` is the current local day number (retention windows end by it)."""
    k = Kpis(community=w.community, start=day_date(w.start), end=day_date(w.end))
    k.has_data = bool(await session.scalar(q.any_data(w.community)))
    if not k.has_data:
        return k
    run = session.execute
    days = (await run(q.daily_active(w))).all()
    k.daily = [(day_date(d), int(n)) for d, n, *_counts in days if n]
    k.dau = mean_dau(k.daily, min(w.days, max(1, today + 1 - w.start)))
    k.messages, k.replies, k.reactions, k.reactions_received, k.mentions = (
        sum(int(row[i] or 0) for row in days) for i in range(2, 7))
    k.mau, k.wau = (int(v or 0) for v in (await run(q.recent_active(w, today))).one())
    k.platforms = split((await run(active_by_platform(w))).all()).line()
    k.new, k.left, k.returning, k.churned = (int(v or 0) for v in (await run(q.growth(w))).one())
    k.cohorts = [Cohort(day_date(int(week) * 7 - 3), int(n), int(e1 or 0), int(r1 or 0), int(e4 or 0), int(r4 or 0))
                 for week, n, e1, r1, e4, r4 in (await run(q.retention(w, today))).all()]
    joined, started, completed, posted = (int(v or 0) for v in (await run(q.funnel(w))).one())
    k.funnel = [("joined", joined), ("started onboarding", started), ("completed onboarding", completed),
                ("posted a message", posted)]
    k.first_message = median([float(s) for (s,) in (await run(q.first_message_seconds(w))).all()])
    k.questions, k.answered = (int(v or 0) for v in (await run(q.questions(w))).one())
    k.first_reply = median([float(s) for (s,) in (await run(q.first_reply_seconds(w))).all() if s is not None])
    rows = (await run(q.top_contributors(w, top))).all()
    names = await labels(session, w.community, [int(r[0]) for r in rows])
    k.top = [Contributor(int(p), names[int(p)], int(m or 0), int(r or 0), int(x or 0)) for p, m, r, x in rows]
    k.channels = [Channel(c, int(n or 0), int(b or 0), int(a or 0), health(int(n or 0), int(b or 0)))
                  for c, n, b, a in (await run(q.channel_health(w))).all()]
    k.cases = [(str(a or "?"), bool(auto), int(n)) for a, auto, n in (await run(q.moderation(w))).all()]
    mods = [(int(m), int(n)) for m, n in (await run(q.by_moderator(w))).all()]
    names = await labels(session, w.community, [m for m, _n in mods])
    k.moderators = [(names[m], n) for m, n in mods]
    k.time_to_action = median([s for at, inc in (await run(q.action_times(w))).all()
                               if (s := seconds_after(inc, at)) is not None])
    k.appeals, k.overturned = (int(v or 0) for v in (await run(q.appeals(w))).one())
    k.events = [EventFigures(str(e), int(g or 0), int(a or 0), None if r is None else float(r), int(n or 0))
                for e, g, a, r, n in (await run(q.events(w))).all()]
    k.feedback_new, k.feedback_shipped, k.feedback_votes = (int(v or 0) for v in (await run(q.feedback(w))).one())
    k.feedback_first_status = median([(moved - created).total_seconds() for created, moved in
                                      (await run(q.feedback_first_status(w))).all()])
    k.sources = [Source(str(s), int(n), int(e or 0), int(r or 0))
                 for s, n, e, r in (await run(q.promotion(w, today))).all()]
    return k


def seconds_after(iso: object, at: datetime) -> float | None:
    """Seconds from an ISO time in a fact's payload to ``at`` (never negative); None if it is not a time."""
    try:
        since = utc(datetime.fromisoformat(str(iso)))
    except ValueError:
        return None
    return max((utc(at) - since).total_seconds(), 0.0)


def period_label(k: Kpis) -> str:
    """``2026-01-01 – 2026-01-30``."""
    last = date.fromordinal(k.end.toordinal() - 1)
    return f"{k.start:%Y-%m-%d} – {last:%Y-%m-%d}"
