"""Reading back keyed effects: where each stands, what the platform answered and the message it made."""

from __future__ import annotations

from sqlalchemy import select

from bot.actions import QUEUED, ActionResult
from bot.outbox.codec import CodecError, decode
from bot.outbox.table import DONE, PENDING, SENDING, outbox
from bot.refs import MessageRef
from bot.storage.database import Database


async def outcome(db: Database, keys: list[str]) -> dict[str, tuple[str, MessageRef | None]]:
    """``{key: (status, the message it made)}``: a cog that edits or deletes what it posted (a relayed
    copy) reads its copies here; keys never staged are absent. The caller first waits for the sender's
    writes (a ``done`` is committed after its send's slot is free: GroupedWrites.settled)."""
    if not keys:
        return {}
    async with db.session() as session:
        rows = (await session.execute(select(outbox.c.key, outbox.c.platform, outbox.c.status,
                                             outbox.c.result_channel, outbox.c.result_message)
                                      .where(outbox.c.key.in_(keys)))).all()
    return {r.key: (r.status, MessageRef(r.platform, r.result_channel, r.result_message)
                    if r.result_channel and r.result_message else None) for r in rows}


async def ended_as(db: Database, key: str) -> tuple[str | None, str | None]:
    """An entry's status and error from its row ``(None, None)`` when it was never staged."""
    async with db.session() as session:
        row = (await session.execute(select(outbox.c.status, outbox.c.error).where(outbox.c.key == key))).first()
    return (None, None) if row is None else (row.status, row.error)


async def answer_of(db: Database, key: str) -> ActionResult | None:
    """What the platform answered to an entry no sender holds any more (None: never staged)."""
    async with db.session() as session:
        row = (await session.execute(select(outbox.c.status, outbox.c.error, outbox.c.action, outbox.c.platform,
                                            outbox.c.result_channel, outbox.c.result_message)
                                     .where(outbox.c.key == key))).first()
    if row is None:
        return None
    try:
        action = decode(row.action)
    except (CodecError, TypeError):
        return None
    if row.status == DONE:
        return ActionResult.success(action, MessageRef(row.platform, row.result_channel, row.result_message)
                                    if row.result_channel and row.result_message else None)
    if row.status in (PENDING, SENDING):
        return ActionResult(action, True, code=QUEUED)
    return ActionResult.failure(action, row.error or row.status, row.status)
