"""The weekly digest to the product channel: new items, top this week, biggest movers, shipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.cog import job
from bot.content import Content, Segment, fmt
from bot.scheduler import JobRun
from cogs.feedback import store
from cogs.feedback.board import Board
from cogs.feedback.ranking import WEEK, RankedItem, Signal, biggest_movers, top_this_week
from cogs.feedback.store import Entry


def compose(entries: Sequence[Entry], signals: Sequence[Signal], shipped: Sequence[int], now: datetime,
            line: Callable[[Entry], list[Segment]], top: int = 5) -> Content:
    """The digest of the week up to ``now`` (anonymous items show no author: ``line`` hides it)."""
    by_number = {e.number: e for e in entries}
    open_items = [RankedItem(e.number, e.open, e.sentiment) for e in entries]
    new = [e for e in entries if e.created_at > now - WEEK and e.merged_into is None]
    sections: list[tuple[str, list[list[Segment]]]] = [
        (f"New this week ({len(new)})", [line(e) for e in new[-top:]]),
        ("Top this week", [[*line(by_number[r.item_id]), f" (score {r.score:.1f})"]
                           for r in top_this_week(open_items, signals, now, limit=top)]),
        ("Biggest movers", [[*line(by_number[r.item_id]), f" (+{r.change:.1f})"]
                            for r in biggest_movers(open_items, signals, now, limit=top)]),
        ("Shipped", [line(by_number[n]) for n in dict.fromkeys(shipped) if n in by_number]),
    ]
    segments: list[Segment] = ["Feedback digest for the week"]
    for title, lines in sections:
        segments += fmt("\n{title}:", title=title).segments
        if not lines:
            segments.append(" none")
        for one in lines:
            segments += ["\n  ", *one]
    return Content(tuple(segments))


class Digest(Board):
    """The weekly digest job."""

    async def digest(self, now: datetime) -> Content:
        """The digest of the week up to ``now``."""
        async with self.ctx.db.session() as session:
            entries = await store.listing(session, self.community)
            signals = await store.signals(session, self.community)
            changes = await store.changes_since(session, self.community, now - WEEK)
        shipped = [n for n, status, _note in changes if status == "shipped"]
        top = self.conf.digest.top if self.conf.digest is not None else 5
        return compose(entries, signals, shipped, now, self.line, top)

    @job("digest")
    async def weekly(self, run: JobRun) -> None:
        """Post the digest to the product channel on every platform it exists on."""
        content = await self.digest(run.due_at)
        actions = await self.broadcast(content, self.conf.product_channel)
        if not actions:
            await self.ctx.modlog(Content(("The feedback digest has no product channel to go to; set "
                                           "feedback.product_channel.",)))
        await self.ctx.perform_all(actions)
