"""Answers and prompt replies as marks: a row each through the batching writer (in the database within a
second), folded into the question's answer or the post's reply count by the next flush, sweep or start."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.engagement.models import MarkRow, PromptPostRow, QuestionRow

ANSWER, REPLY = "answer", "reply"


def mark(community: str, kind: str, platform: str, ref: str, person: int, at: datetime) -> dict[str, object]:
    """A mark's row for the batching writer."""
    return {"community": community, "kind": kind, "platform": platform, "ref": ref, "person_id": person, "at": at}


async def fold_answers(session: AsyncSession, community: str) -> int:
    """Each answer mark marks its question answered (its first answer wins); returns the marks folded."""
    marks = (await session.execute(select(MarkRow.id, MarkRow.platform, MarkRow.ref, MarkRow.at, MarkRow.person_id)
                                   .where(MarkRow.community == community, MarkRow.kind == ANSWER)
                                   .order_by(MarkRow.id))).all()
    if not marks:
        return 0
    # one UPDATE run once per mark, in mark order (so the first answer wins), on the table rather than
    # the ORM class: the ORM's per-statement session synchronisation cost ~1 ms a mark
    questions = cast(Table, QuestionRow.__table__)
    await session.execute(update(questions).where(
        questions.c.community == community, questions.c.platform == bindparam("m_platform"),
        questions.c.message == bindparam("m_ref"), questions.c.answered_at.is_(None)).values(
        answered_at=bindparam("m_at"), answered_by=bindparam("m_person")),
        [{"m_platform": platform, "m_ref": ref, "m_at": at, "m_person": person}
         for _id, platform, ref, at, person in marks])
    await session.execute(delete(MarkRow).where(MarkRow.community == community, MarkRow.kind == ANSWER,
                                                MarkRow.id <= marks[-1][0]))
    return len(marks)


async def fold_replies(session: AsyncSession, community: str) -> int:
    """Reply marks added to their prompt posts' counts; returns the marks folded."""
    marks = (await session.execute(select(MarkRow.id, MarkRow.ref).where(
        MarkRow.community == community, MarkRow.kind == REPLY).order_by(MarkRow.id))).all()
    counted = Counter(int(ref) for _id, ref in marks if ref.isdigit())
    for post_id, n in counted.items():
        await session.execute(update(PromptPostRow).where(PromptPostRow.id == post_id).values(
            replies=PromptPostRow.replies + n))
    if marks:
        await session.execute(delete(MarkRow).where(MarkRow.community == community, MarkRow.kind == REPLY,
                                                    MarkRow.id <= marks[-1].id))
    return len(marks)
