"""The mod-log summary of entries that were not delivered.

Where the mod log can't take it — the community has none on that platform, or the summary itself
fails for good there (the channel was deleted, Steward lost access) — the summary goes once to
the community's ``staff`` channel on that platform, saying why it is there; only without one is
it written to the log file alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update

from bot.actions import (
    Action,
    BanMember,
    DeleteMessage,
    EditMessage,
    KickMember,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendMessage,
    TimeoutMember,
    UnbanMember,
)
from bot.content import Content, Mention, Segment, UserText, fmt
from bot.outbox.codec import CodecError, decode
from bot.outbox.table import EXPIRED, UNDELIVERED, UNSURE, outbox
from bot.refs import ChannelRef
from bot.storage.database import Database

log = logging.getLogger(__name__)
REPORT_PREFIX = "outbox-report:"
STAFF_PREFIX = REPORT_PREFIX + "staff:"  # a report the mod log could not take, in the staff channel
STAFF = "staff"  # the community's channel (a ``channels`` key) for what the mod log can't take

MAX_LISTED = 15
_WHAT = {SendDirect: "a DM to", BanMember: "the ban of", UnbanMember: "lifting the ban of",
         TimeoutMember: "the timeout of", RemoveTimeout: "ending the timeout of", KickMember: "the kick of"}


def describe(action: Action) -> list[Segment]:
    """What an action was, in words, with the member or channel as a mention (no ping)."""
    user = getattr(action, "user", None)
    what = _WHAT.get(type(action))
    if what is not None and user is not None:
        return [f"{what} ", Mention(user, user.id)]
    if isinstance(action, SendMessage):
        return ["a post in ", Mention(action.channel, action.channel.id)]
    if isinstance(action, Reply):
        return ["an answer to ", Mention(action.origin.user, action.origin.user.id)]
    if isinstance(action, (EditMessage, DeleteMessage)):
        return [f"{'an edit' if isinstance(action, EditMessage) else 'a delete'} in ",
                Mention(ChannelRef(action.message.platform, action.message.channel_id), action.message.channel_id)]
    return [type(action).__name__]


def summary(channel: ChannelRef, rows: list[Any]) -> SendMessage:
    """One post listing what was not delivered, why, and the start of each message."""
    heading = fmt("Steward could not deliver 1 thing:" if len(rows) == 1 else
                  "Steward could not deliver {n} things:", n=len(rows))
    segments: list[Segment] = list(heading.segments)
    for row in rows[:MAX_LISTED]:
        try:
            action = decode(row.action)
        except (CodecError, TypeError):
            segments += ["\n• entry ", UserText(row.key), " (unreadable)"]
            continue
        why = ("gave up: no longer worth sending" if row.status == EXPIRED else
               "may have arrived; not repeated, so nobody sees it twice" if row.status == UNSURE else "failed")
        segments += ["\n• ", *describe(action), " — ", why, ": ", UserText(row.error or row.status)]
        content = getattr(action, "content", None)
        if isinstance(content, Content) and content.plain().strip():
            segments += [" — “", UserText(content.plain()[:120]), "”"]
    if len(rows) > MAX_LISTED:
        segments += fmt("\n…and {n} more (see the outbox table).", n=len(rows) - MAX_LISTED).segments
    return SendMessage(channel=channel, content=Content(tuple(segments)))


Stage = Callable[..., Awaitable[Any]]
ChannelOf = Callable[[str | None, str], ChannelRef | None]


def for_staff(report: SendMessage, channel: ChannelRef, why: str) -> SendMessage:
    """A report for the mod log, headed with why it comes to the staff channel instead."""
    heading = fmt("This report is for the mod log, which could not take it ({why}):\n", why=UserText(why))
    return SendMessage(channel=channel, content=Content((*heading.segments, *report.content.segments)))


async def to_staff(db: Database, key: str, community: str | None, report: Action, why: str,
                   staff_of: ChannelOf | None, stage: Stage) -> None:
    """A mod-log report that failed for good goes, once, to the staff channel (else only to the log file)."""
    channel = staff_of(community, report.platform) if staff_of is not None else None
    if key.startswith(STAFF_PREFIX) or channel is None or not isinstance(report, SendMessage) \
            or channel == report.channel:
        log.error("outbox: the mod log of %s could not take a report (%s) and there is no staff channel "
                  "to take it: %s", community, why, getattr(getattr(report, "content", None), "plain", str)())
        return
    async with db.session() as session, session.begin():
        await stage(session, for_staff(report, channel, why), community=community, key=STAFF_PREFIX + key)


async def report_undelivered(db: Database, community: str | None, modlog_of: ChannelOf,
                             stage: Stage, running: set[str], staff_of: ChannelOf | None = None) -> None:
    """Mark a community's unreported undelivered entries reported and stage their summary, in one transaction.

    The rows are claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): of several processes reporting at
    once, each entry is in one summary only."""
    async with db.session() as session, session.begin():
        where = outbox.c.community == community if community is not None else outbox.c.community.is_(None)
        rows = (await session.execute(select(outbox).where(where, outbox.c.status.in_(UNDELIVERED),
                                                           outbox.c.reported == 0).order_by(outbox.c.id)
                                      .with_for_update(skip_locked=True))).all()
        if not rows:
            return
        await session.execute(update(outbox).where(outbox.c.key.in_([r.key for r in rows]), outbox.c.reported == 0)
                              .values(reported=1))
        by_platform: dict[str, list[Any]] = {}
        for row in rows:
            by_platform.setdefault(row.platform, []).append(row)
        for platform, items in by_platform.items():
            channel = modlog_of(community, platform)
            staff = staff_of(community, platform) if staff_of is not None else None
            if channel is None and staff is not None and platform in running:
                await stage(session, for_staff(summary(staff, items), staff, f"there is no mod log on {platform}"),
                            community=community, key=f"{STAFF_PREFIX}{REPORT_PREFIX}{items[0].key}")
                continue
            if channel is None or platform not in running:
                log.error("outbox: not delivered in %s and no mod log to say so: %s", community,
                          "; ".join(f"{r.key} ({r.error})" for r in items))
                continue
            await stage(session, summary(channel, items), community=community, key=f"{REPORT_PREFIX}{items[0].key}")
