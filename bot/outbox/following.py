"""The followers a sender holds (:mod:`bot.outbox.chain`): finding those of an entry, and waiting for
those that go now, so what a caller says next comes after a sanction's DM and mod-log post; and the
answer to an entry's caller, which waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.actions import QUEUED, ActionResult
from bot.outbox.entry import Entry
from bot.outbox.followup import answer_of
from bot.outbox.queues import Queues
from bot.storage.database import Database


def followers_of(queues: Mapping[str, Queues], key: str) -> list[Entry]:
    """The entries that follow ``key``, and those that follow them, in chain order."""
    found: list[Entry] = []
    keys, seen = [key], {key}
    while keys:
        after = keys.pop(0)
        step = [e for q in queues.values() for e in q.entries.values() if e.after == after and e.key not in seen]
        found += step
        keys += [e.key for e in step]
        seen.update(e.key for e in step)
    return found


async def followed_now(queues: Mapping[str, Queues], followers: list[Entry]) -> None:
    """Wait for the followers of a delivered entry that go now, in turn. Those that can't go now (a storm
    on the mod log) are not waited for."""
    for follower in followers:
        held = queues[follower.platform]
        if follower.key not in held.entries or not held.goes_now(follower):
            continue
        if follower.done is None:
            follower.done = asyncio.get_running_loop().create_future()
        await follower.done


async def answer_now(queues: Mapping[str, Queues], db: Database, key: str) -> ActionResult | None:
    """The platform's answer to a committed entry if it goes now (and what it follows does), after its
    followers that go now; else a ``queued`` result. None for a key never staged."""
    entry = next((q.entries[key] for q in queues.values() if key in q.entries), None)
    if entry is None:
        return await answer_of(db, key)
    if entry.done is None:
        entry.done = asyncio.get_running_loop().create_future()
    if entry.done.done():
        return entry.done.result()
    if not queues[entry.platform].goes_now(entry):
        return ActionResult(entry.action, True, code=QUEUED)
    followers = followers_of(queues, key)  # known now: a follower forgets what it followed once it goes
    answer = await entry.done
    if answer.code != QUEUED:
        await followed_now(queues, followers)
    return answer
