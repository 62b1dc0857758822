"""What the hourly flush writes, on SQLite and PostgreSQL: term counts add up across flushes of one day, and
answer marks fold into their questions with the first answer winning (both run as one statement per batch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.testing import Harness
from cogs.engagement import store
from cogs.engagement.marks import ANSWER, fold_answers, mark
from cogs.engagement.models import MarkRow, QuestionRow
from tests.cogs.engagement.conftest import start

AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_term_counts_of_one_day_add_up_across_flushes(db_url: str) -> None:
    h: Harness = await start(db_url)
    try:
        async with h.runtime.db.session() as session:
            await store.add_terms(session, "acme", "2026-01-05", {"dark mode": 2, "release": 1})
            await store.add_terms(session, "acme", "2026-01-05", {"dark mode": 3, "pizza": 1})
            await store.add_terms(session, "acme", "2026-01-06", {"dark mode": 7})
            await store.add_terms(session, "other", "2026-01-05", {"dark mode": 100})
            await store.add_terms(session, "acme", "2026-01-05", {})
            await session.commit()
            assert await store.term_counts(session, "acme", ["2026-01-05"]) == {
                "dark mode": 5, "release": 1, "pizza": 1}
            assert await store.term_counts(session, "acme", ["2026-01-05", "2026-01-06"]) == {
                "dark mode": 12, "release": 1, "pizza": 1}
    finally:
        await h.close()


async def test_answer_marks_fold_into_their_questions_first_answer_wins(db_url: str) -> None:
    h: Harness = await start(db_url)
    try:
        async with h.runtime.db.session() as session:
            for message, answered in (("q1", None), ("q2", None), ("q3", AT)):
                session.add(QuestionRow(community="acme", platform="memory", channel="help", message=message,
                                        person_id=1, user_id="bob", asked_at=AT - timedelta(hours=1),
                                        answered_at=answered, answered_by=None if answered is None else 9))
            await session.flush()
            for ref, person, minutes in (("q1", 2, 5), ("q1", 3, 6), ("q3", 4, 7), ("nope", 5, 8)):
                session.add(MarkRow(**mark("acme", ANSWER, "memory", ref, person, AT + timedelta(minutes=minutes))))
            session.add(MarkRow(**mark("other", ANSWER, "memory", "q2", 6, AT)))  # another community's
            await session.flush()
            assert await fold_answers(session, "acme") == 4
            await session.commit()
            rows = {r.message: (r.answered_at, r.answered_by) for r in (await session.execute(
                select(QuestionRow))).scalars()}
            assert rows == {"q1": (AT + timedelta(minutes=5), 2), "q2": (None, None), "q3": (AT, 9)}
            left = (await session.execute(select(MarkRow.community, func.count()).group_by(MarkRow.community))).all()
            assert [tuple(r) for r in left] == [("other", 1)]
            assert await fold_answers(session, "acme") == 0
    finally:
        await h.close()
