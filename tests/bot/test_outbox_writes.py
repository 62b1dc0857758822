"""The senders' grouped row writes: a ``done`` not waited for goes with the next ``sending``'s commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.outbox import outbox_table
from bot.outbox.table import DONE, PENDING, SENDING, insert_new
from bot.outbox.writes import GroupedWrites
from bot.storage.database import Database

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _statuses(db: Database) -> dict[str, str]:
    async with db.session() as session:
        rows = (await session.execute(select(outbox_table.c.key, outbox_table.c.status))).all()
    return {r.key: r.status for r in rows}


async def test_a_done_not_waited_for_shares_the_next_commit_and_readers_can_wait_for_it(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.session() as session, session.begin():
            for key in ("a", "b"):
                assert await insert_new(session, db.dialect, key=key, community="acme", platform="memory",
                                        lane="direct", channel=f"dm:{key}", action={}, status=SENDING if key == "a"
                                        else PENDING, attempts=1, not_before=NOW, created_at=NOW, reported=0)
        writes = GroupedWrites(later=3600)  # no commit of its own within the test: only the next, or settled()
        await writes.write(db, "a", wait=False, status=DONE, finished_at=NOW)  # returns before any commit
        assert writes.commits == 0
        assert await _statuses(db) == {"a": SENDING, "b": PENDING}  # a restart would recheck ``a``
        await writes.write(db, "b", status=SENDING, attempts=1)  # committed before it returns, with a's done
        assert writes.commits == 1 and writes.rows == 2
        assert await _statuses(db) == {"a": DONE, "b": SENDING}
        await writes.write(db, "b", wait=False, status=DONE, finished_at=NOW)
        await writes.settled()  # what a reader of the rows waits for: nothing left uncommitted
        assert writes.commits == 2
        assert await _statuses(db) == {"a": DONE, "b": DONE}
        await writes.settled()  # nothing to write: returns at once
        assert writes.commits == 2
    finally:
        await db.close()
