"""Analytics report benchmark (``make bench``): every KPI over one million activity rows on SQLite.

The data is a synthetic month (30 days × 5,000 members, a fixed seed): joins with a weekly rhythm,
members whose activity fades at different rates (so retention and churn mean something), several
channels, plus the facts other cogs publish (cases, onboarding, questions, RSVPs, feedback). The
baseline, measured in the same run on the same rows, is the naive way: fetch every counter row and
compute the activity KPIs in a Python loop (:mod:`cogs.analytics.loop`) — fewer KPIs than the SQL
side computes. ``python -m bench.bench_analytics --fill URL`` fills a database for a demo report.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

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
from bot.persons import PersonId, accounts, persons
from bot.storage import Database
from cogs.analytics import COG, store
from cogs.analytics.loop import load_and_loop
from cogs.analytics.models import activity, members
from cogs.analytics.period import day_number, window
from cogs.analytics.platforms import active_by_platform

TZ = ZoneInfo("Europe/London")
CHANNELS = ["#general", "#help", "#introductions", "#events", "#feedback", "#dev", "#random", "#showcase"]
WEIGHTS = [30, 18, 4, 6, 5, 14, 16, 7]
SOURCES = ["friend", "newsletter", "twitter", "search", "meetup", "spring-campaign"]


async def fill(url: str, *, community: str = "acme", days: int = 30, n_members: int = 5000,
               target_rows: int = 1_000_000, now: datetime | None = None, seed: int = 7) -> int:
    """Fill a database with a synthetic month; returns the activity rows written."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    start = now - timedelta(days=days)
    db = await Database.open(url, [COG.migrations])
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(persons), [{"id": i, "community": community, "created_at": start}
                                                 for i in range(1, n_members + 1)])
            await conn.execute(insert(accounts), [{"community": community, "platform": "console",
                                                   "user_id": f"member{i}", "person_id": i}
                                                  for i in range(1, n_members + 1)])
        joined: dict[int, datetime] = {}
        member_rows = []
        for p in range(1, n_members + 1):
            if p <= n_members * 0.6:  # members from before the month
                at = start - timedelta(days=rng.uniform(1, 120))
            else:  # joins with a weekly rhythm: more at the weekend
                while True:
                    at = start + timedelta(seconds=rng.uniform(0, days * 86400))
                    if rng.random() < (1.0 if at.weekday() >= 5 else 0.55):
                        break
                member_rows.append(store.member_row(community, day_number(at, TZ), at, PersonId(p), "join",
                                                    rng.choice([None, None, "invite:gH7x", "spring-campaign"])))
                if rng.random() < 0.7:
                    member_rows.append(store.member_row(community, day_number(at, TZ), at, PersonId(p), "source",
                                                        rng.choice(SOURCES)))
            joined[p] = at
        leavers = rng.sample(range(1, n_members + 1), n_members // 25)
        for p in leavers:
            at = max(joined[p], start) + timedelta(days=rng.uniform(0, days))
            if at < now:
                member_rows.append(store.member_row(community, day_number(at, TZ), at, PersonId(p), "leave"))
        # each member: a daily activity level that fades at their own rate; scaled to the target
        level = {p: min(rng.paretovariate(1.6), 40.0) for p in range(1, n_members + 1)}
        fade = {p: rng.choice([3, 7, 14, 30, 90, 365]) for p in range(1, n_members + 1)}
        # many newcomers look around for a few days and never come back; some never post at all
        drift = {p: rng.random() < 0.45 for p in range(1, n_members + 1) if joined[p] >= start}
        silent = {p for p in drift if rng.random() < 0.2}
        first_post = {p: joined[p] + timedelta(minutes=rng.lognormvariate(4.5, 1.3)) for p in drift}
        expected: dict[tuple[int, int], float] = {}
        for p in range(1, n_members + 1):
            if p in silent:
                continue
            for d in range(days):
                day_start = start + timedelta(days=d)
                if day_start >= joined[p] - timedelta(days=1):
                    age = (day_start - max(joined[p], start)).days
                    if drift.get(p) and age > 4:
                        break
                    expected[p, d] = level[p] * math.exp(-max(age, 0) / fade[p]) * (
                        0.7 if day_start.weekday() >= 5 else 1.0)
        scale = target_rows / sum(expected.values())
        written = 0
        batch: list[dict[str, object]] = []
        for (p, d), mean in expected.items():
            mean *= scale
            day_start = start + timedelta(days=d)
            for _ in range(int(mean) + (rng.random() < mean % 1)):
                at = max(day_start + timedelta(seconds=rng.uniform(0, 86400)), first_post.get(p, joined[p]))
                kind = rng.random()
                counts = ({"messages": 1, "replies": int(rng.random() < 0.3), "mentions": int(rng.random() < 0.1)}
                          if kind < 0.7 else {"reactions_given": 1} if kind < 0.85 else {"reactions_received": 1})
                batch.append(store.activity_row(community, day_number(min(at, now), TZ), min(at, now), PersonId(p),
                                                rng.choices(CHANNELS, WEIGHTS)[0], **counts))
            if len(batch) >= 50_000:
                async with db.engine.begin() as conn:
                    await conn.execute(insert(activity), batch)
                written += len(batch)
                batch = []
        if batch:
            async with db.engine.begin() as conn:
                await conn.execute(insert(activity), batch)
            written += len(batch)
        facts = _facts(rng, community, start, now, joined, n_members)
        async with db.engine.begin() as conn:
            await conn.execute(insert(members), member_rows)
            await conn.execute(insert(facts_log), [f.row() for f in facts])
        return written
    finally:
        await db.close()


def _facts(rng: random.Random, community: str, start: datetime, now: datetime, joined: dict[int, datetime],
           n_members: int) -> list[Fact]:
    out: list[Fact] = []

    def when(after: datetime | None = None) -> datetime:
        low = max(after or start, start)
        return low + timedelta(seconds=rng.uniform(0, max(1, (now - low).total_seconds())))

    def add(fact: Fact, at: datetime) -> None:
        out.append(fact.stamped(community, min(at, now - timedelta(seconds=1))))

    for p, at in joined.items():
        if at >= start:
            add(OnboardingStarted(person=PersonId(p)), at + timedelta(minutes=1))
            if rng.random() < 0.62:
                add(OnboardingCompleted(person=PersonId(p), seconds=rng.uniform(60, 3600)),
                    at + timedelta(minutes=rng.uniform(2, 60)))
    for n in range(1, 121):
        p = PersonId(rng.randint(1, n_members))
        at = when()
        action = rng.choices(["warn", "timeout", "delete", "kick", "ban"], [50, 20, 40, 5, 4])[0]
        add(CaseOpened(person=p, number=n, action=action, automatic=rng.random() < 0.65), at)
        if rng.random() < 0.15:
            add(AppealFiled(person=p, number=n), at + timedelta(hours=2))
            if rng.random() < 0.4:
                add(CaseClosed(person=p, number=n, action=action, how="revoked"), at + timedelta(hours=20))
    for q in range(600):
        p = PersonId(rng.randint(1, n_members))
        at = when()
        add(QuestionAsked(person=p, channel="#help", message=f"q{q}"), at)
        if rng.random() < 0.85:
            wait = rng.lognormvariate(6.5, 1.2)
            add(QuestionAnswered(person=p, channel="#help", message=f"q{q}", seconds=wait),
                at + timedelta(seconds=wait))
    for e in range(1, 7):
        at = start + timedelta(days=4 * e)
        for p in rng.sample(range(1, n_members + 1), rng.randint(20, 90)):
            add(RsvpChanged(person=PersonId(p), event=str(e), status=rng.choices(["going", "maybe", "no"],
                                                                                 [70, 20, 10])[0]), at)
            if rng.random() < 0.6:
                add(AttendanceChecked(person=PersonId(p), event=str(e), attended=rng.random() < 0.7),
                    at + timedelta(days=1))
                if rng.random() < 0.5:
                    add(EventRated(person=PersonId(p), event=str(e), rating=rng.choices([1, 2, 3, 4, 5],
                                                                                        [2, 3, 10, 40, 45])[0]),
                        at + timedelta(days=1, hours=2))
    for i in range(1, 81):
        at = when()
        add(FeedbackCreated(person=PersonId(rng.randint(1, n_members)), item=str(i), category="feature"), at)
        for _ in range(rng.randint(0, 12)):
            add(FeedbackVoted(person=PersonId(rng.randint(1, n_members)), item=str(i), vote=1), when(at))
        if rng.random() < 0.5:
            moved = at + timedelta(hours=rng.uniform(2, 120))
            add(FeedbackStatusChanged(item=str(i), status="planned"), moved)
            if rng.random() < 0.3:
                add(FeedbackStatusChanged(item=str(i), status="shipped"), moved + timedelta(days=3))
    return sorted(out, key=lambda f: f.at or now)


async def measure(url: str, now: datetime) -> dict[str, float]:
    """Time the SQL report and the Python loop over the same rows (best of three each)."""
    db = await Database.open(url, [COG.migrations])
    try:
        w, today = window("acme", 30, now, TZ), day_number(now, TZ)
        sql, loop, split = [], [], []
        for _ in range(3):
            t = time.perf_counter()
            async with db.session() as session:
                k = await store.compute(session, w, today)
            sql.append(time.perf_counter() - t)
            t = time.perf_counter()
            async with db.session() as session:  # the per-platform split alone (part of every KPI above)
                await session.execute(active_by_platform(w))
            split.append(time.perf_counter() - t)
            t = time.perf_counter()
            async with db.session() as session:
                f = await load_and_loop(session, w, today)
            loop.append(time.perf_counter() - t)
        assert (k.mau, k.messages) == (f.mau, f.messages), "the SQL and the loop disagree"
        return {"sql_s": min(sql), "loop_s": min(loop), "split_s": min(split), "mau": k.mau, "dau": k.dau}
    finally:
        await db.close()


def run(rows: int = 1_000_000) -> dict[str, float]:
    """Fill a temporary SQLite database and measure."""
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        t = time.perf_counter()
        written = asyncio.run(fill(url, target_rows=rows, now=now))
        filled = time.perf_counter() - t
        result = asyncio.run(measure(url, now))
    return {**result, "rows": written, "fill_s": filled}


def main() -> None:
    """Print the report time against the loop's."""
    r = run()
    print(f"analytics report over {r['rows']:,.0f} activity rows (30 days x 5,000 members, SQLite): "
          f"{r['sql_s']:.2f} s for every KPI; a Python loop over the same rows (activity KPIs only) "
          f"{r['loop_s']:.2f} s: {r['loop_s'] / r['sql_s']:.1f}x  [budget: <= 5 s and >= 10x]  "
          f"(MAU {r['mau']:.0f}, DAU {r['dau']:.0f}; filled in {r['fill_s']:.0f} s); of the KPIs, the active "
          f"people by platform {r['split_s']:.2f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fill":
        print(f"wrote {asyncio.run(fill(sys.argv[2], target_rows=200_000, n_members=1500)):,} activity rows")
    else:
        main()
