"""Numbers that count up per community (case #12, feedback #7), shared by the cogs that show them.

The next number is one more than the community's highest; two writers taking the same one is
caught by the table's unique (community, number) constraint, and the loser counts again.

On SQLite the count and the savepoint run inside the caller's transaction only once that has
begun: Python's sqlite3 opens it at the first write, and a savepoint opened before that is a
transaction of its own, committed when it is released — the numbered rows would then be on file
even if the caller's transaction rolls back after (a case whose effects failed to stage). So a
write that changes nothing opens it first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
ATTEMPTS = 5


async def with_next_number(session: AsyncSession, number: Any, community: Any, name: str,
                           insert: Callable[[int], Awaitable[T]], *, what: str = "a number") -> T:
    """Run ``insert(first)`` in a savepoint with the community's next free number, again on a clash.

    ``number`` and ``community`` are the table's columns; ``insert`` writes the row(s) numbered from
    ``first`` (a batch takes ``first``, ``first + 1``…) and returns what the caller wants back.
    """
    if (await session.connection()).dialect.name == "sqlite":
        await session.execute(update(number.table).where(false()).values({number.key: number}))
    for _attempt in range(ATTEMPTS):
        last = int((await session.execute(
            select(func.coalesce(func.max(number), 0)).where(community == name))).scalar_one())
        try:
            async with session.begin_nested():
                return await insert(last + 1)
        except IntegrityError:  # another writer took the number: count again
            continue
    raise RuntimeError(f"could not allocate {what}")
