"""Reading back keyed effects: where each stands and the message it made (for cogs that follow up)."""

from __future__ import annotations

from sqlalchemy import select

from bot.outbox.table import outbox
from bot.refs import MessageRef
from bot.storage.database import Database


async def outcome(db: Database, keys: list[str]) -> dict[str, tuple[str, MessageRef | None]]:
    """``{key: (status, the message it made)}``: a cog that edits or deletes what it posted (a relayed
    copy) reads its copies here; keys never staged are absent. Sender writes commit before they return."""
    if not keys:
        return {}
    async with db.session() as session:
        rows = (await session.execute(select(outbox.c.key, outbox.c.platform, outbox.c.status,
                                             outbox.c.result_channel, outbox.c.result_message)
                                      .where(outbox.c.key.in_(keys)))).all()
    return {r.key: (r.status, MessageRef(r.platform, r.result_channel, r.result_message)
                    if r.result_channel and r.result_message else None) for r in rows}
