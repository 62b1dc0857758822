"""Entries staged together: a block of ``stage`` calls in one transaction written in one statement.

A spam wave's group commit stages hundreds of entries (a case's DM, sanction and mod-log post, for
each case of the batch) in one transaction; one INSERT each was a third of the wave's statements.
Inside :func:`together` a stage only notes its row, and the block's end writes them all in one
multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING key``. Nothing changes for what commits:
the rows are in the same transaction, written before it commits, and a block left by an exception
writes nothing (its transaction rolls back anyway). Blocks nest: the outermost writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.entry import Entry, forget_staged
from bot.outbox.table import insert_many, insert_new

BLOCK = "outbox_block"  # session.info: the (entry, row) pairs staged in the open block
Staged = list[tuple[Entry, dict[str, Any]]]


def open_block(session: AsyncSession) -> Staged | None:
    """The block open on ``session``, if any: a stage appends its (entry, row) there instead of writing."""
    block: Staged | None = session.info.get(BLOCK)
    return block


@asynccontextmanager
async def together(session: AsyncSession, write: Callable[[AsyncSession, Staged], Awaitable[None]]) \
        -> AsyncIterator[None]:
    """Hold the entries staged in ``session`` inside the block; ``write`` them all at its end."""
    if BLOCK in session.info:  # nested: the outermost block writes
        yield
        return
    block: Staged = []
    session.info[BLOCK] = block
    try:
        yield
    finally:
        session.info.pop(BLOCK, None)
    if block:
        await write(session, block)


def first_of_each_key(block: Staged) -> Staged:
    """The block's pairs with each key once (the first: the same key twice is one entry)."""
    seen: dict[str, tuple[Entry, dict[str, Any]]] = {}
    for entry, row in block:
        if entry.key in seen:
            entry.inserted = False
        else:
            seen[entry.key] = (entry, row)
    return list(seen.values())


class Staging:
    """Where the entries written in a transaction wait for it: handed to ``committed`` (the session's
    sync session) once it commits, forgotten if it rolls back."""

    def __init__(self, committed: Callable[[Any], None]) -> None:
        self.committed = committed

    async def add(self, session: AsyncSession, dialect: str, entry: Entry, row: dict[str, Any]) -> None:
        """Write ``entry``'s row in ``session`` (or note it in the open block); ``entry.inserted`` says
        whether it is new (known at once, or when the block writes)."""
        if (block := open_block(session)) is not None:
            block.append((entry, row))
        elif await insert_new(session, dialect, **row):
            self.hold(session, [entry])
        else:
            entry.inserted = False

    def together(self, session: AsyncSession, dialect: str) -> AbstractAsyncContextManager[None]:
        """The block of :func:`together` on ``session``, written with this dialect's statement."""
        async def write(session: AsyncSession, block: Staged) -> None:
            pairs = first_of_each_key(block)
            written = await insert_many(session, dialect, [row for _entry, row in pairs])
            for entry, _row in pairs:
                entry.inserted = entry.key in written
            self.hold(session, [entry for entry, _row in pairs if entry.inserted])
        return together(session, write)

    def hold(self, session: AsyncSession, entries: list[Entry]) -> None:
        """Entries written in ``session``: handed over once it commits, forgotten if it rolls back."""
        staged: list[Entry] = session.info.setdefault("outbox", [])
        if entries and not staged:
            event.listen(session.sync_session, "after_commit", self.committed, once=True)
            event.listen(session.sync_session, "after_soft_rollback", forget_staged, once=True)
        staged.extend(entries)
