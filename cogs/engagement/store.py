"""The engagement cog's queries. ORM rows stay here; callers get plain values and dataclasses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from bot.refs import UserRef
from cogs.engagement.models import (
    AnnouncementRow,
    KudosRow,
    PollRow,
    PromptPostRow,
    QuestionRow,
    RotationRow,
    TermRow,
    VoteRow,
)
from cogs.engagement.rotation import Rotation

# -- prompts ------------------------------------------------------------------------------------


async def rotation(session: AsyncSession, community: str, schedule: str) -> Rotation:
    """Where a schedule's rotation stands (a fresh one before its first prompt)."""
    row = (await session.execute(select(RotationRow).where(
        RotationRow.community == community, RotationRow.schedule == schedule))).scalar_one_or_none()
    return Rotation() if row is None else Rotation(row.round, tuple(row.used or ()), row.last)


async def save_rotation(session: AsyncSession, community: str, schedule: str, state: Rotation) -> None:
    """Store the rotation after a prompt was chosen (in the prompt job's transaction)."""
    row = (await session.execute(select(RotationRow).where(
        RotationRow.community == community, RotationRow.schedule == schedule))).scalar_one_or_none()
    if row is None:
        session.add(RotationRow(community=community, schedule=schedule, round=state.round, used=list(state.used),
                                last=state.last))
    else:
        row.round, row.used, row.last = state.round, list(state.used), state.last
    await session.flush()


@dataclass(frozen=True)
class PromptPost:
    """A posted prompt on one platform, as the reply counter needs it."""

    id: int
    schedule: str
    platform: str
    channel: str
    thread: bool
    outbox_key: str
    message: str
    thread_channel: str
    posted_at: datetime


def _post(row: PromptPostRow) -> PromptPost:
    return PromptPost(row.id, row.schedule, row.platform, row.channel, row.thread, row.outbox_key, row.message,
                      row.thread_channel, row.posted_at)


async def add_prompt_post(session: AsyncSession, **values: object) -> None:
    """Record a prompt staged for one platform."""
    session.add(PromptPostRow(**values))
    await session.flush()


async def prompt_posts_since(session: AsyncSession, community: str, since: datetime) -> list[PromptPost]:
    """Prompts posted since ``since``, newest first."""
    rows = (await session.execute(select(PromptPostRow).where(
        PromptPostRow.community == community, PromptPostRow.posted_at >= since)
        .order_by(PromptPostRow.posted_at.desc(), PromptPostRow.id.desc()))).scalars().all()
    return [_post(r) for r in rows]


async def resolve_prompt_post(session: AsyncSession, post_id: int, message: str, thread_channel: str) -> None:
    """Remember where a prompt landed once the outbox delivered it."""
    await session.execute(update(PromptPostRow).where(PromptPostRow.id == post_id).values(
        message=message, thread_channel=thread_channel))


@dataclass(frozen=True)
class PromptStat:
    """How a prompt did: times posted (per platform), replies in all, the last time."""

    schedule: str
    label: str
    posts: int
    replies: int
    last: datetime


async def prompt_stats(session: AsyncSession, community: str) -> list[PromptStat]:
    """Replies per prompt, best first."""
    rows = (await session.execute(select(
        PromptPostRow.schedule, PromptPostRow.prompt, func.max(PromptPostRow.label), func.count(),
        func.sum(PromptPostRow.replies), func.max(PromptPostRow.posted_at))
        .where(PromptPostRow.community == community)
        .group_by(PromptPostRow.schedule, PromptPostRow.prompt))).all()
    stats = [PromptStat(r[0], r[2], int(r[3]), int(r[4] or 0), r[5]) for r in rows]
    return sorted(stats, key=lambda s: (-s.replies / max(s.posts, 1), -s.replies, s.schedule, s.label))


# -- polls --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    """A poll as the cog uses it."""

    id: int
    number: int
    question: str
    options: tuple[str, ...]
    multiple: bool
    anonymous: bool
    creator: int | None
    channel: str
    cards: dict[str, list[str]]
    card_keys: dict[str, str]
    version: int
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None

    @property
    def closed(self) -> bool:
        """Whether votes are no longer taken."""
        return self.closed_at is not None


def _poll(r: PollRow) -> Poll:
    return Poll(r.id, r.number, r.question, tuple(r.options), r.multiple, r.anonymous, r.creator, r.channel,
                dict(r.cards or {}), dict(r.card_keys or {}), r.version, r.opened_at, r.closes_at, r.closed_at)


async def create_poll(session: AsyncSession, community: str, **values: object) -> Poll:
    """A new poll with the community's next number."""
    number = (await session.execute(select(func.coalesce(func.max(PollRow.number), 0)).where(
        PollRow.community == community))).scalar_one() + 1
    row = PollRow(community=community, number=number, cards={}, card_keys={}, **values)
    session.add(row)
    await session.flush()
    return _poll(row)


async def poll_by_id(session: AsyncSession, poll_id: int) -> Poll | None:
    """A poll by its row id."""
    row = await session.get(PollRow, poll_id)
    return None if row is None else _poll(row)


async def poll_by_number(session: AsyncSession, community: str, number: int) -> Poll | None:
    """A poll by its number in the community."""
    row = (await session.execute(select(PollRow).where(PollRow.community == community,
                                                       PollRow.number == number))).scalar_one_or_none()
    return None if row is None else _poll(row)


async def open_polls(session: AsyncSession, community: str) -> list[Poll]:
    """Polls still taking votes, oldest first."""
    rows = (await session.execute(select(PollRow).where(PollRow.community == community, PollRow.closed_at.is_(None))
                                  .order_by(PollRow.number))).scalars().all()
    return [_poll(r) for r in rows]


async def change_poll(session: AsyncSession, poll_id: int, **values: object) -> None:
    """Update a poll's columns."""
    await session.execute(update(PollRow).where(PollRow.id == poll_id).values(**values))


async def bump(session: AsyncSession, poll_id: int) -> int:
    """The poll's next version (each card edit is its own outbox entry)."""
    await session.execute(update(PollRow).where(PollRow.id == poll_id).values(version=PollRow.version + 1))
    return int((await session.execute(select(PollRow.version).where(PollRow.id == poll_id))).scalar_one())


async def ballots(session: AsyncSession, poll_id: int) -> dict[int, frozenset[int]]:
    """person -> the options they chose."""
    rows = (await session.execute(select(VoteRow.person_id, VoteRow.option).where(VoteRow.poll_id == poll_id))).all()
    out: dict[int, set[int]] = {}
    for person, option in rows:
        out.setdefault(int(person), set()).add(int(option))
    return {p: frozenset(o) for p, o in out.items()}


async def voters(session: AsyncSession, poll_id: int) -> list[tuple[int, UserRef]]:
    """(option, account) of every vote, oldest first (names on a poll that is not anonymous)."""
    rows = (await session.execute(select(VoteRow.option, VoteRow.platform, VoteRow.user_id)
                                  .where(VoteRow.poll_id == poll_id).order_by(VoteRow.at, VoteRow.id))).all()
    return [(int(o), UserRef(p, u)) for o, p, u in rows]


async def set_ballot(session: AsyncSession, poll_id: int, person: PersonId, user: UserRef, ballot: frozenset[int],
                     now: datetime) -> None:
    """Replace a person's votes on a poll with ``ballot``."""
    have = (await ballots(session, poll_id)).get(int(person), frozenset())
    gone = have - ballot
    if gone:
        await session.execute(delete(VoteRow).where(VoteRow.poll_id == poll_id, VoteRow.person_id == person,
                                                    VoteRow.option.in_(sorted(gone))))
    for option in sorted(ballot - have):
        session.add(VoteRow(poll_id=poll_id, person_id=int(person), platform=user.platform, user_id=user.id,
                            option=option, at=now))
    await session.flush()


# -- questions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """An open or answered question (never its text)."""

    id: int
    platform: str
    channel: str
    message: str
    person: int
    user_id: str
    asked_at: datetime
    answered_at: datetime | None
    pinged_at: datetime | None


def _question(r: QuestionRow) -> Question:
    return Question(r.id, r.platform, r.channel, r.message, r.person_id, r.user_id, r.asked_at, r.answered_at,
                    r.pinged_at)


async def add_question(session: AsyncSession, community: str, **values: object) -> Question:
    """Record a question."""
    row = QuestionRow(community=community, **values)
    session.add(row)
    await session.flush()
    return _question(row)


async def question(session: AsyncSession, question_id: int) -> Question | None:
    """A question by id."""
    row = await session.get(QuestionRow, question_id)
    return None if row is None else _question(row)


async def open_questions(session: AsyncSession, community: str, since: datetime) -> list[Question]:
    """Unanswered questions asked since ``since``, oldest first."""
    rows = (await session.execute(select(QuestionRow).where(
        QuestionRow.community == community, QuestionRow.answered_at.is_(None), QuestionRow.asked_at >= since)
        .order_by(QuestionRow.asked_at, QuestionRow.id))).scalars().all()
    return [_question(r) for r in rows]


async def unpinged(session: AsyncSession, community: str, platform: str, channel: str, asked_by: datetime,
                   since: datetime) -> list[Question]:
    """Open questions of a channel asked between ``since`` and ``asked_by`` whose helpers were not pinged."""
    rows = (await session.execute(select(QuestionRow).where(
        QuestionRow.community == community, QuestionRow.platform == platform, QuestionRow.channel == channel,
        QuestionRow.answered_at.is_(None), QuestionRow.pinged_at.is_(None), QuestionRow.asked_at <= asked_by,
        QuestionRow.asked_at >= since).order_by(QuestionRow.asked_at, QuestionRow.id))).scalars().all()
    return [_question(r) for r in rows]


async def mark_pinged(session: AsyncSession, question_id: int, at: datetime) -> bool:
    """Mark the helpers pinged; False when they already were or it was answered."""
    result = await session.execute(update(QuestionRow).where(
        QuestionRow.id == question_id, QuestionRow.pinged_at.is_(None),
        QuestionRow.answered_at.is_(None)).values(pinged_at=at))
    return bool(getattr(result, "rowcount", 0))


# -- hot topics ---------------------------------------------------------------------------------


async def add_terms(session: AsyncSession, community: str, day: str, counted: Mapping[str, int]) -> None:
    """Add message counts to a day's totals (one upsert per term).

    One statement run with every term's parameters (an executemany on the table, not the ORM class):
    an hour of busy chat holds thousands of terms, and a multi-row VALUES built through the ORM's bulk
    path, compiled anew each flush, cost far more than writing the rows."""
    if not counted:
        return
    dialect = session.get_bind().dialect.name
    table = cast(Table, TermRow.__table__)
    rows = [{"community": community, "day": day, "term": t, "count": n} for t, n in counted.items()]
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["community", "day", "term"],
                                      set_={"count": table.c.count + stmt.excluded.count})
    await session.execute(stmt, rows)


async def term_counts(session: AsyncSession, community: str, days: list[str]) -> Counter[str]:
    """Messages per term over these days."""
    if not days:
        return Counter()
    rows = (await session.execute(select(TermRow.term, func.sum(TermRow.count)).where(
        TermRow.community == community, TermRow.day.in_(days)).group_by(TermRow.term))).all()
    return Counter({t: int(n) for t, n in rows})


async def prune_terms(session: AsyncSession, community: str, before: str) -> None:
    """Forget the counts of days before ``before``."""
    await session.execute(delete(TermRow).where(TermRow.community == community, TermRow.day < before))


# -- kudos --------------------------------------------------------------------------------------


async def add_kudos(session: AsyncSession, community: str, **values: object) -> int:
    """Record a thank-you; its row id."""
    row = KudosRow(community=community, **values)
    session.add(row)
    await session.flush()
    return int(row.id)


async def kudos_given_since(session: AsyncSession, community: str, giver: PersonId, since: datetime,
                            receiver: PersonId | None = None) -> int:
    """How many kudos ``giver`` gave since ``since`` (to ``receiver`` only, when given)."""
    query = select(func.count()).select_from(KudosRow).where(
        KudosRow.community == community, KudosRow.giver == giver, KudosRow.at >= since)
    if receiver is not None:
        query = query.where(KudosRow.receiver == receiver)
    return int((await session.execute(query)).scalar_one())


@dataclass(frozen=True)
class Thanked:
    """A member on the leaderboard: their kudos and the account and name last thanked."""

    person: int
    kudos: int
    user: UserRef
    name: str


async def leaderboard(session: AsyncSession, community: str, since: datetime | None, until: datetime | None = None,
                      top: int = 10) -> list[Thanked]:
    """The most thanked members in a period, most first."""
    query = select(KudosRow).where(KudosRow.community == community)
    if since is not None:
        query = query.where(KudosRow.at >= since)
    if until is not None:
        query = query.where(KudosRow.at < until)
    rows = (await session.execute(query.order_by(KudosRow.at, KudosRow.id))).scalars().all()
    counted: Counter[int] = Counter(r.receiver for r in rows)
    last = {r.receiver: r for r in rows}
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [Thanked(p, n, UserRef(last[p].platform, last[p].user_id), last[p].name) for p, n in ranked]


# -- announcements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """An announcement as the cog uses it."""

    id: int
    number: int
    channel: str
    text: str
    author: int
    due_at: datetime
    status: str


def _announcement(r: AnnouncementRow) -> Announcement:
    return Announcement(r.id, r.number, r.channel, r.text, r.author, r.due_at, r.status)


async def create_announcement(session: AsyncSession, community: str, **values: object) -> Announcement:
    """A new announcement with the community's next number."""
    number = (await session.execute(select(func.coalesce(func.max(AnnouncementRow.number), 0)).where(
        AnnouncementRow.community == community))).scalar_one() + 1
    row = AnnouncementRow(community=community, number=number, **values)
    session.add(row)
    await session.flush()
    return _announcement(row)


async def announcement(session: AsyncSession, community: str, number: int) -> Announcement | None:
    """An announcement by number."""
    row = (await session.execute(select(AnnouncementRow).where(
        AnnouncementRow.community == community, AnnouncementRow.number == number))).scalar_one_or_none()
    return None if row is None else _announcement(row)


async def announcement_by_id(session: AsyncSession, announcement_id: int) -> Announcement | None:
    """An announcement by its row id."""
    row = await session.get(AnnouncementRow, announcement_id)
    return None if row is None else _announcement(row)


async def pending_announcements(session: AsyncSession, community: str) -> list[Announcement]:
    """Announcements not yet out, soonest first."""
    rows = (await session.execute(select(AnnouncementRow).where(
        AnnouncementRow.community == community, AnnouncementRow.status == "pending")
        .order_by(AnnouncementRow.due_at, AnnouncementRow.number))).scalars().all()
    return [_announcement(r) for r in rows]


async def change_announcement(session: AsyncSession, announcement_id: int, **values: object) -> None:
    """Update an announcement's columns."""
    await session.execute(update(AnnouncementRow).where(AnnouncementRow.id == announcement_id).values(**values))


# -- persons ------------------------------------------------------------------------------------


async def merge_persons(session: AsyncSession, source: PersonId, into: PersonId) -> int:
    """Re-key every row of ``source`` to ``into``; a poll both voted on keeps the kept person's votes."""
    moved = 0
    theirs = (await session.execute(select(VoteRow.poll_id).where(VoteRow.person_id == into))).scalars().all()
    if theirs:
        result = await session.execute(delete(VoteRow).where(VoteRow.person_id == source,
                                                             VoteRow.poll_id.in_(set(theirs))))
        moved += int(getattr(result, "rowcount", 0) or 0)
    for stmt in (
        update(VoteRow).where(VoteRow.person_id == source).values(person_id=int(into)),
        update(QuestionRow).where(QuestionRow.person_id == source).values(person_id=int(into)),
        update(QuestionRow).where(QuestionRow.answered_by == source).values(answered_by=int(into)),
        update(KudosRow).where(KudosRow.giver == source).values(giver=int(into)),
        update(KudosRow).where(KudosRow.receiver == source).values(receiver=int(into)),
        update(PollRow).where(PollRow.creator == source).values(creator=int(into)),
        update(AnnouncementRow).where(AnnouncementRow.author == source).values(author=int(into)),
    ):
        result = await session.execute(stmt)
        moved += int(getattr(result, "rowcount", 0) or 0)
    await session.execute(delete(KudosRow).where(KudosRow.giver == KudosRow.receiver))  # self-thanks after a merge
    return moved


async def delete_member(session: AsyncSession, person: PersonId) -> int:
    """Erase the person's votes, questions and kudos (given and received); polls and announcements
    they created stay, without their name."""
    erased = 0
    for stmt in (
        delete(VoteRow).where(VoteRow.person_id == person),
        delete(QuestionRow).where(QuestionRow.person_id == person),
        delete(KudosRow).where((KudosRow.giver == person) | (KudosRow.receiver == person)),
    ):
        result = await session.execute(stmt)
        erased += int(getattr(result, "rowcount", 0) or 0)
    await session.execute(update(QuestionRow).where(QuestionRow.answered_by == person).values(answered_by=None))
    await session.execute(update(PollRow).where(PollRow.creator == person).values(creator=None))
    await session.execute(update(AnnouncementRow).where(AnnouncementRow.author == person).values(author=0))
    return erased
