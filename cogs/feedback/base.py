"""Shared state and helpers of the feedback cog: the duplicate index, item lines, capture, the webhook queue."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, Reply, SendMessage
from bot.cog import Cog
from bot.components import Button
from bot.content import Content, Segment, UserText, fmt
from bot.facts import FeedbackCreated, FeedbackStatusChanged
from bot.permissions import Level
from bot.persons import PersonId
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.replies import reply
from cogs.feedback import store
from cogs.feedback.capture import Submission
from cogs.feedback.ranking import SentimentScorer
from cogs.feedback.settings import FeedbackSettings
from cogs.feedback.similar import SimilarIndex
from cogs.feedback.store import Entry
from cogs.feedback.webhook import encode_body

REMEMBER = 5000  # recent messages kept so a 💡 reaction can capture one (reactions carry no text)


@dataclass(frozen=True, slots=True)
class Seen:
    """A recent message: who wrote it and what it said."""

    author: UserRef
    author_name: str
    text: str


@dataclass(frozen=True, slots=True)
class Captured:
    """What capturing one piece of feedback did: the item, and the open items it looks like."""

    entry: Entry
    similar: tuple[Entry, ...]


def public_data(entry: Entry) -> dict[str, Any]:
    """An item as the product tool, exports and digests may see it: no author when it is anonymous."""
    return {"number": entry.number, "title": entry.title, "details": entry.details, "category": entry.category,
            "tags": entry.tag_list, "status": entry.status, "source": entry.source, "votes": entry.votes,
            "merged_into": entry.merged_into, "created_at": entry.created_at.isoformat(),
            "author": None if entry.anonymous else (entry.author_name or None)}


class FeedbackBase(Cog):
    """Settings, the duplicate index, the recent-message cache and helpers every part uses."""

    name = "feedback"
    settings_model = FeedbackSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.index = SimilarIndex()
        self.sentiment = SentimentScorer()
        self.recent: OrderedDict[MessageRef, Seen] = OrderedDict()
        self.drain_lock = asyncio.Lock()
        self.capture_lock = asyncio.Lock()

    @property
    def conf(self) -> FeedbackSettings:
        """This community's feedback section."""
        settings: FeedbackSettings = self.ctx.settings
        return settings

    @property
    def community(self) -> str:
        """The community's name."""
        return str(self.ctx.community.name)

    async def setup(self) -> None:
        """Load every open item into the duplicate index (off the event loop: 10k items take ~2 s)."""
        async with self.ctx.db.session() as session:
            items = await store.open_texts(session, self.community)
        await asyncio.to_thread(self.index.add_many, items)
        if self.conf.digest is not None:
            self.ctx.calendar("digest", self.conf.digest.when, "digest")

    # -- small helpers ----------------------------------------------------------------------

    @staticmethod
    def reply(event: Any, message: str | Content, ephemeral: bool = True) -> Reply:
        """Answer the invoker; a plain ``str`` is escaped as a whole (answers quote what members typed)."""
        return reply(event, message, ephemeral, quoting=True)

    def channel(self, purpose: str | None, platform: str) -> ChannelRef | None:
        """A configured channel on a platform."""
        return None if purpose is None else self.ctx.community.channel(purpose, platform)

    async def is_moderator(self, user: UserRef) -> bool:
        """Whether the member may triage."""
        return bool(await self.ctx.level_of(user) >= Level.MODERATOR)

    def remember(self, message: MessageRef, seen: Seen) -> None:
        """Keep a recent message for reaction capture (bounded)."""
        self.recent[message] = seen
        self.recent.move_to_end(message)
        if len(self.recent) > REMEMBER:
            self.recent.popitem(last=False)

    def line(self, entry: Entry, *, moderator: bool = False) -> list[Segment]:
        """``#12 [planned] Dark mode on mobile — 3 votes · feature · by alice`` (anonymous to members)."""
        votes = f"{entry.votes} vote" + ("" if entry.votes == 1 else "s")
        extra = [votes] + ([entry.category] if entry.category else []) + [f"#{t}" for t in entry.tag_list]
        author: list[Segment]
        if entry.anonymous:
            author = [" · anonymous" + (" (see /feedback who)" if moderator else "")]
        elif entry.author_name:
            author = [" · by ", UserText(entry.author_name)]
        else:
            author = []
        merged = [f" → merged into #{entry.merged_into}"] if entry.merged_into else []
        return [f"#{entry.number} [{entry.status}] ", UserText(entry.title), " — " + " · ".join(extra),
                *author, *merged]

    def vote_button(self, number: int) -> Button:
        """The vote button of an item."""
        return Button(f"Vote for #{number}", self.action_id("vote"), str(number), "primary")

    # -- capture ----------------------------------------------------------------------------

    async def capture(self, submission: Submission, *, author: UserRef | None, author_name: str,
                      anonymous: bool = False, category: str = "", source: str, tags: str = "",
                      link: MessageRef | None = None, person: PersonId | None = None) -> Captured:
        """Store a new item (the author follows it), queue its webhook, and find similar open items."""
        now = self.ctx.now()
        if person is None and author is not None:
            person = await self.ctx.person(author)
        similar_numbers = [m.item_id for m in self.index.similar(
            submission.text, limit=self.conf.duplicates.offer, threshold=self.conf.duplicates.threshold)]
        sentiment = self.sentiment.compound(submission.text)
        async with self.ctx.db.session() as session, session.begin():
            entry = await store.create(
                session, community=self.community, person_id=person, author_name=author_name[:100],
                anonymous=anonymous, title=submission.title, details=submission.details, category=category,
                tags=tags, status="new", source=source, link_platform=link.platform if link else None,
                link_channel=link.channel.id if link else None, link_message=link.id if link else None,
                sentiment=sentiment, created_at=now, updated_at=now)
            if person is not None and author is not None:
                await store.follow(session, entry.id, person, author)
            await self.queue_hook(session, "feedback.created", entry)
            similar = [e for n in similar_numbers if (e := await store.by_number(session, self.community, n))]
        self.index.add(entry.number, submission.text)
        await self.ctx.publish(FeedbackCreated(person=person, item=str(entry.number), category=category or source))
        await self.kick_delivery()
        return Captured(entry, tuple(similar))

    def offer(self, captured: Captured) -> Content:
        """``Thanks: this is #14. It looks like #12 …: vote there instead?`` with the buttons."""
        entry = captured.entry
        segments: list[Segment] = [*fmt("Thanks! Your feedback is #{n}: {title}.", n=entry.number,
                                        title=UserText(entry.title)).segments]
        if not captured.similar:
            return Content(tuple(segments))
        segments.append("\nIt looks like what others already asked for:")
        buttons = []
        for other in captured.similar:
            segments += ["\n  ", *self.line(other)]
            buttons.append(Button(f"Vote for #{other.number} instead", self.action_id("instead"),
                                  f"{entry.number}:{other.number}", "primary"))
        segments += fmt("\nVote for one of those instead (#{n} is then merged into it), or keep #{n} as it is.",
                        n=entry.number).segments
        buttons.append(Button(f"Keep #{entry.number}", self.action_id("keep"), str(entry.number)))
        return Content(tuple(segments), tuple(buttons))

    def post_offer(self, captured: Captured, where: MessageRef) -> list[Action]:
        """The offer as a reply in the channel (captures that came without an interaction)."""
        return [SendMessage(channel=where.channel, reply_to=where, content=self.offer(captured))]

    # -- the webhook queue ------------------------------------------------------------------

    async def queue_hook(self, session: AsyncSession, event: str, entry: Entry, **extra: Any) -> None:
        """Queue a webhook delivery in the caller's transaction (nothing when no webhook is set)."""
        if self.conf.webhook is None:
            return
        delivery = uuid.uuid4().hex
        body = encode_body(event, delivery, self.ctx.now(), {**public_data(entry), **extra})
        await store.enqueue(session, self.community, delivery, body, self.ctx.now())

    async def kick_delivery(self) -> None:
        """Have the queue delivered soon, unless the endpoint is down (its retry is already booked)."""
        if self.conf.webhook is None:
            return
        async with self.ctx.db.session() as session:
            health = await store.endpoint(session, self.community)
            waiting = health.retry_at is not None and health.retry_at > self.ctx.now()
            await session.commit()
        if not waiting:
            await self.ctx.schedule("deliver", self.ctx.now())

    async def status_fact(self, entry: Entry, status: str, person: PersonId | None = None) -> None:
        """Tell other cogs (analytics) an item moved."""
        await self.ctx.publish(FeedbackStatusChanged(person=person, item=str(entry.number), status=status))
