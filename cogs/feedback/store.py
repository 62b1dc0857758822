"""Feedback queries. ORM rows stay here; callers get frozen :class:`Entry` values and triage boards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.numbering import with_next_number
from bot.refs import UserRef
from cogs.feedback.models import (
    AuditRow,
    ChangeRow,
    EndpointRow,
    FollowerRow,
    ItemRow,
    NoticeRow,
    OutboxRow,
    VoteRow,
)
from cogs.feedback.ranking import Signal, SignalKind
from cogs.feedback.triage import CLOSED, Item, Status


@dataclass(frozen=True, slots=True)
class Entry:
    """An item as the cog sees it (``votes`` counted when listed)."""

    id: int
    community: str
    number: int
    person_id: int | None
    author_name: str
    anonymous: bool
    title: str
    details: str
    category: str
    tags: str
    status: str
    source: str
    link_platform: str | None
    link_channel: str | None
    link_message: str | None
    merged_into: int | None
    status_before_merge: str | None
    sentiment: float
    created_at: datetime
    updated_at: datetime
    votes: int = 0

    @property
    def text(self) -> str:
        """What the duplicate finder indexes."""
        return f"{self.title}\n{self.details}" if self.details else self.title

    @property
    def open(self) -> bool:
        """Not shipped, declined or merged."""
        return Status(self.status) not in CLOSED

    @property
    def tag_list(self) -> list[str]:
        """Its tags."""
        return self.tags.split()


@dataclass(frozen=True, slots=True)
class Follower:
    """A person to tell of changes, and the account they used."""

    person_id: int
    user: UserRef


_FIELDS = [f.name for f in fields(Entry) if f.name != "votes"]


def _entry(row: ItemRow, votes: int = 0) -> Entry:
    return Entry(**{name: getattr(row, name) for name in _FIELDS}, votes=votes)


async def create(session: AsyncSession, *, community: str, **values: Any) -> Entry:
    """Insert an item with the community's next number (counting again if another writer took it)."""

    async def insert(number: int) -> Entry:
        row = ItemRow(community=community, number=number, **values)
        session.add(row)
        await session.flush()
        return _entry(row)

    return await with_next_number(session, ItemRow.number, ItemRow.community, community, insert,
                                  what="an item number")


async def _row(session: AsyncSession, community: str, number: int) -> ItemRow | None:
    return (await session.execute(select(ItemRow).where(
        ItemRow.community == community, ItemRow.number == number))).scalar_one_or_none()


async def by_number(session: AsyncSession, community: str, number: int) -> Entry | None:
    """An item by its number, with its vote count."""
    row = await _row(session, community, number)
    if row is None:
        return None
    votes = (await session.execute(select(func.count()).where(VoteRow.item_id == row.id))).scalar_one()
    return _entry(row, int(votes))


async def by_link(session: AsyncSession, community: str, platform: str, message: str) -> Entry | None:
    """The item captured from a message, if any."""
    row = (await session.execute(select(ItemRow).where(
        ItemRow.community == community, ItemRow.link_platform == platform,
        ItemRow.link_message == message))).scalars().first()
    return None if row is None else _entry(row)


async def update_item(session: AsyncSession, community: str, number: int, **values: Any) -> None:
    """Change an item's columns."""
    await session.execute(update(ItemRow).where(ItemRow.community == community, ItemRow.number == number)
                          .values(**values))


async def listing(session: AsyncSession, community: str, *, status: str | None = None,
                  tag: str | None = None, open_only: bool = False) -> list[Entry]:
    """Items with their vote counts, oldest first."""
    votes = (select(VoteRow.item_id, func.count().label("n")).group_by(VoteRow.item_id)).subquery()
    query = (select(ItemRow, func.coalesce(votes.c.n, 0)).outerjoin(votes, votes.c.item_id == ItemRow.id)
             .where(ItemRow.community == community))
    if status is not None:
        query = query.where(ItemRow.status == status)
    elif open_only:
        query = query.where(ItemRow.status.not_in([s.value for s in CLOSED]))
    rows = (await session.execute(query.order_by(ItemRow.number))).all()
    out = [_entry(row, int(n)) for row, n in rows]
    return [e for e in out if tag is None or tag in e.tag_list]


async def open_texts(session: AsyncSession, community: str) -> list[tuple[int, str]]:
    """``(number, text)`` of every open item: what the duplicate finder loads at start."""
    return [(e.number, e.text) for e in await listing(session, community, open_only=True)]


# -- the triage board ------------------------------------------------------------------------


async def board(session: AsyncSession, community: str, numbers: Iterable[int]) -> dict[int, Item]:
    """Triage's view of these items (keyed by number), and of every item merged into them."""
    wanted = set(numbers)
    rows = (await session.execute(select(ItemRow).where(ItemRow.community == community, (
        ItemRow.number.in_(wanted) | ItemRow.merged_into.in_(wanted))))).scalars().all()
    by_id = {r.id: r for r in rows}
    votes: dict[int, dict[Any, int | None]] = {r.id: {} for r in rows}
    followers: dict[int, dict[Any, int | None]] = {r.id: {} for r in rows}
    for v in (await session.execute(select(VoteRow).where(VoteRow.item_id.in_(by_id)))).scalars():
        votes[v.item_id][v.person_id] = v.origin
    for f in (await session.execute(select(FollowerRow).where(FollowerRow.item_id.in_(by_id)))).scalars():
        followers[f.item_id][f.person_id] = f.origin
    return {r.number: Item(r.number, Status(r.status), votes[r.id], followers[r.id], r.merged_into,
                           Status(r.status_before_merge) if r.status_before_merge else None) for r in rows}


async def apply(session: AsyncSession, community: str, before: Mapping[int, Item], after: Mapping[int, Item],
                now: datetime, accounts: Mapping[int, UserRef] = {}, kind: str = "voted") -> None:
    """Write what changed between two boards: statuses, merges, votes and followers.

    A new follower's account comes from ``accounts``, else from their row on the item it moved from.
    """
    for number, new in after.items():
        old = before.get(number)
        row = await _row(session, community, number)
        if row is None:
            continue
        if old is None or (old.status, old.merged_into, old.status_before_merge) != (
                new.status, new.merged_into, new.status_before_merge):
            row.status = new.status.value
            row.merged_into = new.merged_into
            row.status_before_merge = new.status_before_merge.value if new.status_before_merge else None
            row.updated_at = now
        old_votes = old.votes if old else {}
        old_followers = old.followers if old else {}
        for person in set(old_votes) - set(new.votes):
            await session.execute(delete(VoteRow).where(VoteRow.item_id == row.id, VoteRow.person_id == person))
        for person, origin in new.votes.items():
            if person not in old_votes:
                session.add(VoteRow(item_id=row.id, person_id=person, origin=origin, kind=kind, at=now))
            elif old_votes[person] != origin:
                await session.execute(update(VoteRow).where(VoteRow.item_id == row.id, VoteRow.person_id == person)
                                      .values(origin=origin, at=now))
        for person in set(old_followers) - set(new.followers):
            await session.execute(delete(FollowerRow).where(FollowerRow.item_id == row.id,
                                                            FollowerRow.person_id == person))
        for person, origin in new.followers.items():
            if not isinstance(person, int):
                continue  # persons are the core's integer ids
            if person in old_followers:
                if old_followers[person] != origin:
                    await session.execute(update(FollowerRow).where(
                        FollowerRow.item_id == row.id, FollowerRow.person_id == person).values(origin=origin))
                continue
            user = accounts.get(person) or await _account(session, person)
            if user is not None:
                session.add(FollowerRow(item_id=row.id, person_id=person, origin=origin, platform=user.platform,
                                        user_id=user.id))
    await session.flush()


async def _account(session: AsyncSession, person: int) -> UserRef | None:
    row = (await session.execute(select(FollowerRow).where(FollowerRow.person_id == person)
                                 .order_by(FollowerRow.id.desc()))).scalars().first()
    return None if row is None else UserRef(row.platform, row.user_id)


async def follow(session: AsyncSession, item_id: int, person: int, user: UserRef) -> None:
    """Make someone a follower (the submitter, a reactor)."""
    exists = (await session.execute(select(FollowerRow.id).where(
        FollowerRow.item_id == item_id, FollowerRow.person_id == person))).first()
    if exists is None:
        session.add(FollowerRow(item_id=item_id, person_id=person, platform=user.platform, user_id=user.id))
        await session.flush()


async def followed(session: AsyncSession, community: str, person: int) -> list[Entry]:
    """The items a person follows, newest first, with their vote counts."""
    numbers = set((await session.execute(select(ItemRow.number).join(FollowerRow, FollowerRow.item_id == ItemRow.id)
                                         .where(ItemRow.community == community,
                                                FollowerRow.person_id == person))).scalars())
    return sorted([e for e in await listing(session, community) if e.number in numbers], key=lambda e: -e.number)


async def followers(session: AsyncSession, item_id: int) -> list[Follower]:
    """Everyone following an item."""
    rows = (await session.execute(select(FollowerRow).where(FollowerRow.item_id == item_id)
                                  .order_by(FollowerRow.id))).scalars()
    return [Follower(r.person_id, UserRef(r.platform, r.user_id)) for r in rows]


# -- changes and notices ---------------------------------------------------------------------


async def add_change(session: AsyncSession, item_id: int, status: str, note: str, by: str, now: datetime) -> int:
    """Record a change; returns its id (what each follower's notice is keyed by)."""
    row = ChangeRow(item_id=item_id, status=status, note=note, by_name=by[:100], at=now)
    session.add(row)
    await session.flush()
    return int(row.id)


async def claim_notices(session: AsyncSession, change_id: int, people: Sequence[int]) -> list[int]:
    """Mark these followers told of a change; returns those who had not been (so each is told once)."""
    done = set((await session.execute(select(NoticeRow.person_id).where(NoticeRow.change_id == change_id))).scalars())
    fresh = [p for p in dict.fromkeys(people) if p not in done]
    session.add_all(NoticeRow(change_id=change_id, person_id=p) for p in fresh)
    await session.flush()
    return fresh


async def changes_since(session: AsyncSession, community: str, since: datetime) -> list[tuple[int, str, str]]:
    """``(number, status, note)`` of every change since ``since``, oldest first."""
    rows = (await session.execute(select(ItemRow.number, ChangeRow.status, ChangeRow.note)
                                  .join(ItemRow, ItemRow.id == ChangeRow.item_id)
                                  .where(ItemRow.community == community, ChangeRow.at > since)
                                  .order_by(ChangeRow.id))).all()
    return [(int(n), str(s), str(note)) for n, s, note in rows]


# -- ranking signals -------------------------------------------------------------------------


async def signals(session: AsyncSession, community: str) -> list[Signal]:
    """Every member's interest in every item: submissions, votes and reactions (by item number)."""
    items = (await session.execute(select(ItemRow.id, ItemRow.number, ItemRow.person_id, ItemRow.created_at)
                                   .where(ItemRow.community == community))).all()
    numbers = {i.id: int(i.number) for i in items}
    out = [Signal(int(i.number), i.person_id, i.created_at, SignalKind.SUBMITTED) for i in items
           if i.person_id is not None]
    for v in (await session.execute(select(VoteRow).where(VoteRow.item_id.in_(numbers)))).scalars():
        kind = SignalKind.MERGED if v.origin is not None else SignalKind.VOTED
        out.append(Signal(numbers[v.item_id], v.person_id, v.at, kind))
        if kind is SignalKind.MERGED:  # a moved vote is still a vote for the ranking
            out.append(Signal(numbers[v.item_id], v.person_id, v.at, SignalKind.VOTED))
    return out


# -- the webhook outbox ----------------------------------------------------------------------


async def enqueue(session: AsyncSession, community: str, delivery_id: str, body: bytes, now: datetime) -> None:
    """Queue one delivery in the caller's transaction (so it exists exactly when the change does)."""
    session.add(OutboxRow(community=community, delivery_id=delivery_id, body=body.decode("utf-8"), created_at=now))
    await session.flush()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One queued webhook delivery."""

    id: int
    delivery_id: str
    body: bytes
    attempts: int


async def pending(session: AsyncSession, community: str, limit: int = 50) -> list[Delivery]:
    """Undelivered rows, oldest first."""
    rows = (await session.execute(select(OutboxRow).where(
        OutboxRow.community == community, OutboxRow.delivered_at.is_(None)).order_by(OutboxRow.id)
        .limit(limit))).scalars()
    return [Delivery(r.id, r.delivery_id, r.body.encode("utf-8"), r.attempts) for r in rows]


async def delivered(session: AsyncSession, row_id: int, now: datetime) -> None:
    """Mark a delivery done."""
    await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(
        delivered_at=now, attempts=OutboxRow.attempts + 1, last_error=None))


async def failed(session: AsyncSession, row_id: int, error: str) -> None:
    """Count a failed attempt."""
    await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(
        attempts=OutboxRow.attempts + 1, last_error=error[:300]))


async def endpoint(session: AsyncSession, community: str) -> EndpointRow:
    """The endpoint's health row (created on first use)."""
    row = await session.get(EndpointRow, community)
    if row is None:
        row = EndpointRow(community=community, failures=0, alerted=False)
        session.add(row)
        await session.flush()
    return row


# -- privacy and members' data ---------------------------------------------------------------


async def audit(session: AsyncSession, community: str, number: int, by: int, now: datetime) -> int:
    """Log that a moderator looked up who sent an item; returns the look-up's id (its mod-log post's key)."""
    row = AuditRow(community=community, item_number=number, by_person=by, at=now)
    session.add(row)
    await session.flush()
    return int(row.id)


async def delete_member(session: AsyncSession, person: int) -> int:
    """Erase a person: their votes, follows and notices go; their items stay, with no author."""
    count = 0
    for table in (VoteRow, FollowerRow, NoticeRow):
        result = await session.execute(delete(table).where(table.person_id == person))
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(update(ItemRow).where(ItemRow.person_id == person).values(
        person_id=None, author_name="", anonymous=True))
    return count + int(result.rowcount or 0)  # type: ignore[attr-defined]


async def merge_persons(session: AsyncSession, source: int, into: int) -> int:
    """Move a person's items, votes and follows to another (a vote both cast counts once)."""
    count = 0
    for table in (VoteRow, FollowerRow):
        kept = set((await session.execute(select(table.item_id).where(table.person_id == into))).scalars())
        if kept:
            result = await session.execute(delete(table).where(table.person_id == source, table.item_id.in_(kept)))
            count += int(result.rowcount or 0)  # type: ignore[attr-defined]
        result = await session.execute(update(table).where(table.person_id == source).values(person_id=into))
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(update(ItemRow).where(ItemRow.person_id == source).values(person_id=into))
    return count + int(result.rowcount or 0)  # type: ignore[attr-defined]
