"""The ``core_outbox`` table: one row per outgoing effect, until the platform confirms it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.base import UTCDateTime

_meta = MetaData()
outbox = Table(
    "core_outbox", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("community", String(40)),
    Column("platform", String(20), nullable=False),
    Column("lane", String(16), nullable=False),
    Column("channel", String(120), nullable=False),  # what the pacer spaces sends by
    Column("action", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("not_before", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("result_channel", String(120)),
    Column("result_message", String(120)),
    Column("error", Text),
    Column("reported", Integer, nullable=False, default=0),  # 1 once a failure was told to the mod log
    Column("owner", String(64)),  # the process delivering it (several on one PostgreSQL; bot.cluster)
    # the key of an entry this one waits for, and what it does when that one was not delivered
    # (bot.outbox.chain: GO anyway, DROP, NOTE it in the post, or only then: ELSE)
    Column("after", String(200)),
    Column("if_not", String(8)),
)

# pending -> sending (handed to the adapter) -> done | failed | expired | unsure (may have reached a
# person and the platform can't tell: not repeated); pending -> replaced (an edit of a message made
# obsolete by a newer edit of it before it went: nothing is lost, the newer one carries the content)
PENDING, SENDING, DONE, FAILED, EXPIRED, UNSURE = "pending", "sending", "done", "failed", "expired", "unsure"
REPLACED = "replaced"  # see bot.outbox.coalesce
UNDELIVERED = (FAILED, EXPIRED, UNSURE)


async def take_over(session: AsyncSession, live: set[str] | None, owner: str | None) -> list[Any]:
    """The undelivered entries a process is to deliver: all of them (one process, ``live`` None), or those
    of no live process, claimed for ``owner`` in one statement (several processes on PostgreSQL)."""
    waiting = outbox.c.status.in_((PENDING, SENDING))
    if live is None:
        return list((await session.execute(select(outbox).where(waiting).order_by(outbox.c.id))).all())
    orphaned = or_(outbox.c.owner.is_(None), outbox.c.owner.not_in(live))
    claimed = (await session.execute(update(outbox).where(waiting, orphaned).values(owner=owner)
                                     .returning(outbox.c.id))).scalars().all()
    if not claimed:
        return []
    return list((await session.execute(select(outbox).where(outbox.c.id.in_(claimed)).order_by(outbox.c.id))).all())


# built once per dialect, the row passed as parameters: building (and keying for the compiled cache) a
# statement per entry with ``.values(**row)`` was a tenth of a spam wave's first second
_INSERTS = {"postgresql": pg_insert(outbox).on_conflict_do_nothing(index_elements=["key"]),
            "sqlite": sqlite_insert(outbox).on_conflict_do_nothing(index_elements=["key"])}


async def insert_new(session: AsyncSession, dialect: str, **row: Any) -> bool:
    """Insert an entry's row in ``session``; False when its key is there already (the same effect twice)."""
    insert = _INSERTS["postgresql" if dialect == "postgresql" else "sqlite"]
    result = await session.execute(insert, row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


_RETURNING = {name: insert.returning(outbox.c.key) for name, insert in _INSERTS.items()}


async def insert_many(session: AsyncSession, dialect: str, rows: list[dict[str, Any]]) -> set[str]:
    """Insert entries' rows in ``session`` in one statement (SQLAlchemy's insertmanyvalues); the keys
    written (a key already there is not: the same effect twice)."""
    insert = _RETURNING["postgresql" if dialect == "postgresql" else "sqlite"]
    return set((await session.execute(insert, rows)).scalars().all())
